#!/usr/bin/env bash
# Before/after benchmark: this tree (head) against <commit>, measured in the same run.
#   scripts/bench-against.sh <commit> [--rounds N] [--trials N] [--duration S] [--only predict,tuning,drift]
# Makes a detached worktree of <commit> under .stack/bench/base-<shortsha> (once), installs its
# packages from its own lock (once), then runs scripts/bench-against/driver.ts, which alternates
# base and head for each metric (base, head, base, head, ...) and compares medians of the same run.
# Prints a markdown table and writes .stack/bench/against.json. Needs the native stack (make up-local).
set -euo pipefail

if [[ $# -lt 1 || "$1" == -* ]]; then
  echo "usage: $0 <commit> [--rounds N] [--trials N] [--duration S] [--only predict,tuning,drift]" >&2
  exit 2
fi
commit="$1"
shift

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

sha="$(git rev-parse --verify --quiet "${commit}^{commit}")" || { echo "not a commit: $commit" >&2; exit 2; }
short="$(git rev-parse --short "$sha")"
base="$root/.stack/bench/base-$short"
mkdir -p "$root/.stack/bench"

if [[ ! -e "$base/.git" ]]; then
  # A stale registration (folder deleted by hand) would make `worktree add` refuse.
  git worktree prune
  echo "worktree: $commit ($short) -> $base" >&2
  git worktree add --detach "$base" "$sha" >&2
else
  actual="$(git -C "$base" rev-parse HEAD)"
  if [[ "$actual" != "$sha" ]]; then
    echo "$base is at $actual, not $sha: remove it (git worktree remove --force $base) and run again" >&2
    exit 1
  fi
fi

if [[ ! -f "$base/node_modules/.package-lock.json" ]]; then
  echo "npm ci in $base..." >&2
  (cd "$base" && npm ci --no-audit --no-fund >&2)
fi
if [[ ! -f "$root/node_modules/.package-lock.json" ]]; then
  echo "npm ci in $root..." >&2
  (cd "$root" && npm ci --no-audit --no-fund >&2)
fi

exec node --import tsx "$root/scripts/bench-against/driver.ts" --base "$base" --base-label "$commit" --head "$root" "$@"
