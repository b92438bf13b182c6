"""A folder of class folders of WAV files on the command line (--upload FOLDER), with an audio augmentation,
and the exported train.py reading the same folder into the same waveforms."""
from __future__ import annotations

import json

import pytest
import torch

from runtime.__main__ import main as runtime_cli
from runtime.data import audio
from runtime.export import load_run, training_script
from tests.test_export_script import load_script, run_in_process
from tests.test_speech_data import _wav


def _tones(root):
    for label, freq in (("high", 1500), ("low", 300)):
        (root / label).mkdir(parents=True)
        for i in range(6):
            (root / label / f"{i}.wav").write_bytes(_wav(freq * (1 + i / 50), 16000, 0.5, channels=1 + i % 2))
    return root


GRAPH = {"format": "netcanvas.graph", "version": 1, "name": "tones",
         "nodes": [{"id": "x", "type": "Input", "params": {"shape": [4000]}},
                   {"id": "mel", "type": "MelSpectrogram", "params": {"n_fft": 128, "hop_length": 128, "n_mels": 16}},
                   {"id": "flat", "type": "Flatten", "params": {}},
                   {"id": "fc", "type": "Linear", "params": {"out_features": 2}},
                   {"id": "y", "type": "Output", "params": {}}],
         "edges": [{"source": "x", "target": "mel"}, {"source": "mel", "target": "flat"},
                   {"source": "flat", "target": "fc"}, {"source": "fc", "target": "y"}]}


@pytest.mark.slow       # trains twice (the CLI, then the exported script)
def test_a_wav_folder_trains_from_the_cli_and_the_exported_script_reads_it_the_same(tmp_path):
    folder = _tones(tmp_path / "tones")
    graph = tmp_path / "g.json"
    graph.write_text(json.dumps(GRAPH))
    out = tmp_path / "run"
    assert runtime_cli(["train", str(graph), "--upload", str(folder), "--upload-option", "seconds=0.5",
                        "--augment", "time_shift=0.1", "--augment", "snr_noise=30", "--epochs", "2",
                        "--val-split", "0.25", "--out", str(out)]) == 0
    run = load_run(out)
    assert run.preprocess["audio"] == {"sample_rate": 8000, "seconds": 0.5} and run.class_names == ["high", "low"]
    script = tmp_path / "train.py"
    script.write_text(training_script(run.graph, run.config, run.preprocess), encoding="utf-8")
    assert "import wave" in script.read_text() and "runtime" not in script.read_text().split("import")[1]
    module = load_script(script)
    inputs, target = module.load_data(str(folder))
    ours = audio.load_audio_folder(folder, seconds=0.5)
    assert torch.equal(inputs["x"], ours.inputs["x"]) and torch.equal(target, ours.target)
    summary = run_in_process(script, "--data", folder, "--steps", 2, "--out", tmp_path / "o")
    assert summary["steps"] == 2
