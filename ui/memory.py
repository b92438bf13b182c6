"""The garbage collector kept off the edit's path: the objects of the imported modules (torch, pandas,
plotly, the catalog: some 270,000 on the Build page) are frozen out of its full collections.

A full collection looks at every object the collector tracks. With those imports one takes 130-150 ms
on 2 cores, and Python starts one now and then in the middle of a run (an edit that waits for it, with
the interpreter held). Module objects live as long as the process, so they are frozen (``gc.freeze``):
a collection then looks only at what the runs made since. Freezing again whenever more modules were
imported (another page opened, a lazy import) keeps the frozen set current; each freeze first collects
once, so that it keeps no garbage.
"""
from __future__ import annotations

import gc
import sys
import threading

_lock = threading.Lock()
_frozen_at = 0     # how many modules were loaded at the last freeze


def freeze_imports() -> bool:
    """Collect and freeze if modules were imported since the last freeze; whether it froze."""
    global _frozen_at
    with _lock:
        loaded = len(sys.modules)
        if loaded <= _frozen_at:
            return False
        gc.collect()
        gc.freeze()
        _frozen_at = loaded
        return True
