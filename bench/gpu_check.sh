#!/usr/bin/env bash
# The GPU check (bench/gpu_check.py): NetCanvas's trainer against a plain PyTorch loop on the CIFAR-shaped
# ResNet-18. On a GPU machine: bash bench/gpu_check.sh; in CI: bash bench/gpu_check.sh --cpu --quick
set -euo pipefail
cd "$(dirname "$0")/.."
exec python bench/gpu_check.py "$@"
