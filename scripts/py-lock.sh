#!/usr/bin/env bash
# Regenerates python/NAME.requirements.txt, the hash-pinned lock that scripts/py-venv.sh installs
# with --require-hashes, from python/NAME.requirements.in (the direct pins, edited by hand): the whole
# dependency closure, each version with the sha256 of every file PyPI has for it. Needs PyPI; uses
# pip-tools in a throwaway venv. Usage: scripts/py-lock.sh [NAME...] (default: every .in file).
# Run it on Linux with the Python of make test (3.11): markers are resolved for this platform.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
pip_tools_version=7.6.2
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools"
"$tools/bin/pip" install --quiet --disable-pip-version-check "pip-tools==$pip_tools_version"
names=("$@")
if [ "${#names[@]}" -eq 0 ]; then
  for f in python/*.requirements.in; do names+=("$(basename "$f" .requirements.in)"); done
fi
for name in "${names[@]}"; do
  echo "locking python/$name.requirements.txt" >&2
  CUSTOM_COMPILE_COMMAND="scripts/py-lock.sh $name" "$tools/bin/pip-compile" --quiet \
    --generate-hashes --allow-unsafe --no-strip-extras --no-emit-index-url --no-emit-find-links --newline LF \
    --output-file "python/$name.requirements.txt" "python/$name.requirements.in"
  # pip-compile pins pandas where a dependency asks for pandas[parquet]; pip's --require-hashes then
  # refuses the unpinned extra. A "# lock-extras: pandas[parquet] ..." line in the .in file adds a
  # pinned, hashed copy of each named block with its extra.
  read -ra extras <<<"$(sed -n 's/^# lock-extras: *//p' "python/$name.requirements.in")"
  [ "${#extras[@]}" -eq 0 ] || python3 - "python/$name.requirements.txt" "${extras[@]}" <<'PY'
import re, sys
path, extras = sys.argv[1], sys.argv[2:]
text = open(path, encoding="utf-8").read()
for extra in extras:
    name = extra.split("[")[0]
    block = re.search(rf"^{re.escape(name)}==[^\n]*\\\n(?:    --hash=[^\n]*\n)+", text, re.M | re.I)
    if not block:
        sys.exit(f"{path}: no pinned {name} to add {extra} to")
    text = text.replace(block.group(0), block.group(0) + extra + block.group(0)[len(name):], 1)
open(path, "w", encoding="utf-8").write(text)
PY
done
