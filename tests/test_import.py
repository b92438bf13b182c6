"""Import (issue 22): exported code -> import -> export is the same code; ordinary PyTorch models keep
their parameter count and outputs; weights come along; errors name the call and its line.

The round trips call the tracer in this process (the files are ours); the command line, which runs
the file in a limited child process, is tested once with weights and once with a failure.
"""
from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from builder import catalog, templates
from builder.codegen import compile_graph, generate
from builder.errors import CodedError
from builder.fx_import import ImportFailure, import_module
from builder.importing import finish, renamed_weights
from tests.test_train_page import env  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parents[1]


def _code(source: str) -> list[str]:
    """The source without comments (the shape notes and the header say the same thing in other words)."""
    lines = (re.sub(r"\s+#.*$", "", line) for line in source.splitlines() if not line.lstrip().startswith("#"))
    return [line for line in lines if line.strip()]


def _class_name(source: str) -> str:
    return re.findall(r"^class (\w+)\(nn\.Module\)", source, re.M)[-1]


def _plain_params(type_: str, params: dict) -> dict:
    spec = catalog.get(type_)
    if spec is None:
        return params
    out = {}
    for name, value in params.items():
        param = spec.param(name)
        default = list(param.default) if isinstance(param.default, tuple) else param.default
        if not (param is not None and value == default and type(value) is type(default)):
            out[name] = value
    return out


def _body(doc: dict) -> dict:
    """A graph or block body without layout: nodes by id with their params as given (defaults left out)."""
    nodes = {n["id"]: (n["type"], _plain_params(n["type"], n.get("params", {}))) for n in doc["nodes"]}
    edges = sorted((e["source"], e["target"], e.get("port", 0), e.get("source_port", 0)) for e in doc["edges"])
    return {"nodes": nodes, "edges": edges}


def _graph_view(doc: dict) -> dict:
    """What the code holds: name, nodes, edges, blocks (their params by kind and default: the code has no ranges)."""
    blocks = {b["name"]: {**_body(b), "params": {k: (v["kind"], v.get("default")) for k, v in b.get("params", {}).items()}}
              for b in doc.get("blocks", [])}
    return {"name": doc["name"], **_body(doc), "blocks": blocks}


def _import_file(tmp_path, source: str, cls: str, shapes=None) -> dict:
    path = tmp_path / "model.py"
    path.write_text(source)
    return import_module(str(path), cls, shapes)


ROUND_TRIP = ["lenet5", "resnet_small", "text_lstm", "vae", "recommender", "gan_generator", "dna_motif"]
# The VAE's and the GAN generator's last Reshape is written inline into the variable its Output names (recon): the code does not
# hold that node's id, so its graph comes back with the id torch.fx gives it; the code is the same.
ID_NOT_IN_CODE = {"vae", "gan_generator"}


@pytest.mark.parametrize("name", ROUND_TRIP)
def test_exported_code_imports_back_to_the_same_code_and_graph(tmp_path, name):
    doc = templates.load(name)
    source = generate(doc).source
    imported = _import_file(tmp_path, source, _class_name(source))["graph"]
    assert _code(generate(imported).source) == _code(source)
    expected = _graph_view(doc)
    if name in ID_NOT_IN_CODE:       # exactly one node comes back under another id: give it its old one
        (lost,), (given,) = set(expected["nodes"]) - {n["id"] for n in imported["nodes"]}, \
            {n["id"] for n in imported["nodes"]} - set(expected["nodes"])
        imported = json.loads(json.dumps(imported).replace(f'"{given}"', f'"{lost}"'))
    got = _graph_view(imported)
    for view in (expected, got):   # a Reshape's -1 is written out in the code as the size it stands for
        for type_, params in [*view["nodes"].values(), *(n for b in view["blocks"].values() for n in b["nodes"].values())]:
            params.pop("shape", None) if type_ == "Reshape" else None
    assert got == expected


RESNET = '''
import torch
import torch.nn.functional as F
from torch import nn


class Residual(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out = out + self.shortcut(x)
        return F.relu(out)


class TinyResNet(nn.Module):
    input_shapes = {"image": (3, 16, 16)}

    def __init__(self, classes=7):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.layer1 = Residual(8, 8)
        self.layer2 = Residual(8, 16, stride=2)
        self.pool = nn.AdaptiveAvgPool2d((1, 1))
        self.drop = nn.Dropout(0.2)
        self.fc = nn.Linear(16, classes)

    def forward(self, image):
        x = torch.relu(self.stem(image))
        x = self.layer2(self.layer1(x))
        x = self.pool(x).view(x.size(0), -1)
        return F.log_softmax(self.fc(self.drop(x)), dim=1)
'''

TEXT_LSTM = '''
import torch
from torch import nn


class TextClassifier(nn.Module):
    def __init__(self, vocab=50, dim=12, hidden=20, classes=3):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.lstm = nn.LSTM(dim, hidden, num_layers=2, batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * hidden, classes)

    def forward(self, tokens):
        _, (h, _) = self.lstm(self.embed(tokens))
        return self.head(torch.cat([h[-2], h[-1]], dim=1))
'''


def _user_model(tmp_path, source: str, cls: str) -> torch.nn.Module:
    path = tmp_path / "reference.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("netcanvas_test_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    torch.manual_seed(1)
    return getattr(module, cls)().eval()


@pytest.mark.parametrize("source, cls, shapes, example", [
    (RESNET, "TinyResNet", None, lambda: torch.randn(3, 3, 16, 16)),
    (TEXT_LSTM, "TextClassifier", {"tokens": [9]}, lambda: torch.randint(0, 50, (3, 9))),
], ids=["resnet", "text_lstm"])
def test_ordinary_pytorch_keeps_parameter_count_and_outputs(tmp_path, source, cls, shapes, example):
    answer = _import_file(tmp_path, source, cls, shapes)
    imported = finish(answer["graph"], modules=answer["modules"])
    reference = _user_model(tmp_path, source, cls)
    assert imported.params == sum(p.numel() for p in reference.parameters())
    state = renamed_weights(reference.state_dict(), imported)
    model = compile_graph(imported.graph).build().eval()
    model.load_state_dict(state)
    x = example()
    with torch.no_grad():
        torch.testing.assert_close(model(x), reference(x))


def test_the_residual_blocks_become_blocks(tmp_path):
    graph = _import_file(tmp_path, RESNET, "TinyResNet")["graph"]
    assert {b["name"] for b in graph["blocks"]} == {"Residual", "Residual2", "Shortcut"}
    assert [n["type"] for n in graph["nodes"]][:4] == ["Input", "Conv2d", "ReLU", "Block"]
    assert graph["nodes"][0]["params"] == {"shape": [3, 16, 16]}


@pytest.mark.parametrize("body, call, line", [
    ("return torch.exp(self.fc(x))", "torch.exp", 9),
    ("return self.fc(x) * 2.0", "mul", 9),
    ("return self.fc(x)[:, 0]", "fc[:, 0]", 9),
])
def test_a_call_without_a_catalog_type_is_named_with_its_line(tmp_path, body, call, line):
    source = textwrap.dedent(f'''\
        import torch
        from torch import nn
        class M(nn.Module):
            input_shapes = {{"x": (4,)}}
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 2)
            def forward(self, x):
                {body}
        ''')
    with pytest.raises(ImportFailure) as info:
        _import_file(tmp_path, source, "M")
    message = info.value.message("en")
    assert f"line {line}:" in message and call in message and body in message


@pytest.mark.slow
def test_command_line_imports_with_weights(tmp_path):
    from safetensors.torch import save_file
    source_path = tmp_path / "resnet.py"
    source_path.write_text(RESNET)
    reference = _user_model(tmp_path, RESNET, "TinyResNet")
    save_file(reference.state_dict(), str(tmp_path / "w.safetensors"))
    out = tmp_path / "g.json"
    proc = subprocess.run([sys.executable, "-m", "builder", "import", f"{source_path}:TinyResNet", "--weights",
                           str(tmp_path / "w.safetensors"), "-o", str(out)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    params = sum(p.numel() for p in reference.parameters())
    assert f"{params:,} trainable parameters" in proc.stdout
    from runtime import checkpoint
    saved = checkpoint.load(tmp_path / "g.weights.pt")
    model = compile_graph(json.loads(out.read_text())).build().eval()
    model.load_state_dict(saved["state_dict"])
    x = torch.randn(2, 3, 16, 16)
    with torch.no_grad():
        torch.testing.assert_close(model(x), reference(x))



@pytest.mark.slow
def test_the_file_runs_in_a_limited_process(tmp_path):
    from builder.pyimport import ImportRefused, import_python
    hog = tmp_path / "hog.py"
    hog.write_text("import torch\nblock = torch.ones(2_000_000_000, dtype=torch.uint8)\n")
    with pytest.raises(ImportRefused) as info:
        import_python(hog, "M", memory_mb=1024)
    assert "1024 MB" in info.value.message("en") or "allocate" in info.value.message("en")
    sleeper = tmp_path / "sleeper.py"
    sleeper.write_text("import time\ntime.sleep(30)\n")
    with pytest.raises(ImportRefused) as info:
        import_python(sleeper, "M", timeout=3)
    assert info.value.code == "import.timeout"


def test_missing_input_shapes_are_asked_for_in_both_languages(tmp_path):
    with pytest.raises(ImportFailure) as info:
        _import_file(tmp_path, RESNET.replace('input_shapes = {"image": (3, 16, 16)}', ""), "TinyResNet")
    assert "TinyResNet needs input shapes for image" in info.value.message("en")
    assert "TinyResNet 需要 image 的输入形状" in info.value.message("zh")


def test_weights_that_do_not_fit_are_named(tmp_path):
    answer = _import_file(tmp_path, RESNET, "TinyResNet")
    imported = finish(answer["graph"], modules=answer["modules"])
    state = _user_model(tmp_path, RESNET, "TinyResNet").state_dict()
    state["fc.weight"] = torch.zeros(3, 16)
    with pytest.raises(CodedError) as info:
        renamed_weights(state, imported)
    assert "fc.weight" in info.value.message("en") and "(3, 16)" in info.value.message("en")
    del state["fc.weight"]
    with pytest.raises(CodedError) as info:
        renamed_weights(state, imported)
    assert info.value.code == "import.weights_missing" and "fc.weight" in info.value.message("en")


def _onnx_file(tmp_path, model, example) -> str:
    path = str(tmp_path / "model.onnx")
    torch.onnx.export(model, (example,), path, dynamo=False, input_names=["x"])   # the quick exporter
    return path


@pytest.mark.slow
def test_onnx_imports_with_its_weights_and_names_unknown_operators(tmp_path):
    import warnings
    from builder.onnx_import import import_onnx
    model = compile_graph(templates.load("lenet5")).build().eval()
    x = torch.randn(2, 1, 28, 28)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        imported = import_onnx(_onnx_file(tmp_path, model, x))
    assert imported.params == sum(p.numel() for p in model.parameters())
    assert [n["type"] for n in imported.graph["nodes"]][1:4] == ["Conv2d", "Tanh", "AvgPool2d"]
    twin = compile_graph(imported.graph).build().eval()
    twin.load_state_dict(imported.state_dict)
    with torch.no_grad():
        torch.testing.assert_close(twin(x), model(x))

    class Exp(torch.nn.Module):
        def forward(self, x):
            return torch.exp(x).sum(dim=1)
    with warnings.catch_warnings(), pytest.raises(CodedError) as info:
        warnings.simplefilter("ignore")
        import_onnx(_onnx_file(tmp_path, Exp(), torch.randn(2, 3)))
    assert info.value.code == "import.onnx_unsupported"
    assert "Exp (" in info.value.message("en") and "ReduceSum (" in info.value.message("en")


DIGITS_NET = '''
import torch.nn.functional as F
from torch import nn


class TinyNet(nn.Module):
    input_shapes = {"x": (1, 8, 8)}

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 8 * 8, 10)

    def forward(self, x):
        return self.fc(F.relu(self.conv(x)).flatten(1))
'''


def _trained_on_digits(model: torch.nn.Module) -> torch.nn.Module:
    """The user's model after a little plain-PyTorch training on 512 of scikit-learn's digits (about 90% right)."""
    from runtime.data import sklearn_sets     # the files scikit-learn ships, without importing it (seconds)
    x, y, _ = sklearn_sets.load("digits")
    x, y = torch.tensor(x[:512] / 16, dtype=torch.float32).view(-1, 1, 8, 8), torch.tensor(y[:512])
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    model.train()
    for _ in range(20):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
    return model.eval()


@pytest.mark.slow
def test_a_model_imported_with_weights_trains_on_from_them_in_the_app(env, tmp_path):
    """Imported with its weights (as File > Import saves them), the model is offered on the Train page as a
    start with the per-layer report; the run's first evaluation is the user's own model's on the same data."""
    from builder.importing import save_weights, weights_file
    from runtime.train import train
    from tests.test_train_page import by_label, open_train, start_button
    from ui.workspace import Workspace
    reference = _trained_on_digits(_user_model(tmp_path, DIGITS_NET, "TinyNet"))
    answer = _import_file(tmp_path, DIGITS_NET, "TinyNet")
    imported = finish(answer["graph"], modules=answer["modules"])
    imported.state_dict = renamed_weights(reference.state_dict(), imported)
    tab = Workspace(env["home"]).open_doc(imported.graph)
    saved = save_weights(imported, str(weights_file(env["home"], tab.key)))

    at = open_train()
    box = by_label(at.selectbox, "Start from run")
    assert "Imported model: tiny_net" in box.options
    box.set_value("imported:tiny_net.weights.pt").run()
    assert not at.exception, at.exception
    assert [m.value for m in at.markdown if m.value.startswith("- **")] == [
        "- **conv** · loaded: same id and shape \\(4×1×3×3\\)", "- **fc** · loaded: same id and shape \\(10×256\\)"]
    start_button(at).click().run()
    assert not at.exception, at.exception
    cfg = env["started"][0]["config"]
    assert cfg.init_from == saved

    # a validation set under the first evaluation's sample size: that evaluation is of the whole set
    trainer, summary = train(cfg.merged(epochs=1, max_steps=1, monitor=False, val_split=0.1),
                             env["started"][0]["graph"])
    first, val = trainer.history[0], trainer.data.val
    assert first["epoch"] == 0 and first["val_samples"] == len(val)
    with torch.no_grad():
        logits = reference(val.inputs[0].cpu())
    target = val.target.cpu()
    assert first["val_loss"] == pytest.approx(torch.nn.functional.cross_entropy(logits, target).item(), rel=1e-4)
    assert first["val_acc"] == pytest.approx((logits.argmax(1) == target).float().mean().item())
    assert first["val_acc"] > 0.8          # the user's trained model, not a fresh start
    assert {row["status"] for row in summary["transfer"]["layers"]} == {"loaded"}
