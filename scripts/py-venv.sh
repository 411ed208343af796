#!/usr/bin/env bash
# Creates (or reuses) the Python virtualenv .stack/py/NAME from python/NAME.requirements.txt and
# prints its python path. Reinstalls only when the requirements file changes. `all` builds every one.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build() {
  local name=$1 req="$root/python/$1.requirements.txt" dir="$root/.stack/py/$1"
  [ -f "$req" ] || { echo "no such requirements file: $req" >&2; exit 2; }
  local sum; sum=$(sha256sum "$req" | cut -d' ' -f1)
  if [ ! -f "$dir/.installed" ] || [ "$(cat "$dir/.installed")" != "$sum" ]; then
    echo "python env $name: installing $(grep -cv '^#' "$req") pinned packages" >&2
    python3 -m venv "$dir"
    "$dir/bin/pip" install --quiet --disable-pip-version-check -r "$req" >&2
    echo "$sum" > "$dir/.installed"
  fi
  echo "$dir/bin/python"
}
if [ "${1:-}" = all ]; then
  for req in "$root"/python/*.requirements.txt; do
    [ -e "$req" ] || continue
    n=$(basename "$req" .requirements.txt); build "$n" >/dev/null
  done
else
  build "${1:?usage: py-venv.sh NAME|all}"
fi
