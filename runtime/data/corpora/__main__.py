"""python -m runtime.data.corpora NAME > NAME.txt: a bundled corpus as plain UTF-8 text (for the exported train.py)."""
import sys

from . import NAMES, read

if len(sys.argv) != 2 or sys.argv[1] not in NAMES:
    sys.exit(f"usage: python -m runtime.data.corpora {{{','.join(NAMES)}}} > NAME.txt")
sys.stdout.reconfigure(encoding="utf-8")
sys.stdout.write(read(sys.argv[1]))
