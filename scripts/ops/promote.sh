#!/usr/bin/env bash
# Points an environment at another model: rewrites RUN_ID in .env.ENV. Usage: promote.sh RUN_ID ENV
# The predictors poll that file and switch models. The file is rewritten in place (same inode)
# because compose bind-mounts it as a single file, which would keep showing a replaced file's old copy.
# When the registry named in the file answers, the run must exist there; the registry's credentials
# (required in the cloud profile) come from the environment, .env.secrets or the env file.
set -euo pipefail
# shellcheck source=secrets-lib.sh
. "$(dirname "$0")/secrets-lib.sh"
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
  # As MLflow clients do: bearer when a token is set, else basic. The header reaches curl through a
  # file descriptor, never its command line.
  user=$(cd "$root" && value_of MLFLOW_TRACKING_USERNAME "$env_name")
  password=$(cd "$root" && value_of MLFLOW_TRACKING_PASSWORD "$env_name")
  token=$(cd "$root" && value_of MLFLOW_TRACKING_TOKEN "$env_name")
  authorization=
  if [ -n "$token" ]; then
    authorization="Authorization: Bearer $token"
  elif [ -n "$user" ] && [ -n "$password" ]; then
    authorization="Authorization: Basic $(printf '%s:%s' "$user" "$password" | base64 -w0)"
  fi
  status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H @<(printf '%s\n' "$authorization") \
    "$tracking_uri/api/2.0/mlflow/runs/get?run_id=$run_id" || true)
  case "$status" in
    200) echo "promote: run $run_id found at $tracking_uri" ;;
    000) echo "promote: warning: registry $tracking_uri did not answer; RUN_ID not checked" >&2 ;;
    401 | 403)
      echo "promote: registry $tracking_uri refused the credentials (HTTP $status): set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or MLFLOW_TRACKING_TOKEN (.env.secrets or the environment)" >&2
      exit 1
      ;;
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
