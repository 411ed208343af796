#!/usr/bin/env bash
# Creates (or reuses) the Python virtualenv .stack/py/NAME from python/NAME.requirements.txt and
# prints its python path. Reinstalls only when the requirements file changes. `all` builds every one.
#
# A venv counts as built only when its marker .installed holds the sha256 of its requirements file.
# The marker is written last: after pip succeeded, pip runs and every pinned distribution is found
# at its version. A folder without a matching marker (a run killed halfway: pip missing or half
# unpacked; or a venv of other pins) is deleted and built again, with one line saying so. Venvs
# embed their absolute path, so they are built in place, not renamed into it. A lock per venv lets
# concurrent callers (make test's background build, tests asking for one venv) take turns.
# STACK_DIR moves .stack (tests build into a temporary one); PY_REQUIREMENTS_DIR moves python/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
stack="${STACK_DIR:-$root/.stack}"
requirements="${PY_REQUIREMENTS_DIR:-$root/python}"

# Exits non-zero, naming them, when pinned distributions (name==version lines; markers that do not
# apply here are skipped) are missing or at another version.
verify_pins() {
  "$1/bin/python" - "$2" <<'PY'
import re, sys
from importlib.metadata import PackageNotFoundError, version
from pip._vendor.packaging.markers import Marker
from pip._vendor.packaging.version import Version

wrong = []
for line in open(sys.argv[1], encoding="utf-8"):
    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*==\s*([^\s;\\]+)\s*(;[^\\#]*)?", line)
    if not m:
        continue
    name, want, marker = m.group(1), m.group(3), m.group(4)
    if marker and not Marker(marker[1:].strip()).evaluate():
        continue
    try:
        have = version(name)
    except PackageNotFoundError:
        wrong.append(f"{name} missing")
        continue
    if Version(have) != Version(want):
        wrong.append(f"{name} {have} instead of {want}")
if wrong:
    sys.exit("not installed as pinned: " + ", ".join(wrong))
PY
}

# A built venv: the marker matches and its interpreter and pip are there (a base Python that went
# away leaves bin/python dangling).
built() { [ "$(cat "$1/.installed" 2>/dev/null)" = "$2" ] && [ -x "$1/bin/python" ] && [ -x "$1/bin/pip" ]; }

build() {
  local name=$1 req="$requirements/$1.requirements.txt" dir="$stack/py/$1"
  [ -f "$req" ] || { echo "no such requirements file: $req" >&2; exit 2; }
  local sum; sum=$(sha256sum "$req" | cut -d' ' -f1)
  if ! built "$dir" "$sum"; then
    mkdir -p "$stack/py"
    local lock
    exec {lock}>"$stack/py/.$name.lock"
    flock "$lock"
    # Another caller may have built it while this one waited.
    if ! built "$dir" "$sum"; then
      if [ -e "$dir" ]; then
        local why="half-built (no completion marker: an earlier install was interrupted)"
        if [ -f "$dir/.installed" ] && [ "$(cat "$dir/.installed")" != "$sum" ]; then why="built for other pins"
        elif [ -f "$dir/.installed" ]; then why="broken (bin/python or bin/pip missing)"; fi
        echo "python env $name: $dir is $why; deleting it and building it again" >&2
        rm -rf "$dir"
      fi
      echo "python env $name: installing $(grep -cE '^[A-Za-z0-9]' "$req") pinned packages" >&2
      python3 -m venv "$dir"
      "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes -r "$req" >&2
      "$dir/bin/pip" --version >/dev/null
      verify_pins "$dir" "$req" || { echo "python env $name: pip finished but the venv is incomplete" >&2; exit 1; }
      echo "$sum" >"$dir/.installed.tmp"
      mv "$dir/.installed.tmp" "$dir/.installed"
    fi
    exec {lock}>&-
  fi
  echo "$dir/bin/python"
}

if [ "${1:-}" = all ]; then
  # Each in a process of its own, so one that fails does not keep the others from being built.
  failed=()
  for req in "$requirements"/*.requirements.txt; do
    [ -e "$req" ] || continue
    n=$(basename "$req" .requirements.txt)
    "$0" "$n" >/dev/null || failed+=("$n")
  done
  [ "${#failed[@]}" -eq 0 ] || { echo "python envs not built: ${failed[*]}" >&2; exit 1; }
else
  build "${1:?usage: py-venv.sh NAME|all}"
fi
