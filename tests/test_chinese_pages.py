"""No English left on a Chinese page.

Every page is drawn in Chinese with AppTest: Build, Data (a set of images and a table), Train
(the form in each mode) with a finished run of each kind (classification with a test split, a 2-D decision boundary,
regression, an autoencoder, a VAE, a GAN, a CSV upload; each diagnostic view, and all runs
compared) and Export (each run as the source). Every text a reader sees (tests/visible_text.py)
is scanned for ASCII words of three or more letters. Words that stay English in Chinese UIs
are allowed (ALLOWED below), and so are the names that come from the user and the data: graph,
node, run and file names, layer types, data set names, feature and class names.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from builder import catalog, templates
from graphs import chain
from runtime import runfiles
from runtime import runs
from runtime.data import builtin
from runtime.rl import envs
from ui import train_config, train_diagnostics
from trained_runs import trained_run
from visible_text import texts

APP = str(Path(__file__).resolve().parent / "app_entry.py")   # app.py, with st.navigation from the first run
PAGES = Path(__file__).resolve().parents[1] / "pages"

# Words that stay English on a Chinese page: names of products, formats, devices and algorithms, the
# acronyms Chinese ML texts use as they are, the language switch's own name, and dtype names.
ALLOWED = {
    "NetCanvas", "PyTorch", "Python", "ONNX", "onnxruntime", "safetensors", "torchrun", "scikit-learn", "Apple",
    "CSV", "NPZ", "JSON", "ZIP", "PNG", "GPU", "CPU", "CUDA", "MPS",
    "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Nesterov", "Huber", "Xavier", "Kaiming", "DCGAN",
    "GAN", "VAE", "RNN", "LSTM", "GRU", "MLP", "CNN", "ROC", "AUC", "NaN", "KL", "DNA", "softmax",
    "bfloat16", "float16", "float32", "int64", "int8", "torch.compile", "torchvision",
    "English", "Language", "TPE", "Hyperband", "REINFORCE", "DQN", "CartPole", "Gymnasium",
}
# allowed only where the same text says in Chinese what it means
EXPLAINED = {"MAE": "平均绝对误差", "RMSE": "均方根误差"}
# English words shorter than three letters that are still English on a page ("id" as a column name)
SHORT_WORDS = {"id", "of", "to", "in", "on", "at", "by", "or", "is", "no", "ok", "vs"}
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:[.\-][A-Za-z0-9_]+)*")
CODE = re.compile(r"`[^`]*`")                                   # inline code is code in every language
PATH = re.compile(r"(?<![A-Za-z0-9])[~/][^\s，。；：、）)]*")     # a folder on the user's machine
FILE_NAME = re.compile(r"^[A-Za-z0-9_.\-]*\.(?:py|json|jsonl|md|zip|onnx|pt|safetensors|csv|npz|npy|png|txt)$")

DISK = chain(("Linear", {"out_features": 16}), ("ReLU", {}), ("Linear", {"out_features": 2}),
             input_shape=(2,), name="moons")
TABLE = chain(("Linear", {"out_features": 16}), ("ReLU", {}), ("Linear", {"out_features": 1}),
              input_shape=(10,), name="diabetes_mlp")
POINTS = chain(("Linear", {"out_features": 8}), ("Tanh", {}), ("Linear", {"out_features": 2}),
               input_shape=(3,), name="points_mlp")
RUNS = {    # label: graph (or template), discriminator, config
    "classification": ("mlp", None, {"data": "digits", "epochs": 2, "batch_size": 128, "test_split": 0.2}),
    "boundary": (DISK, None, {"data": "moons", "epochs": 2, "batch_size": 128, "test_split": 0.2}),
    "regression": (TABLE, None, {"data": "diabetes", "epochs": 2, "test_split": 0.2}),
    "autoencoder": ("autoencoder", None, {"data": "digits", "epochs": 1, "max_steps": 6}),
    "vae": ("vae", None, {"data": "digits", "epochs": 1, "max_steps": 6}),
    "gan": ("gan_generator", "gan_discriminator", {"data": "digits", "epochs": 1, "max_steps": 6, "mode": "gan"}),
    "upload": (POINTS, None, {"epochs": 2, "upload_options": {"target": "kind"}}),
}


def points_csv(folder: Path) -> Path:
    rows = ["width,height,depth,kind"] + [f"{i % 7},{i % 5},{i % 3},{'tall' if i % 5 > 2 else 'flat'}" for i in range(90)]
    path = folder / "boxes.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def finished_run(root: Path, label: str, csv: Path) -> Path:
    graph, discriminator, cfg = RUNS[label]
    graph = templates.load(graph) if isinstance(graph, str) else graph
    discriminator = templates.load(discriminator) if discriminator else None
    if label == "upload":
        cfg = dict(cfg, upload=str(csv))
    return trained_run(root, dict(cfg, snapshot_seconds=0.2, log_points_per_epoch=4), graph, discriminator, label=label)


@pytest.fixture(scope="module")
def runs_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    csv = points_csv(tmp_path_factory.mktemp("upload"))
    for label in RUNS:
        finished_run(root, label, csv)
        time.sleep(1.1)     # run ids are per second
    return root


def user_words(root: Path) -> set[str]:
    """Names that come from the user or the data, shown as they are: graph, node and run names, layer
    types, data set and environment names, feature and class names (the runs', iris's, every template's)."""
    names = {spec.type for spec in catalog.all_specs()} | set(builtin.names()) | set(envs.ENVS)   # + Gymnasium's ids
    names |= {p.name for spec in catalog.all_specs() for p in spec.params}    # PyTorch's argument names (Build, Tune)
    graphs = [template.doc for template in templates.list_templates()]
    for run_dir in root.iterdir():
        names.add(run_dir.name)
        job = runfiles.read_json(run_dir / runs.JOB) or {}
        graphs += [job.get("graph") or {}, job.get("discriminator") or {}]
        names.add(str(job.get("label", "")))
        record = runfiles.read_json(run_dir / runfiles.PREPROCESS) or {}
        names |= data_names(record) | data_names(record.get("preprocess") or {})
    for graph in graphs:
        names |= {str(graph.get("name", ""))} | {str(node.get("id")) for node in graph.get("nodes", [])}
    names |= set(builtin.info("iris").class_names or []) | set(builtin.load("iris").feature_names or [])
    return {word for name in names for word in WORD.findall(name)}


def data_names(record: dict) -> set[str]:
    """The names in a preprocess record: the data set's, its inputs', outputs', features' and classes'."""
    out = {str(record.get("data") or "")}
    for key in ("class_names", "feature_names", "input_names", "output_names"):
        out |= {str(name) for name in record.get(key) or []}
    return out


def english_words(text: str, allowed: set[str]) -> list[str]:
    """The English words in ``text`` (ASCII words of 3+ letters, and a few short ones) that a Chinese page
    should not show: not allowed, not a file name (model.py, .zip), not in inline code or a path."""
    found = []
    bare = PATH.sub(" ", CODE.sub(" ", text))
    for match in WORD.finditer(bare):
        word = match.group(0)
        extension = match.start() > 0 and bare[match.start() - 1] == "."
        if word in allowed or extension or FILE_NAME.match(word):
            continue
        if sum(ch.isalpha() for ch in word) < 3 and word not in SHORT_WORDS:
            continue
        if word in EXPLAINED and EXPLAINED[word] in text:
            continue
        found.append(word)
    return found


class Scan:
    """Collects what each state of a page shows and the English words in it."""

    def __init__(self, allowed: set[str]):
        self.allowed = allowed
        self.leftovers: dict[str, set[str]] = {}
        self.pages: set[str] = set()

    def read(self, at: AppTest, where: str) -> None:
        assert not at.exception, (where, at.exception)
        shown = texts(at)
        assert shown, where
        self.pages.add(where.split(":")[0])
        for text in shown:
            for word in english_words(text, self.allowed):
                self.leftovers.setdefault(word, set()).add(f"{where}: {text[:90]!r}")


def chinese_app(root: Path, home: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv("NETCANVAS_WORKSPACE", str(home))
    monkeypatch.setenv("NETCANVAS_RUNS", str(root))
    monkeypatch.setattr(runs, "prewarm", lambda: None)
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.segmented_control(key="lang_switch").set_value("zh").run()
    return at


@pytest.mark.slow
def test_no_english_word_is_left_on_a_chinese_page(runs_root, tmp_path, monkeypatch):
    at = chinese_app(runs_root, tmp_path / "ws", monkeypatch)
    scan = Scan(ALLOWED | user_words(runs_root))
    scan.read(at, "build")

    at.switch_page(str(PAGES / "data.py")).run()
    scan.read(at, "data: digits")
    at.selectbox(key="data_builtin").select("iris").run()
    scan.read(at, "data: iris")
    at.segmented_control(key="data_source").set_value("env").run()      # an environment (issue 20)
    scan.read(at, "data: CartPole-v1")

    at.switch_page(str(PAGES / "train.py")).run()
    for mode in train_config.MODES:         # each mode's settings in the form
        at.selectbox(key="tp_mode").set_value(mode).run()
        scan.read(at, f"train: form, {mode}")
    infos = runs.list_runs(runs_root)
    for info in infos:
        at.session_state["tp_current"] = info.id
        at.session_state["tp_act_run"] = info.id
        at.run()
        for view in train_diagnostics.diagnostic_views(info.status.get("mode"), info.dir):
            at.session_state["tp_diag"] = view
            at.run()
            scan.read(at, f"train: {info.label}, {view}")
    every = [info.id for info in infos]
    at.session_state["tp_compare_choice"] = (every, max(every))        # all runs compared, as if picked
    at.run()
    for metric in at.segmented_control(key="tp_compare_metric").options:
        at.segmented_control(key="tp_compare_metric").set_value(metric).run()
        scan.read(at, f"train: compare, {metric}")

    at.switch_page(str(PAGES / "export.py")).run()
    for info in infos:
        at.selectbox(key="export_source").select(info.id).run()
        scan.read(at, f"export: {info.label}")

    at.switch_page(str(PAGES / "tune.py")).run()
    at.multiselect(key="tune_params_zh").set_value(["lr", "optimizer"]).run()
    scan.read(at, "tune: the space, no study yet")

    assert scan.pages == {"build", "data", "train", "export", "tune"}
    assert not scan.leftovers, "\n".join(f"{word}: {sorted(places)[:3]}" for word, places in sorted(scan.leftovers.items()))


def test_the_scan_finds_an_english_word_and_lets_names_through():
    allowed = ALLOWED | {"digits_cnn"}
    assert english_words("训练对比：loss", allowed) == ["loss"]
    assert english_words("digits_cnn · 验证准确率 84.7% · CPU（2 个线程）", allowed) == []
    assert english_words("最佳验证准确率 / MAE", allowed) == ["MAE"]
    assert english_words("平均绝对误差（MAE）", allowed) == []
    assert english_words("L1 · x1 · R² · F1", allowed) == []
    assert english_words("id", allowed) == ["id"]
    assert english_words("下载 model.py · 打包（.zip）· 保存到 /tmp/ws/graphs · 运行 `python train.py`", allowed) == []
