#!/usr/bin/env bash
# Adds npm dependencies to one workspace under a lock, so parallel edits of package-lock.json
# cannot clobber each other. Usage: scripts/npm-add.sh <workspace> [--dev] pkg@version...
# The workspace `.` is the root package (its devDependencies: test and build tools).
set -euo pipefail
cd "$(dirname "$0")/.."
workspace=$1; shift
if [ "$workspace" = . ]; then target=(); else target=(-w "$workspace"); fi
exec flock /tmp/churn-npm.lock npm install --save-exact "${target[@]}" "$@"
