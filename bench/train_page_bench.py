"""The Train page in a real browser: how quickly Start shows a point, and what watching costs the run.

    python bench/train_page_bench.py [--repeats 3] [--epochs 300]

Starts ``streamlit run app.py`` (workspace and runs in temporary folders) and headless
Chromium, then measures

1. Start -> first point: from the click on "Start training" to the first point of the
   new run on the loss curve (read from the Plotly figure in the page), with the spare
   worker warmed up as it is when someone has the page open for a few seconds.
2. Slowdown: samples/s of a digits_cnn run (the page's defaults, ``--epochs`` epochs)
   with the Train page open and refreshing, against the very same config started with
   no page open (``runtime.runs.start`` from this script). Runs alternate between the two
   conditions; medians and their ratio are printed.

Not a timed test: the numbers depend on the machine (and, on a shared machine, on what
else runs on it).
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.servers import CHROMIUM_ARGS, VIEWPORT, find_chromium, launch  # noqa: E402

POINTS_JS = """() => {
  const el = document.querySelector('.st-key-tp_curve_0 .js-plotly-plot');
  if (!el || !el.data) return 0;
  return el.data.reduce((n, t) => n + (t.x ? t.x.length : 0), 0);
}"""


def start_server(home: Path, runs_root: Path):
    return launch(ROOT / "app.py", cwd=ROOT, env={"NETCANVAS_WORKSPACE": str(home), "NETCANVAS_RUNS": str(runs_root)})


def _cpu_ticks(pid: int) -> int | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return None


def spare_workers(server_pid: int) -> list[int]:
    out = []
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            cmd = (p / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            ppid = int((p / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == server_pid and "runtime worker" in cmd:
            out.append(int(p.name))
    return out


def wait_worker_ready(server_pid: int, timeout: float = 90.0) -> None:
    """Until the server's spare worker has imported everything and sits idle on its stdin."""
    end = time.time() + timeout
    while time.time() < end:
        workers = spare_workers(server_pid)
        if workers:
            before = {w: _cpu_ticks(w) for w in workers}
            time.sleep(1.0)
            after = {w: _cpu_ticks(w) for w in workers}
            if any(before[w] is not None and before[w] == after[w] for w in workers):
                return
        else:
            time.sleep(0.2)
    print("  (spare worker not idle after %.0f s; measuring anyway)" % timeout)


def new_run(runs_root: Path, known: set[str], timeout: float = 30.0) -> Path:
    end = time.time() + timeout
    while time.time() < end:
        for d in runs_root.iterdir():
            if d.name not in known and (d / "job.json").exists():
                return d
        time.sleep(0.01)
    raise TimeoutError("no new run folder")


def wait_state(run_dir: Path, states, timeout: float = 600.0) -> dict:
    from runtime import runs
    return runs.wait(run_dir, timeout=timeout, states=states)


def set_epochs(page, epochs: int) -> None:
    box = page.locator(".st-key-tp_setup").get_by_label("Epochs", exact=True)
    box.fill(str(epochs))
    box.press("Tab")
    page.wait_for_timeout(600)


def idle(page, timeout: float = 30_000) -> None:
    page.wait_for_function("""() => { const a = document.querySelector('[data-testid=stApp]');
        return a && a.getAttribute('data-test-script-state') !== 'running'; }""", timeout=timeout)


def open_train(page, url: str) -> None:
    """The app's front page, then Train in the top navigation (as a user gets there). A fresh server
    asked for /train first would serve pages/train.py on its own, without app.py around it."""
    page.goto(url + "/")
    page.get_by_test_id("stTopNavLink").filter(has_text="Train").click()
    page.get_by_role("button", name="Start training").wait_for()


def run_speed(run_dir: Path) -> float:
    """Samples/s over the whole run (the last epoch record: every sample seen / time since start).

    Not the median of the per-log-point rates: those leave out evaluation and callbacks, and
    a median hides the steps that the page's refreshes slow down.
    """
    from runtime import runfiles
    records, _ = runfiles.read_jsonl(run_dir / runfiles.METRICS)
    epochs = [r for r in records if r.get("kind") == "epoch" and r.get("epoch", 0) > 0]
    return epochs[-1]["samples_per_s"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=300, help="epochs of each slowdown run (300: about 20 s)")
    args = ap.parse_args()
    exe = find_chromium()
    if not exe:
        raise SystemExit("no chromium on PATH")
    from playwright.sync_api import sync_playwright

    from runtime import runs
    from runtime.config import TrainConfig

    tmp = Path(tempfile.mkdtemp(prefix="nc-bench-"))
    home, runs_root = tmp / "ws", tmp / "runs"
    runs_root.mkdir(parents=True)
    server = start_server(home, runs_root)
    url = server.url
    latencies, with_page, without_page = [], [], []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport=VIEWPORT)
            page.set_default_timeout(60_000)
            open_train(page, url)
            start = page.get_by_role("button", name="Start training")
            idle(page)

            # 1. Start -> first point
            print(f"Start -> first point on the loss curve ({args.repeats} runs, warm worker):")
            set_epochs(page, 30)
            for i in range(args.repeats):
                wait_worker_ready(server.proc.pid)
                page.wait_for_function("() => !document.querySelector('.st-key-tp_start button').disabled")
                idle(page)
                known = {d.name for d in runs_root.iterdir()}
                t0, wall0 = time.perf_counter(), time.time()
                start.click()
                run_dir = new_run(runs_root, known)
                page.wait_for_function(    # a point of this run (the chart names its run in layout.meta)
                    f"""() => {{ const el = document.querySelector('.st-key-tp_curve_0 .js-plotly-plot');
                        return el && el.layout && el.layout.meta && el.layout.meta.run === {json.dumps(run_dir.name)}
                               && ({POINTS_JS})() > 0; }}""",
                    timeout=60_000, polling=10)
                latencies.append(time.perf_counter() - t0)
                job = json.loads((run_dir / "job.json").read_text())
                status = json.loads((run_dir / "status.json").read_text())
                first = json.loads((run_dir / "metrics.jsonl").read_text().splitlines()[0])   # the page drew it
                written = status["started"] + first["time"]
                print(f"  run {i + 1}: {latencies[-1]:.2f} s  (run folder made {job['created'] - wall0:.2f} s, "
                      f"trainer ready {status['started'] - wall0:.2f} s, first record {written - wall0:.2f} s)")
                page.get_by_role("button", name="Stop").click()
                wait_state(run_dir, ("stopped", "finished", "failed", "died"), timeout=120)

            # 2. slowdown: the same run with the page open (refreshing) and with no page at all
            print(f"\nSamples/s of a {args.epochs}-epoch digits_cnn run, with the Train page open vs no page:")
            for i in range(args.repeats):
                set_epochs(page, args.epochs)        # each pair opens a new session: the form starts afresh
                wait_worker_ready(server.proc.pid)
                page.wait_for_function("() => !document.querySelector('.st-key-tp_start button').disabled")
                idle(page)
                known = {d.name for d in runs_root.iterdir()}
                start.click()
                run_dir = new_run(runs_root, known)
                wait_state(run_dir, ("finished", "stopped", "failed", "died"))
                with_page.append(run_speed(run_dir))
                job = json.loads((run_dir / "job.json").read_text())
                assert job["config"]["epochs"] == args.epochs, job["config"]["epochs"]
                page.goto("about:blank")               # no page open now
                cold = runs.start(job["graph"], TrainConfig.from_dict(job["config"]), root=runs_root,
                                  label="no page")
                wait_state(cold, ("finished", "stopped", "failed", "died"))
                without_page.append(run_speed(cold))
                print(f"  pair {i + 1}: page open {with_page[-1]:7.0f}   no page {without_page[-1]:7.0f} samples/s")
                open_train(page, url)
                start = page.get_by_role("button", name="Start training")
            browser.close()
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    med_lat = statistics.median(latencies)
    print("\nresults")
    print(f"  Start -> first point: median {med_lat:.2f} s (min {min(latencies):.2f}, max {max(latencies):.2f}); "
          f"target < 2 s")
    a, b = statistics.median(with_page), statistics.median(without_page)
    print(f"  samples/s over the whole run: page open {a:.0f}, no page {b:.0f}; ratio {a / b:.3f} "
          f"-> slowdown {100 * (1 - a / b):.1f}% (target < 5%)")


if __name__ == "__main__":
    main()
