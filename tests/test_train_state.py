"""The Train page's logic without a browser: form fields and config, run-folder readers, layer graph, figures."""
from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from builder import templates
from runtime import runfiles
from runtime.config import ConfigError, TrainConfig
from runtime.runs import RunInfo
from ui import figures
from ui import train_config
from ui import train_state


# -- the form as data ----------------------------------------------------------------------------
def test_defaults_train_well_on_digits_and_follow_the_mode():
    d = train_config.defaults_for("classification")
    assert (d["optimizer"], d["lr"], d["batch_size"]) == ("adam", 2e-3, 64) and 10 <= d["epochs"] <= 20
    g = train_config.defaults_for("gan")
    assert (g["beta1"], g["g_lr"], g["d_lr"], g["label_smoothing"]) == (0.5, 2e-4, 2e-4, 0.1)
    assert set(d) == set(train_config.FIELD_NAMES)


def test_every_field_is_a_config_key_with_a_label_and_help():
    from builder.i18n import LANGS
    keys = set(TrainConfig().to_dict())
    for f in train_config.FIELDS:     # a setting's words live in its declaration (runtime/settings.py)
        assert f.name in keys
        for lang in LANGS:
            assert f.label.get(lang, "").strip() and f.help.get(lang, "").strip(), (f.name, lang)
            for choice, words in f.choice_labels.items():
                assert choice in f.choices and words.get(lang, "").strip(), (f.name, choice, lang)


def test_fields_shown_depend_on_mode_optimizer_and_schedule():
    v = train_config.defaults_for("classification")
    names = {f.name for f in train_config.visible_fields("classification", v)}
    assert {"lr", "beta1", "beta2"} <= names and not {"g_lr", "momentum", "step_size", "es_patience"} & names
    v.update(optimizer="nesterov", schedule="step", early_stopping=True)
    names = {f.name for f in train_config.visible_fields("classification", v)}
    assert {"momentum", "step_size", "gamma", "es_patience"} <= names and "beta1" not in names
    gan = {f.name for f in train_config.visible_fields("gan", train_config.defaults_for("gan"))}
    assert {"g_lr", "d_lr", "label_smoothing", "d_steps"} <= gan and not {"lr", "loss"} & gan


def test_build_config_takes_the_data_pages_choice():
    values = dict(train_config.defaults_for("classification"), epochs=3, lr=0.01)
    choice = {"data": "moons", "data_options": {"noise": 0.2}, "upload": None, "upload_options": {},
              "augment": {}, "val_split": 0.3, "label_noise": 0.1}
    cfg = train_config.build_config(values, choice)
    assert isinstance(cfg, TrainConfig)
    assert (cfg.data, cfg.data_options, cfg.val_split, cfg.label_noise, cfg.epochs, cfg.lr) == \
        ("moons", {"noise": 0.2}, 0.3, 0.1, 3, 0.01)
    with pytest.raises(ConfigError):
        train_config.build_config(dict(values, lr=-1.0), choice)


def test_gan_config_uses_the_generator_rate():
    cfg = train_config.build_config(train_config.defaults_for("gan"), {"data": "digits"}, mode="gan")
    assert cfg.mode == "gan" and cfg.g_lr == cfg.d_lr == 2e-4 and cfg.beta1 == 0.5
    assert cfg.lr == TrainConfig().lr       # a GAN trains with its own two rates: lr is not sent


def test_resolve_mode_from_graph_and_data():
    choice = {"data": "digits"}
    assert train_config.resolve_mode("auto", templates.load("digits_cnn"), None, choice) == "classification"
    assert train_config.resolve_mode("auto", templates.load("gan_generator"), templates.load("gan_discriminator"), choice) == "gan"
    assert train_config.resolve_mode("auto", templates.load("vae"), None, choice) == "vae"
    assert train_config.resolve_mode("regression", templates.load("digits_cnn"), None, choice) == "regression"


def test_gan_tabs_default_to_generator_and_its_partner():
    docs = [templates.load("mlp"), templates.load("gan_generator"), templates.load("gan_discriminator")]
    assert train_config.pick_graphs(docs, 1) == (1, 2)
    assert train_config.pick_graphs(docs, 2) == (1, 2)       # the discriminator's tab is active: train its generator
    assert train_config.pick_graphs(docs, 0) == (0, 2)       # not a GAN: the discriminator is only offered


def test_the_run_gets_the_augmentation_that_fits_its_data(tmp_path):
    """The Data page keeps every slider's value; a run trains with the sound ones on sounds (built-in, a WAV
    folder, a zip of WAVs) and the picture ones on pictures, and with none on a table."""
    chosen = {"time_shift": 0.1, "snr_noise": 20.0, "rotation": 15.0, "padding": "zeros"}
    values = train_config.defaults_for("classification")
    sounds = {"time_shift": 0.1, "snr_noise": 20.0}
    assert train_config.build_config(values, {"data": "spoken_digits", "augment": chosen}).augment == sounds
    assert train_config.build_config(values, {"data": "digits", "augment": chosen}).augment == \
        {"rotation": 15.0, "padding": "zeros"}
    assert train_config.build_config(values, {"data": "moons", "augment": chosen}).augment == {}
    (tmp_path / "words" / "yes").mkdir(parents=True)
    (tmp_path / "words" / "yes" / "a.wav").write_bytes(b"RIFF")      # the name is what tells sounds apart
    with zipfile.ZipFile(tmp_path / "words.zip", "w") as z:
        z.writestr("yes/a.wav", b"RIFF")
    (tmp_path / "shapes" / "round").mkdir(parents=True)
    (tmp_path / "shapes" / "round" / "a.png").write_bytes(b"")
    for upload, kind in (("words", "audio"), ("words.zip", "audio"), ("shapes", "image")):
        choice = {"upload": str(tmp_path / upload), "augment": chosen}
        assert train_config.data_kind(choice) == kind
        assert train_config.effective_augment(choice) == (sounds if kind == "audio" else
                                                          {"rotation": 15.0, "padding": "zeros"})


def test_augment_summary_lists_what_is_on():
    assert train_config.augment_summary({"rotation": 15, "hflip": True, "noise": 0, "padding": "zeros"}) == \
        [("rotation", 15.0), ("hflip", 0.5)]
    assert train_config.augment_summary(None) == []


# -- reading the run folder ------------------------------------------------------------------------
def test_tail_reads_only_what_was_appended(tmp_path):
    path = tmp_path / runfiles.METRICS
    cache: dict = {}
    assert train_state.tail(cache, path).records == []
    runfiles.append_jsonl(path, {"kind": "step", "step": 1, "loss": 2.0})
    t = train_state.tail(cache, path)
    assert len(t.records) == 1 and t.version == 1
    offset = t.offset
    with open(path, "ab") as f:
        f.write(b'{"kind": "step", "step": 2')      # a record still being written
    assert train_state.tail(cache, path).records[-1]["step"] == 1 and cache[str(path)].offset == offset
    with open(path, "ab") as f:
        f.write(b', "loss": 1.5}\n')
    t = train_state.tail(cache, path)
    assert [r["step"] for r in t.records] == [1, 2] and t.version == 2
    assert train_state.tail(cache, path).version == 2        # nothing new: same version, figures are reused


def test_progress_fraction_elapsed_and_eta():
    status = {"state": "running", "step": 50, "total_steps": 200, "epoch": 2, "epochs": 8, "started": 100.0}
    p = train_state.progress(status, [{"kind": "step", "step": 50, "epoch": 2.0, "time": 10.0, "samples_per_s": 320.0}],
                             now=110.0)
    assert p["fraction"] == 0.25 and p["elapsed"] == 10.0 and p["eta"] == pytest.approx(30.0)
    assert (p["done"], p["epochs"], p["samples_per_s"]) == (2, 8, 320.0)
    done = train_state.progress(dict(status, state="finished", step=200, epoch=7), [], now=500.0)
    assert done["fraction"] == 1.0 and done["eta"] is None and done["done"] == 8
    assert train_state.clock(65) == "1:05" and train_state.clock(3725) == "1:02:05" and train_state.clock(None) == "–"


def test_a_paused_run_has_no_time_left():
    status = {"state": "paused", "step": 50, "total_steps": 200, "epoch": 2, "epochs": 8, "started": 100.0,
              "updated": 110.0}
    p = train_state.progress(status, [{"kind": "step", "step": 50, "time": 10.0}], now=500.0)
    assert p["eta"] is None and p["elapsed"] == 10.0
    assert train_state.progress(dict(status, state="running"), [], now=110.0)["eta"] == pytest.approx(30.0)


def test_the_header_speed_is_where_the_speed_chart_ends():
    rates = [100.0, 900.0, 120.0, 110.0, 5000.0, 130.0, 125.0]      # jumpy windows: the chart draws a running median
    records = [{"kind": "step", "step": i + 1, "epoch": (i + 1) / 7, "samples_per_s": r} for i, r in enumerate(rates)]
    (_, _, drawn), = train_state.speed_series(records)
    assert train_state.progress({"state": "running"}, records)["samples_per_s"] == drawn[-1] == 130.0
    assert train_state.current_speed([]) is None


@pytest.mark.parametrize("status, done", [
    ({"state": "running", "epoch": 4, "epochs": 10, "epochs_done": 4}, 4),
    ({"state": "finished", "epoch": 6, "epochs": 100, "epochs_done": 7}, 7),     # early stopping
    ({"state": "stopped", "epoch": 6, "epochs": 100, "epochs_done": 6}, 6),      # its last epoch cut short
    ({"state": "finished", "epoch": 2, "epochs": 3}, 3),                          # a run from before epochs_done
    ({"state": "running", "epoch": 2, "epochs": 3}, 2),
    ({"state": "queued"}, 0),
])
def test_epochs_done_from_the_status(status, done):
    assert train_state.epochs_done(status) == done
    assert train_state.progress(status, [])["done"] == done


def test_panels_per_mode():
    assert train_state.panels("classification") == [("fig.loss", ["loss"]), ("fig.acc", ["acc"])]
    assert train_state.panels("gan")[0][1] == ["d_loss", "g_loss"] and train_state.panels("gan")[1][1] == ["d_real", "d_fake"]
    assert train_state.panels("vae")[1][1] == ["recon", "kl"] and train_state.panels(None) == [("fig.loss", ["loss"])]


def test_best_metrics_prefer_validation():
    records = [{"kind": "epoch", "epoch": 0, "val_loss": 2.3, "val_acc": 0.1},
               {"kind": "epoch", "epoch": 1, "train_loss": 1.0, "val_loss": 0.8, "val_acc": 0.7},
               {"kind": "epoch", "epoch": 2, "train_loss": 0.5, "val_loss": 0.9, "val_acc": 0.75}]
    assert train_state.best_metrics(records) == {"val_loss": 0.8, "val_acc": 0.75}
    assert train_state.best_metrics([{"kind": "epoch", "epoch": 1, "train_loss": 0.4, "train_mae": 0.2}]) == \
        {"train_loss": 0.4, "train_mae": 0.2}


def _info(rid, state):
    return RunInfo(id=rid, dir=None, status={"state": state}, job={}, summary=None)


def test_active_run_prefers_the_newest_live_one():
    infos = [_info("20260101-000003-aaaa", "finished"), _info("20260101-000002-bbbb", "running"),
             _info("20260101-000001-cccc", "paused")]
    assert train_state.active_run(infos).id == "20260101-000002-bbbb"
    done = [_info("20260101-000003-aaaa", "finished"), _info("20260101-000001-cccc", "stopped")]
    assert train_state.active_run(done, remembered="20260101-000001-cccc").id == "20260101-000001-cccc"
    assert train_state.active_run(done).id == "20260101-000003-aaaa" and train_state.active_run([]) is None


def test_layer_graph_nodes_edges_and_literal_labels():
    doc = templates.load("digits_cnn")
    doc["nodes"][1]["id"] = "<img src=x onerror=alert(1)>"
    doc["edges"] = [dict(e, source=doc["nodes"][1]["id"]) if e["source"] == "conv1" else
                    dict(e, target=doc["nodes"][1]["id"]) if e["target"] == "conv1" else e for e in doc["edges"]]
    nodes, edges = train_state.layer_graph(doc, {"conv2"}, "conv2")
    assert len(nodes) == len(doc["nodes"]) and len(edges) == len(doc["edges"])
    bad = nodes[1]
    # vis-network draws labels as canvas text (shown as typed); titles would become HTML: left empty
    assert bad["label"] == "<img src=x onerror=alert(1)> · Conv2d" and bad["title"] == ""
    assert bad["font"]["multi"] is False
    sel = next(n for n in nodes if n["id"] == "conv2")
    assert sel["color"]["background"] == train_state.SELECTED_COLOR
    assert next(n for n in nodes if n["id"] == "relu1")["color"]["background"] == "#e5e7eb"   # not watchable
    assert train_state.agraph_config()["physics"]["enabled"] is False
    assert 240 <= train_state.agraph_height(templates.load("digits_cnn")) <= 640


GREYS = {"#e5e7eb", "#6b7280", "#4b5563", "#9ca3af", "#374151", "#d1d5db"}


def test_every_watchable_layer_is_coloured_and_only_the_others_are_grey():
    """The hint says grey nodes have nothing of their own to show: a ReLU or a Flatten that has maps is coloured."""
    doc = templates.load("digits_cnn")
    watchable = {n["id"] for n in doc["nodes"] if n["type"] != "Output"}
    nodes, _ = train_state.layer_graph(doc, watchable, None)
    for node in nodes:
        grey = node["color"]["background"] in GREYS
        assert grey == (node["id"] not in watchable), (node["id"], node["color"])
    types = {n["id"]: n["type"] for n in doc["nodes"]}
    assert {types[n["id"]] for n in nodes if n["color"]["background"] not in GREYS} >= {"ReLU", "Flatten", "Conv2d"}


def test_watchable_layers_and_default():
    doc = templates.load("digits_cnn")
    keys = ["step", "input__0", "target", "act__conv1", "act__relu1", "act__fc2"]
    layers = train_state.watchable_layers(doc, keys)
    assert layers == ["x", "conv1", "relu1", "fc2"]
    assert train_state.default_layer(doc, layers) == "conv1"
    assert train_state.default_layer(doc, ["x", "fc2"]) == "fc2"


def test_watchable_layers_inside_blocks_follow_their_instance_with_types_from_the_definitions():
    doc = templates.load("resnet18")
    keys = ["step", "input__0", "act__relu", "act__layer1", "act__layer1/0", "act__layer1/0/conv1",
            "act__layer1/0/relu", "act__layer2/0/downsample/0", "act__layer2", "act__fc", "act__bn1"]
    layers = train_state.watchable_layers(doc, keys)
    assert layers == ["x", "bn1", "relu", "layer1", "layer1/0", "layer1/0/conv1", "layer1/0/relu", "layer2",
                      "layer2/0/downsample/0", "fc"]
    types = train_state.layer_types(doc, layers)
    assert types["layer1"] == "Stage" and types["layer1/0"] == "BasicBlock" and types["layer1/0/conv1"] == "Conv2d"
    assert types["layer2/0/downsample/0"] == "Conv2d" and types["fc"] == "Linear" and types["x"] == "Input"
    assert train_state.layer_types(doc, ["layer1/9/conv1", "nothing"]) == {"layer1/9/conv1": "", "nothing": ""}
    assert train_state.default_layer(doc, layers) == "layer1/0/conv1"


def test_sample_labels_name_the_class():
    labels = train_state.sample_labels(3, np.array([3, 0, 9]), [str(i) for i in range(10)], lambda i: f"s{i}")
    assert labels == ["s1 · 3", "s2 · 0", "s3 · 9"]
    assert train_state.sample_labels(2, None, None, lambda i: f"s{i}") == ["s1", "s2"]


# -- figures -----------------------------------------------------------------------------------------
RECORDS = [{"kind": "step", "step": 1, "epoch": 0.5, "d_loss": 1.4, "g_loss": 0.7, "lr": 2e-4},
           {"kind": "step", "step": 2, "epoch": 1.0, "d_loss": 1.2, "g_loss": 0.9, "lr": 2e-4},
           {"kind": "epoch", "epoch": 1, "val_d_loss": 1.3}]


def test_curves_draw_each_metric_and_its_validation_markers():
    fig = figures.curves(RECORDS, ["d_loss", "g_loss"], "en", "trainpage.fig_gan_losses")
    names = [t.name for t in fig.data]
    assert names == ["Discriminator loss", "Discriminator loss (validation)", "Generator loss"]
    assert list(fig.data[0].y) == [1.4, 1.2] and list(fig.data[1].y) == [1.3]
    assert fig.layout.uirevision == "curvesd_loss+g_loss"


def test_lr_curve_starts_at_zero():
    fig = figures.lr_curve(RECORDS, "en")
    assert fig.layout.yaxis.rangemode == "tozero"


def test_tile_puts_planes_in_a_grid_with_gaps():
    z = figures.tile([[np.ones((2, 2)), np.zeros((1, 1))], [None, np.ones((2, 2))]])
    assert z.shape == (5, 5)
    assert np.isnan(z[2]).all() and np.isnan(z[:, 2]).all()       # the gaps
    assert (z[:2, 3:] == 0).all() and np.isnan(z[3:, :2]).all()     # resized cell, empty cell


def test_activation_mosaic_conv_one_row_per_sample_input_first():
    act = np.random.rand(4, 6, 4, 4)
    fig = figures.activation_mosaic(act, "conv1", "en", inputs=np.random.rand(4, 1, 8, 8), row_labels=list("abcd"))
    assert len(fig.data) == 1 and fig.data[0].type == "heatmap"
    z = np.asarray(fig.data[0].z, dtype=float)
    assert z.shape == (4 * 9 - 1, 7 * 9 - 1)        # cells of 8x8 (the input's size), 1 input + 6 channels
    assert list(fig.layout.xaxis.ticktext) == ["input", "0", "1", "2", "3", "4", "5"]
    assert list(fig.layout.yaxis.ticktext) == list("abcd")
    assert np.nanmin(z) >= 0 and np.nanmax(z) <= 1


def test_activation_mosaic_dense_is_one_strip_per_sample():
    fig = figures.activation_mosaic(np.random.rand(3, 20), "fc1", "en")
    z = np.asarray(fig.data[0].z, dtype=float)
    assert z.shape == (5, 20)


def test_image_mosaic_squares_up_flat_vectors():
    """A dense autoencoder's reconstructions (N, 64) are drawn as 8x8 tiles, not 1x64 strips."""
    flat = np.random.rand(2, 64)
    z = np.asarray(figures.image_mosaic(flat, cols=2).data[0].z, dtype=float)
    assert np.isfinite(z).sum() == 2 * 64 and z.shape[1] == 2 * 8 + 1
    assert np.allclose(z[-8:, :8], flat[0].reshape(8, 8))


def test_is_image_batch():
    assert figures.is_image_batch(np.zeros((4, 1, 8, 8))) and figures.is_image_batch(np.zeros((4, 3, 5, 5)))
    assert not figures.is_image_batch(np.zeros((4, 2))) and not figures.is_image_batch(np.zeros((4, 20, 1)))


def test_translations_are_complete():
    from builder.i18n import TEXT
    for key, entry in TEXT.items():
        if key.startswith("trainpage."):
            assert entry["en"] and entry["zh"], key
    json.dumps({k: v for k, v in TEXT.items() if k.startswith("trainpage.")}, ensure_ascii=False)


def test_thin_and_smooth_series():
    xs = list(range(1000))
    [(kind, tx, ty)] = train_state.thin([("loss", xs, xs)], most=100)
    assert kind == "loss" and len(tx) == 100 and tx[0] == 0 and tx[-1] == 999 and tx == ty
    [(_, _, sm)] = train_state.smooth([("s", [1, 2, 3, 4, 5], [1.0, 100.0, 1.0, 1.0, 1.0])], window=3)
    assert sm == [1.0, 1.0, 1.0, 1.0, 1.0]


def test_patch_spec_swaps_arrays_only():
    from ui import live_plot
    spec = live_plot.spec(figures.metric_curve(RECORDS_CLS, "loss", "en", "fig.loss"))
    series = figures.metric_series(RECORDS_CLS + [{"kind": "step", "step": 9, "epoch": 3.0, "loss": 0.1}], "loss")
    patched = figures.patch_spec(spec, series)
    assert patched["layout"] == spec["layout"] and patched["data"][0]["x"][-1] == 3.0
    assert patched["data"][0]["line"] == spec["data"][0]["line"]
    with pytest.raises(ValueError):
        figures.patch_spec(spec, series[:1])


RECORDS_CLS = [{"kind": "step", "step": 1, "epoch": 0.5, "loss": 2.0}, {"kind": "step", "step": 2, "epoch": 1.0, "loss": 1.5},
               {"kind": "epoch", "epoch": 1, "train_loss": 1.7, "val_loss": 1.6}]


def test_status_block_is_escaped_and_has_the_numbers():
    from ui import train_live
    out = train_live.status_html("running", "20260101-000000-abcd", {"fraction": 0.25}, "epoch 1/4 <b>",
                                 [("Loss", "0.5"), ("Validation <x>", "90.0%")])
    assert "width:25.0%" in out and "&lt;b&gt;" in out and "Validation &lt;x&gt;" in out and "0.5" in out
