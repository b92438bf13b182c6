"""Every surface shows exactly the options the settings schema assigns to it, with its ranges and
defaults: the Train form, the Data page, the command line, the exported train.py and docs/config.md."""
from __future__ import annotations

import json
import types
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from builder import templates
from builder.i18n import pick
from runtime import config
from runtime import runs
from runtime.__main__ import train_parser
from runtime.config_docs import markdown
from runtime.data.audio_augment import AUDIO_AUGMENTATIONS
from runtime.data.augment import AUGMENTATIONS
from runtime.data.builtin import DATA_OPTIONS
from runtime.export.script import script_settings, training_script
from runtime.settings import CLI, DATA, FORM, SCRIPT, on
from ui import train_config

ROOT = Path(__file__).resolve().parents[1]
APP = str(Path(__file__).resolve().parent / "app_entry.py")
PAGES = ROOT / "pages"


# -- the schema itself ---------------------------------------------------------------------------------------
def test_every_setting_is_well_formed():
    for s in config.SETTINGS + DATA_OPTIONS + AUGMENTATIONS:
        assert s.label["en"] and s.label["zh"] and s.help["en"] and s.help["zh"], s.name
        if s.kind in ("int", "float", "rate", "share") and s.lo is not None:
            for value in (s.default, *s.mode_defaults.values(), *s.data_defaults.values()):
                assert value is None or s.lo <= value <= s.hi, (s.name, value)
        for value in s.mode_defaults.values():
            config.TrainConfig.from_dict({s.name: value}) if s in config.SETTINGS and not s.applies.modes else None
    assert config.TrainConfig().to_dict() == {s.name: s.default for s in config.SETTINGS}


# -- docs/config.md ---------------------------------------------------------------------------------------------
def test_the_reference_page_is_generated_from_the_schema():
    text = (ROOT / "docs" / "config.md").read_text(encoding="utf-8")
    assert text == markdown(), "docs/config.md is stale: python -m runtime.config_docs > docs/config.md"
    for s in config.SETTINGS + DATA_OPTIONS + AUGMENTATIONS:      # "noise" is a data option and an augmentation
        rows = [line for line in text.splitlines() if line.startswith(f"| `{s.name}` |")]
        assert any(s.range_text() in row and s.help["en"].replace("|", "\\|") in row for row in rows), s.name


# -- the command line ------------------------------------------------------------------------------------------------
def test_the_cli_has_a_flag_for_exactly_the_cli_settings():
    actions = {a.dest: a for a in train_parser()._actions if a.option_strings}
    settings = on(config.SETTINGS, CLI)
    assert {s.name for s in settings} == set(actions) - {"help", "out", "config", "discriminator", "json", "lang"}
    for s in settings:
        action = actions[s.name]
        assert set(s.cli_flags) == set(action.option_strings)
        if s.lo is not None and s.name != "early_stopping":
            assert s.range_text() in action.help, s.name
        if s.choices:
            assert ", ".join(s.choices) in action.help
        if s.kind not in ("bool", "dict", "list") and s.default is not None:
            assert f"default: {s.default:g}" in action.help if isinstance(s.default, float) else \
                f"default: {s.default}" in action.help


@pytest.mark.parametrize("flag, value", [("--epochs", "0"), ("--epochs", "10001"), ("--batch-size", "65537"),
                                         ("--val-split", "0.6"), ("--lr", "11")])
def test_the_cli_refuses_values_past_the_schemas_range(tmp_path, capsys, flag, value):
    from runtime.__main__ import main
    graph = tmp_path / "g.json"
    graph.write_text(json.dumps(templates.load("mlp")))
    assert main(["train", str(graph), flag, value, "--out", str(tmp_path / "r")]) == 1
    assert "must be between" in capsys.readouterr().err


# -- the exported train.py ---------------------------------------------------------------------------------------------
def _script_module(config, discriminator=None, graph="mlp") -> types.ModuleType:
    text = training_script(templates.load(graph), config, None, templates.load(discriminator) if discriminator else None)
    module = types.ModuleType("exported")
    exec(compile(text, "train.py", "exec"), module.__dict__)
    return module


@pytest.mark.parametrize("graph, given, disc, mode", [
    ("mlp", {"data": "digits", "epochs": 7, "lr": 0.01}, None, "classification"),
    ("gan_generator", {"data": "digits", "mode": "gan"}, "gan_discriminator", "gan"),
])
def test_the_script_takes_exactly_its_settings_with_the_runs_values_as_defaults(graph, given, disc, mode):
    module = _script_module(given, disc, graph)
    args = vars(module.parse_args([]))
    wanted = [s for s in on(config.SETTINGS, SCRIPT) if config.applies(s.name, mode, config.defaults(mode))]
    assert set(args) - {"data", "out", "no_shuffle"} == {s.name for s in wanted}
    resolved = config.TrainConfig.from_dict(given).resolved(mode, "digits")
    for s in wanted:
        assert args[s.name] == getattr(resolved, s.name), s.name
        if s.lo is not None:
            with pytest.raises(SystemExit):
                module.parse_args([s.cli_flags[0], str(s.hi * 10 + 1)])


# -- the Train form -------------------------------------------------------------------------------------------------------
@pytest.fixture
def app_env(tmp_path, monkeypatch):
    monkeypatch.setenv("NETCANVAS_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setenv("NETCANVAS_RUNS", str(tmp_path / "runs"))
    monkeypatch.setattr(runs, "prewarm", lambda: None)


def _widgets(at) -> dict:
    """label -> proto of every number input, select box and toggle drawn."""
    out = {}
    for kind in ("number_input", "selectbox", "toggle"):
        for w in at.get(kind):
            out[w.label] = w
    return out


@pytest.mark.slow
def test_the_train_form_shows_every_form_setting_with_its_range_and_default(app_env):
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page(str(PAGES / "train.py")).run()
    defaults = train_config.defaults_for("classification", "digits")     # what a new user sees first
    for s in train_config.visible_fields("classification", defaults):
        assert _widgets(at)[pick(s.label, "en")].value == defaults[s.name], s.name
    seen = {}
    steps = [("optimizer", o) for o in ("nesterov", "adadelta", "rmsprop", "adam")] + \
            [("schedule", s) for s in ("step", "plateau", "cosine", "none")] + [("early_stopping", True)]
    for name, value in [(None, None)] + steps:
        if name is not None:
            key = f"tp_classification_{name}"
            widget = next(w for w in at.get("selectbox") + at.get("toggle") if w.key == key)
            widget.set_value(value).run()
        assert not at.exception, at.exception
        seen.update(_widgets(at))
    for mode in ("regression", "autoencoder", "vae", "gan", "rl"):
        at.selectbox(key="tp_mode").set_value(mode).run()
        seen.update(_widgets(at))
        if mode == "regression":        # huber_delta is offered once the Huber loss is chosen
            next(w for w in at.get("selectbox") if w.key == "tp_regression_loss").set_value("huber").run()
            seen.update(_widgets(at))
    for s in train_config.FIELDS:
        if s.name == "devices":         # offered only where more than one GPU is there to share the work
            continue
        if s.group == "distill":        # offered once a teacher run is picked: tests/test_train_teacher.py
            continue
        widget = seen.get(pick(s.label, "en"))
        assert widget is not None, s.name
        if s.kind in ("int", "float", "rate"):
            assert (widget.proto.min, widget.proto.max) == (s.lo, s.hi), s.name
        if s.kind == "choice":
            assert list(widget.options) == [s.choice_label(c, "en") for c in s.choices], s.name


# -- the Data page ---------------------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_the_data_page_shows_the_data_settings_with_their_ranges(app_env):
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page(str(PAGES / "data.py")).run()
    assert not at.exception, at.exception
    sliders = {s.label: s for s in at.slider}
    for s in on(config.SETTINGS, DATA):
        if s.kind != "share":
            continue
        slider = sliders[pick(s.label, "en")]
        assert (slider.proto.min, slider.proto.max) == (100 * s.lo, 100 * s.hi), s.name
    at.session_state["data_tab"] = "Augmentation"      # digits are images: the augmentation tab is there
    def shows_with_ranges(augmentations):
        sliders = {s.label: s for s in at.run().slider}
        for aug in augmentations:
            slider = sliders[pick(aug.label, "en")]
            assert (slider.proto.min, slider.proto.max, slider.proto.step) == (aug.lo, aug.hi, aug.step), aug.name
        return sliders

    sliders = shows_with_ranges([a for a in AUGMENTATIONS if a not in AUDIO_AUGMENTATIONS])
    assert not {pick(a.label, "en") for a in AUDIO_AUGMENTATIONS} & set(sliders)     # no audio settings for images
    at.selectbox(key="data_builtin").set_value("spoken_digits").run()
    assert not at.exception, at.exception       # an audio set's numbers row had one column too few
    at.session_state["data_tab"] = "Augmentation"
    shows_with_ranges(AUDIO_AUGMENTATIONS)
    at.selectbox(key="data_builtin").set_value("moons").run()
    sliders = {s.label: s for s in at.slider}
    noise = next(o for o in DATA_OPTIONS if o.name == "noise")
    assert (sliders["Noise"].proto.min, sliders["Noise"].proto.max) == (noise.lo, noise.hi)
    assert sliders["Noise"].value == noise.data_defaults["moons"]
