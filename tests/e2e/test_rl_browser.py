"""An agent in a real browser, the way a person gets there: open the cartpole_policy template, train it for a
few episodes, watch the returns chart (each episode, their moving average, the greedy evaluations) and the
rendered greedy episode, play an episode in Try the model, and find the environment on the Data page. Waits are on what the page shows."""
from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import fresh_app, template_on_train_page

pytestmark = pytest.mark.e2e

EPISODES = 12           # three REINFORCE updates of 4 episodes; a greedy evaluation after the tenth
TRACES_JS = """(key) => { const el = document.querySelector('.st-key-' + key + ' .js-plotly-plot');
  if (!el || !el.data) return null;
  return el.data.map(t => ({name: t.name, points: (t.x || []).length})); }"""
ANIMATION_JS = """(key) => { const img = document.querySelector('.st-key-' + key + ' img.nc-rl-episode');
  return !!img && img.complete && img.naturalWidth === 225 && img.src.startsWith('data:image/webp'); }"""


@pytest.fixture(scope="module")
def app(streamlit_app, tmp_path_factory):
    return fresh_app(streamlit_app, tmp_path_factory.mktemp("rl"))


def test_train_a_cartpole_policy_watch_it_and_play_an_episode(app, new_page, app_idle):
    t0 = time.monotonic()
    page = template_on_train_page(new_page, app.url, "cartpole_policy")
    start = page.get_by_role("button", name="Start training")
    setup = page.locator(".st-key-tp_setup")
    expect(setup).to_contain_text("Environment: CartPole-v1")
    expect(setup).to_contain_text("trains as reinforcement learning")
    episodes = page.get_by_role("spinbutton", name="Episodes", exact=True)
    episodes.fill(str(EPISODES))
    episodes.press("Enter")
    app_idle(page, timeout=60_000)
    start.click()
    print(f"\nstarted at {time.monotonic() - t0:.1f} s")

    # the returns chart: every episode, their moving average, and the greedy evaluation after the tenth
    page.wait_for_function(f"""() => {{ const t = ({TRACES_JS})('tp_rl_returns');
        return t && t.length === 3 && t[0].points === {EPISODES} && t[2].points >= 1; }}""", timeout=120_000)
    print(f"returns chart at {time.monotonic() - t0:.1f} s")
    traces = page.evaluate(TRACES_JS, "tp_rl_returns")
    assert [t["name"] for t in traces] == ["episode return", "mean of the last 20", "greedy evaluation"]
    assert traces[1]["points"] == EPISODES
    # the latest greedy episode, rendered as an animation of 225x150 frames
    page.wait_for_function(ANIMATION_JS, arg="tp_rl_preview", timeout=60_000)
    expect(page.locator(".st-key-tp_rl_preview")).to_contain_text(re.compile(r"return \d+"))
    page.locator(".st-key-tp_run_card").get_by_text("finished").first.wait_for(timeout=120_000)
    expect(page.locator(".st-key-tp_status")).to_contain_text(f"{EPISODES} / {EPISODES}")

    print(f"finished at {time.monotonic() - t0:.1f} s")
    # Try the model: one greedy episode with the trained network; CartPole gives +1 a step
    page.get_by_role("link", name="Export").click()
    page.get_by_role("tab", name="Try the model").click()
    app_idle(page, timeout=60_000)
    page.get_by_role("button", name="Play an episode").click()
    page.wait_for_function(ANIMATION_JS, arg="rl_try_result", timeout=120_000)
    values = page.locator(".st-key-rl_try_result [data-testid=stMetricValue]").all_inner_texts()
    assert len(values) == 2 and values[0] == values[1].replace(",", "") and int(values[0]) >= 8

    # the Data page: the environment the graph names, with the same fit verdict as a data set
    page.get_by_role("link", name="Data").click()
    expect(page.get_by_text("Fits the graph").first).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Observation 4 → Input").first).to_be_visible()
    expect(page.get_by_text("2 actions → Output").first).to_be_visible()

    print(f"\nwhole test {time.monotonic() - t0:.1f} s")
