"""Peak bytes of tensors a forward pass keeps alive at once, measured on the CPU, deterministically.

tracemalloc does not see torch's allocations and RSS depends on the allocator, so this
counts tensors instead: a forward hook on every leaf module keeps a weak reference to
each tensor the module reads or returns, and at each call sums the storage bytes of
those still alive (a storage shared by views counted once). CPython frees a tensor the
moment its last name goes, so what is alive at a call is exactly what the generated
``forward`` still holds, plus the inputs the caller holds. Run in eval under no_grad,
autograd keeps nothing alive of its own. Values computed inline (``a + b``) are seen
when a module reads them.
"""
from __future__ import annotations

import weakref

import torch
from torch import nn


def peak_live_bytes(model: nn.Module, inputs: tuple) -> int:
    seen: list[weakref.ref] = []
    peak = 0

    def alive_bytes() -> int:
        storages = {}
        for ref in seen:
            tensor = ref()
            if tensor is not None:
                storage = tensor.untyped_storage()
                storages[storage.data_ptr()] = storage.nbytes()
        return sum(storages.values())

    def record(module, args, output):
        nonlocal peak
        outputs = output if isinstance(output, tuple) else (output,)
        seen.extend(weakref.ref(t) for t in (*args, *outputs) if isinstance(t, torch.Tensor))
        peak = max(peak, alive_bytes())

    leaves = [m for m in model.modules() if next(m.children(), None) is None]
    handles = [m.register_forward_hook(record) for m in leaves]
    try:
        with torch.no_grad():
            model(*inputs)
    finally:
        for handle in handles:
            handle.remove()
    return peak
