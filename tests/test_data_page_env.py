"""The Data page with an environment as the data source (issue 20): each environment's shapes are shown, a graph
that fits it is said to fit (observation -> Input, actions -> Output), one that does not is told which node and
what was expected, and the choice is what the Train page trains the agent in."""
from __future__ import annotations

import copy

from builder import templates
from runtime.rl import envs
from tests.shown import shown
from tests.test_data_page_app import open_data_page, saved
from ui import rl_view, train_config
from ui.workspace import Workspace

# (environment, observation values, actions): Gymnasium's own spaces, written out here
SPACES = [("CartPole-v1", 4, 2), ("Acrobot-v1", 6, 3), ("MountainCar-v0", 2, 3)]


def agent_for(obs: int, actions: int) -> dict:
    """The cartpole_policy graph resized: an Input of ``obs`` values, an Output of ``actions`` values, no meta."""
    doc = copy.deepcopy(templates.get("cartpole_policy").document())
    doc["meta"], doc["name"] = {}, f"agent_{obs}_{actions}"
    by_id = {n["id"]: n for n in doc["nodes"]}
    by_id["obs"]["params"]["shape"] = [obs]
    by_id["head"]["params"]["out_features"] = actions
    return doc


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def test_each_environment_shows_its_spaces_and_the_fit_of_a_graph(tmp_path, monkeypatch):
    at = open_data_page(tmp_path, monkeypatch)
    at.segmented_control(key="data_source").set_value("env").run()
    ws = at.session_state["workspace"]
    for name, obs, actions in SPACES:
        assert envs.spec(name).obs_shape == (obs,) and envs.spec(name).actions == actions
        at.selectbox(key="data_env").select(name).run()
        assert not at.exception, at.exception
        assert saved(tmp_path)["env"] == name
        assert metrics(at)["Observation"] == f"({obs},)" and metrics(at)["Actions"] == str(actions)

        # the default graph (digits_cnn: Input 1x8x8, 10 classes) does not fit: its Input is named
        ws.open_doc(templates.get("digits_cnn").document())
        at.run()
        message = shown(at.error[0].value)
        assert "Does not fit the graph **digits_cnn**" in message
        assert f"Input x: environment {name} gives observations of shape ({obs},)" in message
        assert "the Input has shape (1, 8, 8)" in message
        offered = [b.label for b in at.button if b.label.startswith("Open the template")]
        assert offered == (["Open the template cartpole_policy", "Open the template cartpole_dqn"]
                           if name == "CartPole-v1" else [])

        # an Output with the wrong number of actions is named too
        ws.open_doc(agent_for(obs, actions + 1))
        at.run()
        assert f"Output logits: environment {name} has {actions} actions" in shown(at.error[0].value)

        # a graph sized for it fits: observation -> Input, actions -> Output
        ws.open_doc(agent_for(obs, actions))
        at.run()
        verdict = shown(at.success[0].value)
        assert f"Fits the graph **agent_{obs}_{actions}**" in verdict and "reinforcement learning" in verdict
        assert f"Observation {obs} → Input **obs** ({obs})" in verdict
        assert f"{actions} actions → Output **logits** ({actions})" in verdict

        # the Train page trains the agent in the environment chosen here, whatever the graph's meta names
        choice = ws.data_choice()
        assert train_config.resolve_mode("auto", ws.tab.doc, None, choice) == "rl"
        assert rl_view.graph_env(templates.get("cartpole_policy").document(), choice) == name


def test_an_agent_template_brings_its_environment_and_a_data_set_takes_over(tmp_path, monkeypatch):
    Workspace(tmp_path).open_template("cartpole_dqn")
    at = open_data_page(tmp_path, monkeypatch)
    assert at.segmented_control(key="data_source").value == "env"
    assert at.selectbox(key="data_env").value == "CartPole-v1" and "env" not in saved(tmp_path)   # viewing chose nothing
    assert "Fits the graph **cartpole_dqn**" in shown(at.success[0].value)
    assert at.image, "a frame of the environment"
    at.segmented_control(key="data_source").set_value("builtin").run()
    assert saved(tmp_path)["env"] is None and at.session_state["workspace"].data_choice()["env"] is None
