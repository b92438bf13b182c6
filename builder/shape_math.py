"""Output-size arithmetic, written exactly as torch computes it (no tensors, no torch import)."""
from __future__ import annotations

from math import prod

from .errors import GraphError

MAX_ELEMENTS = 2**31 - 1  # elements of one sample's activation; past this nothing trains anyway


def tup(value, n: int) -> tuple[int, ...]:
    """An int or a tuple of n ints, as a tuple of n ints (torch's _pair/_single)."""
    return tuple(value) if isinstance(value, tuple) else (value,) * n


def expect_rank(layer: str, shape, ranks: tuple[int, ...], desc: str) -> None:
    if len(shape) not in ranks:
        raise GraphError("shape.rank", layer=layer, expected=desc, received_shape=list(shape))


def checked(layer: str, shape) -> tuple[int, ...]:
    """A computed output shape, refused when a dimension vanished or it grew absurdly large."""
    shape = tuple(int(d) for d in shape)
    if any(d < 1 for d in shape):
        raise GraphError("shape.empty", layer=layer, output_shape=list(shape))
    if prod(shape) > MAX_ELEMENTS:
        raise GraphError("shape.too_large", layer=layer, output_shape=list(shape), limit=MAX_ELEMENTS)
    return shape


def conv_out(size: int, k: int, s: int, p: int, d: int) -> int:
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def conv_transpose_out(size: int, k: int, s: int, p: int, d: int, op: int) -> int:
    return (size - 1) * s - 2 * p + d * (k - 1) + op + 1


def pool_out(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    # torch's pooling_output_shape: with ceil_mode the last window must start inside the input.
    out = (size + 2 * p - d * (k - 1) - 1 + ((s - 1) if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def sample_shape_text(shape) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def torch_dim(layer: str, dim: int, rank: int, param: str = "dim", allow_batch: bool = False) -> int:
    """A torch-convention dim (batch is 0) for a sample of ``rank`` dims, as a sample index 0..rank-1.

    Returns the index into the per-sample shape; refuses the batch dimension.
    """
    full = rank + 1
    if not -full <= dim < full:
        raise GraphError("param.dim", layer=layer, param=param, received=dim, lo=-full, hi=full - 1)
    d = dim % full
    if d == 0 and not allow_batch:
        raise GraphError("param.batch_dim", layer=layer, param=param, received=dim)
    return d - 1
