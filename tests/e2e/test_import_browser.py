"""File > Import on the Build page, as a user does it: a PyTorch file and its weights, a warning that its
code will run (not covered by the File menu), the class name, a confirmation, and the model opens as a new
graph tab with its layers on the canvas. Then on the Train page the imported weights are a start to pick,
with the report of which layers take them."""
from __future__ import annotations

import importlib.util
import time

import pytest
import torch
from playwright.sync_api import expect

from tests.e2e.build_app import app, page, workdir  # noqa: F401 (fixtures)
from tests.e2e.test_transfer_browser import open_transfer_picker, pick_source
from tests.test_import import DIGITS_NET

pytestmark = pytest.mark.e2e

# True when the element is in view and no open popover (the File menu) lies over any part of it. A point
# test (elementFromPoint) cannot tell: under a modal dialog the popover's layer takes no pointer events.
UNCOVERED_JS = """el => {
  const r = el.getBoundingClientRect();
  if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth) return false;
  return [...document.querySelectorAll('[data-testid="stPopoverBody"]')].every(body => {
    const p = body.getBoundingClientRect();
    return p.width === 0 || p.height === 0 || p.right <= r.left || p.left >= r.right || p.bottom <= r.top || p.top >= r.bottom;
  });
}"""


def model_files(folder) -> tuple:
    """The user's file (a small digits CNN) and a state dict of its model (torch.save, as people keep weights)."""
    source = folder / "tiny.py"
    source.write_text(DIGITS_NET)
    spec = importlib.util.spec_from_file_location("netcanvas_e2e_tiny", source)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    torch.save(module.TinyNet().state_dict(), folder / "tiny.pt")
    return source, folder / "tiny.pt"


def test_import_a_pytorch_file_with_weights_and_start_training_from_them(page, app_idle, tmp_path):
    t0 = time.monotonic()
    source, weights = model_files(tmp_path)
    page.get_by_role("button", name="File").click()
    page.get_by_role("button", name="Import model…").click()
    dialog = page.get_by_role("dialog", name="Import a model")
    dialog.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(source))
    warning = dialog.get_by_test_id("stAlert").filter(has_text="Importing a Python file runs its code")
    expect(warning).to_be_visible()
    expect(page.get_by_role("button", name="Import model…")).to_have_count(0)     # the File menu closed
    assert warning.evaluate(UNCOVERED_JS), "the warning is covered or out of view"
    dialog.locator('[data-testid="stFileUploaderDropzoneInput"]').last.set_input_files(str(weights))
    run = dialog.get_by_role("button", name="Import", exact=True)
    dialog.get_by_label("Class name").fill("TinyNet")
    dialog.get_by_label("Class name").press("Enter")
    app_idle(page)
    expect(run).to_be_disabled()            # not before the user says the code may run
    dialog.get_by_text("I understand: run this file's code").click()
    expect(run).to_be_enabled()
    run.click()
    expect(dialog).to_have_count(0, timeout=120_000)     # the import ran in its own process
    expect(page.get_by_role("radio", name="tiny_net")).to_be_visible()      # the new graph tab
    for layer in ("conv", "relu", "flatten", "fc"):
        expect(page.locator(f'.nc-node[data-id="{layer}"]')).to_be_visible()
    expect(page.get_by_text("The imported weights are saved as the checkpoint")).to_be_visible()
    imported = time.monotonic() - t0

    setup, box = open_transfer_picker(page, app_idle)
    pick_source(page, box, page.get_by_role("option", name="Imported model: tiny_net"))
    app_idle(page, timeout=60_000)
    report = page.locator(".st-key-tp_transfer_report")
    for layer, shape in (("conv", "4×1×3×3"), ("fc", "10×256")):
        expect(report.locator("li").filter(has_text=layer)).to_contain_text(f"loaded: same id and shape ({shape})")
    expect(setup).to_contain_text("2 layers take the run's weights")
    expect(page.get_by_role("button", name="Start training")).to_be_enabled()
    print(f"\nimport with weights: {imported:.1f} s; then the Train page's report: {time.monotonic() - t0 - imported:.1f} s")
