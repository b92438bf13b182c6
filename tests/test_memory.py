"""The garbage collector off the edit's path (ui/memory.py, .streamlit/config.toml)."""
import gc
import sys
import tomllib
import types
from pathlib import Path

import pytest

from ui import memory

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def fresh_freeze(monkeypatch):
    monkeypatch.setattr(memory, "_frozen_at", 0)
    yield
    gc.unfreeze()


def test_the_imports_objects_are_frozen_out_of_full_collections(fresh_freeze):
    import builder.shapes
    assert memory.freeze_imports()
    assert gc.get_freeze_count() > 10_000
    tracked = {id(o) for o in gc.get_objects()}
    assert id(builder.shapes.check) not in tracked          # a collection no longer looks at it
    assert builder.shapes.check.__module__ == "builder.shapes"   # and it is still there, of course


def test_it_freezes_again_only_after_more_imports(fresh_freeze, monkeypatch):
    assert memory.freeze_imports()
    assert not memory.freeze_imports()                      # nothing imported since: no collection
    module = types.ModuleType("netcanvas_test_lazy_import")     # a page's lazy import, later
    exec("def helper():\n    return 1\n", module.__dict__)
    monkeypatch.setitem(sys.modules, module.__name__, module)
    assert id(module.helper) in {id(o) for o in gc.get_objects()}
    assert memory.freeze_imports()
    assert id(module.helper) not in {id(o) for o in gc.get_objects()}


def test_streamlit_does_not_collect_after_every_run():
    # its full collection after each run (an edit's included) would undo the freeze's gain: 130-150 ms
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False
