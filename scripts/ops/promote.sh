#!/usr/bin/env bash
# Points an environment at another model: rewrites RUN_ID in .env.ENV. Usage: promote.sh RUN_ID ENV
# The predictors poll that file and switch models. The file is rewritten in place (same inode)
# because compose bind-mounts it as a single file, which would keep showing a replaced file's old copy.
# When the registry named in the file answers, the run must exist there.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
run_id=${1:-}
env_name=${2:-}
file="$root/.env.$env_name"

if ! [[ "$run_id" =~ ^[0-9a-f]{32}$ ]]; then
  echo "promote: RUN_ID must be a registry run id (32 lowercase hex characters), got '$run_id'" >&2
  exit 2
fi
if ! [[ "$env_name" =~ ^(local|cloud)$ ]]; then
  echo "promote: env must be local or cloud, got '$env_name'" >&2
  exit 2
fi
[ -f "$file" ] || { echo "promote: $file does not exist" >&2; exit 2; }

tracking_uri=$(sed -n 's/^MLFLOW_TRACKING_URI=//p' "$file" | tail -1)
if [ -n "$tracking_uri" ]; then
  status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
    "$tracking_uri/api/2.0/mlflow/runs/get?run_id=$run_id" || true)
  case "$status" in
    200) echo "promote: run $run_id found at $tracking_uri" ;;
    000) echo "promote: warning: registry $tracking_uri did not answer; RUN_ID not checked" >&2 ;;
    *) echo "promote: run $run_id not found at $tracking_uri (HTTP $status)" >&2; exit 1 ;;
  esac
fi

previous=$(sed -n 's/^RUN_ID=//p' "$file" | tail -1)
if grep -q '^RUN_ID=' "$file"; then
  updated=$(sed "s/^RUN_ID=.*/RUN_ID=$run_id/" "$file")
else
  updated=$(printf '%s\nRUN_ID=%s' "$(cat "$file")" "$run_id")
fi
printf '%s\n' "$updated" >"$file"
echo "promote: .env.$env_name RUN_ID ${previous:-<empty>} -> $run_id"
if [ "$env_name" = cloud ]; then
  echo "promote: commit and push .env.cloud to deploy it (the deploy workflow rolls back on failure)"
fi
