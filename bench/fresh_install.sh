#!/usr/bin/env bash
# Fresh-machine time of README's first command (a benchmark: it prints, it never asserts).
#
#   bash bench/fresh_install.sh
#
# Clones this checkout into a temporary folder, makes a new virtualenv with an empty pip cache
# (PIP_CACHE_DIR) and empty app caches (XDG_CACHE_HOME: where the model is assembled), runs the first
# command of README's Quick start there, and prints the seconds to the demo's first line of output (the
# install is quiet) and to the end of the demo. Only the package registries are needed.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d /tmp/fresh-install.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
git clone --quiet "$ROOT" "$WORK/repo"
python3 -m venv "$WORK/venv"
FIRST="$(awk '/^## Quick start/{q=1} q && /^```sh/{getline; print; exit}' "$ROOT/README.md")"
echo "README's first command: $FIRST"
cd "$WORK/repo"
env PIP_CACHE_DIR="$WORK/pip-cache" XDG_CACHE_HOME="$WORK/cache" PATH="$WORK/venv/bin:$PATH" \
    VIRTUAL_ENV="$WORK/venv" PYTHON="$WORK/venv/bin/python" \
    python3 - "$FIRST" <<'EOF'
import subprocess, sys, time

start = time.monotonic()
proc = subprocess.Popen(sys.argv[1], shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
first = None
tail = []
assert proc.stdout is not None
for line in proc.stdout:
    # pip's own notices and warnings (running as root, an index folder it ignores) are not the demo's output
    if first is None and line.strip() and not line.startswith(("WARNING:", "[notice]")):
        first = time.monotonic() - start
        print(f"first output after {first:.1f} s: {line.rstrip()}")
    tail = (tail + [line.rstrip()])[-5:]
code = proc.wait()
total = time.monotonic() - start
print("\n".join(tail))
print(f"fresh_install: exit={code} first_output_s={first if first is None else round(first, 1)} total_s={total:.1f}")
sys.exit(code)
EOF
