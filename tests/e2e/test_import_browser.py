"""File > Import on the Build page, as a user does it: a PyTorch file, a warning that its code will run,
the class name, a confirmation, and the model opens as a new graph tab with its layers on the canvas.

With NETCANVAS_SCREENSHOTS=DIR it also writes the dialog in English and Chinese (import-LANG.png).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.build_app import app, page, workdir  # noqa: F401 (fixtures)

pytestmark = pytest.mark.e2e

MODEL = '''
import torch.nn.functional as F
from torch import nn


class TinyNet(nn.Module):
    input_shapes = {"x": (1, 8, 8)}

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 8 * 8, 3)

    def forward(self, x):
        return self.fc(F.relu(self.conv(x)).flatten(1))
'''


def _shoot(page, name: str) -> None:
    folder = os.environ.get("NETCANVAS_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / name))


def test_import_a_pytorch_file_onto_the_canvas(page, app_idle, tmp_path):
    source = tmp_path / "tiny.py"
    source.write_text(MODEL)
    page.get_by_role("button", name="File").click()
    page.get_by_role("button", name="Import model…").click()
    dialog = page.get_by_role("dialog", name="Import a model")
    dialog.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(source))
    expect(dialog.get_by_text("Importing a Python file runs its code")).to_be_visible()
    run = dialog.get_by_role("button", name="Import", exact=True)
    dialog.get_by_label("Class name").fill("TinyNet")
    dialog.get_by_label("Class name").press("Enter")
    app_idle(page)
    expect(run).to_be_disabled()            # not before the user says the code may run
    dialog.get_by_text("I understand: run this file's code").click()
    expect(run).to_be_enabled()
    _shoot(page, "import-en.png")
    run.click()
    expect(dialog).to_have_count(0, timeout=120_000)     # the import ran in its own process
    expect(page.get_by_role("radio", name="tiny_net")).to_be_visible()      # the new graph tab
    for layer in ("conv", "relu", "flatten", "fc"):
        expect(page.locator(f'.nc-node[data-id="{layer}"]')).to_be_visible()
    if os.environ.get("NETCANVAS_SCREENSHOTS"):
        _shoot(page, "import-canvas-en.png")
        page.get_by_text("简体中文").click()
        app_idle(page)
        page.get_by_role("button", name="文件").click()
        page.get_by_role("button", name="导入模型…").click()
        dialog = page.get_by_role("dialog", name="导入模型")
        dialog.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(source))
        expect(dialog.get_by_text("导入 Python 文件会运行其中的代码")).to_be_visible()
        _shoot(page, "import-zh.png")
