#!/usr/bin/env bash
# Adds npm dependencies to one workspace under a lock, so parallel edits of package-lock.json
# cannot clobber each other. Usage: scripts/npm-add.sh <workspace> [--dev] pkg@version...
# The workspace `.` is the root package (its devDependencies: test and build tools).
set -euo pipefail
cd "$(dirname "$0")/.."
workspace=$1; shift
if [ "$workspace" = . ]; then target=(); else target=(-w "$workspace"); fi
# npm writes node_modules/.package-lock.json, make install's stamp, last. Removed first, so an npm
# install killed halfway (node_modules half changed) leaves none and the next make install runs npm ci.
# shellcheck disable=SC2016 # expanded by the inner shell
exec flock /tmp/churn-npm.lock bash -c 'rm -f node_modules/.package-lock.json && exec npm install --save-exact "$@"' npm-add "${target[@]}" "$@"
