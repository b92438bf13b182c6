"""Model compression of a trained run: magnitude and structured pruning, int8 quantization, measured
before and after; the result is a normal run folder (docs/compression.md). No streamlit here.

    python -m runtime compress RUN [--prune AMOUNT] [--structured] [--quantize dynamic|static]
                                   [--finetune-epochs N] --out DIR [--json]
"""
from .errors import CompressError

__all__ = ["CompressError"]
