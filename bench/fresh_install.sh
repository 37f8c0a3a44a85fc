#!/usr/bin/env bash
# Fresh-machine time of README's first command (a benchmark: it prints, it never asserts).
#
#   bash bench/fresh_install.sh
#
# Clones this checkout into a temporary folder, makes a new virtualenv with an empty pip cache
# (PIP_CACHE_DIR) and empty app caches (XDG_CACHE_HOME: where the model is assembled), runs the first
# command of README's Quick start there, and prints the seconds to the start of the demo (the end of the
# install: the demo's progress bar shows from then on a terminal) and to its end. Only the package
# registries are needed.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d /tmp/fresh-install.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
git clone --quiet "$ROOT" "$WORK/repo"
python3 -m venv "$WORK/venv"
FIRST="$(awk '/^## Quick start/{q=1} q && /^```sh/{getline; print; exit}' "$ROOT/README.md")"
echo "README's first command: $FIRST"
cd "$WORK/repo"
env PYTHONUNBUFFERED=1 PIP_CACHE_DIR="$WORK/pip-cache" XDG_CACHE_HOME="$WORK/cache" PATH="$WORK/venv/bin:$PATH" \
    VIRTUAL_ENV="$WORK/venv" PYTHON="$WORK/venv/bin/python" \
    python3 - "$FIRST" <<'EOF'
import subprocess, sys, time

# the command's parts (a && b) run one after the other, each timed; the demo's progress bar shows on a
# terminal as soon as its part starts, its text lines come at its end
start = time.monotonic()
code, tail, ends = 0, [], []
for part in sys.argv[1].split("&&"):
    proc = subprocess.run(part.strip(), shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    code = proc.returncode
    ends.append(time.monotonic() - start)
    tail = [line for line in proc.stdout.splitlines() if line.strip()][-5:]
    print(f"{ends[-1]:7.1f} s  {part.strip()} (exit {code})")
    if code:
        break
print("\n".join(tail))
starts = [0.0, *ends[:-1]]
print(f"fresh_install: exit={code} demo_starts_s={starts[-1]:.1f} total_s={ends[-1]:.1f}")
sys.exit(code)
EOF
