"""Model compression of a trained run: magnitude and structured pruning, int8 quantization, measured
before and after; the result is a normal run folder (docs/compression.md). No streamlit here.

    python -m runtime compress RUN [--prune AMOUNT] [--structured] [--quantize dynamic|static]
                                   [--finetune-epochs N] --out DIR [--json]
"""
from .errors import CompressError

QUANTIZE_MODES = ("dynamic", "static")     # here, not in pipeline: the command line's parser needs it without torch

__all__ = ["CompressError"]
