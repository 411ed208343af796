#!/usr/bin/env bash
# Runs ON THE VM (the deploy workflow pipes it through ssh): pulls main, checks the secrets (make
# deploy-check env=cloud), restarts the serving stack on
# the new RUN_ID, waits for the predictor's /health to report it, and rolls back to the previous
# RUN_ID when it does not. Usage: vm-deploy.sh NEW_RUN_ID PREVIOUS_RUN_ID APP_DIR [HEALTH_URL] [TIMEOUT_S]
set -euo pipefail
new_run=${1:?new RUN_ID}
previous_run=${2:-}
app_dir=${3:?app directory on the VM}
health_url=${4:-http://127.0.0.1:9696/health}
timeout_s=${5:-300}

# True once /health answers 200 with model_run_id = $1.
serving() {
  local run_id=$1 deadline=$((SECONDS + timeout_s)) body
  while [ "$SECONDS" -lt "$deadline" ]; do
    body=$(curl -fsS --max-time 5 "$health_url" 2>/dev/null || true)
    if grep -q "\"model_run_id\":\"$run_id\"" <<<"$body"; then
      echo "deploy: $health_url serves $run_id"
      return 0
    fi
    sleep "${DEPLOY_POLL_S:-5}"
  done
  echo "deploy: $health_url did not serve $run_id within ${timeout_s}s (last answer: ${body:-none})" >&2
  return 1
}

cd "$app_dir"
# A previous rollback edits .env.cloud locally; the pushed file is the truth.
git checkout -- .env.cloud
git pull --ff-only
actual=$(sed -n 's/^RUN_ID=//p' .env.cloud | tail -1)
if [ "$actual" != "$new_run" ]; then
  echo "deploy: .env.cloud on main has RUN_ID=$actual, expected $new_run" >&2
  exit 1
fi

# Missing or default secrets stop the deploy here, naming each, before anything restarts.
if ! make deploy-check env=cloud; then
  echo "deploy: refused by deploy-check (see above); nothing was restarted" >&2
  exit 1
fi
make start-serve env=cloud
if serving "$new_run"; then
  exit 0
fi

if [ -z "$previous_run" ]; then
  echo "deploy: failed and there is no previous RUN_ID to roll back to" >&2
  exit 1
fi
echo "deploy: rolling back to $previous_run" >&2
scripts/ops/promote.sh "$previous_run" cloud
make start-serve env=cloud
serving "$previous_run" || echo "deploy: ROLLBACK FAILED as well: check the VM" >&2
exit 1
