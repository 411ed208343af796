#!/usr/bin/env bash
# Replays compose/Dockerfile's stages on this machine, without a Docker engine or base image:
# the manifests-only `npm ci` (proves the lock matches every workspace), the typecheck, the
# `npm prune --omit=dev`, then starts each given service from the pruned tree for a few seconds
# (proves tsx and every runtime dependency survive the prune). Every address points at a closed
# port so the services touch no shared server. Usage: image-dry-run.sh [dir[:entry]...]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
services=("$@")
[ ${#services[@]} -gt 0 ] || services=(services/predictor-api services/predictor-stream services/registry workflows:src/worker.ts)
dead=127.0.0.1:9
isolated=(ENV_FILE="$root/.env.local" REGISTRY_PORT=0 PREDICTOR_API_PORT=0 PREDICTOR_STREAM_PORT=0 WORKER_METRICS_PORT=0
  REGISTRY_DATABASE_URL="postgres://nobody@$dead/none" MONGODB_URI="mongodb://$dead/none" TEMPORAL_ADDRESS="$dead"
  MLFLOW_TRACKING_URI="http://$dead" AWS_ENDPOINT_URL_S3="http://$dead" AWS_ENDPOINT_URL_KINESIS="http://$dead")

echo "--- manifests stage"
(cd "$root" && git ls-files -co --exclude-standard -- '*package.json' | grep -v node_modules |
  while read -r f; do mkdir -p "$work/app/$(dirname "$f")"; cp "$f" "$work/app/$f"; done)
cp "$root/package-lock.json" "$root/.npmrc" "$work/app/"

echo "--- deps stage: npm ci"
(cd "$work/app" && npm ci --no-audit --no-fund --loglevel=error)

echo "--- builder stage: sources, typecheck, prune"
(cd "$root" && git ls-files -co --exclude-standard | grep -vE '^(node_modules|\.stack|\.git|\.github|grafana|nginx|python|docs)/|^\.env\.|/node_modules/' |
  while read -r f; do [ -f "$f" ] && mkdir -p "$work/app/$(dirname "$f")" && cp "$f" "$work/app/$f"; done)
(cd "$work/app" && npx tsc -p tsconfig.json --noEmit && npm prune --omit=dev --no-audit --no-fund --loglevel=error)
[ -x "$work/app/node_modules/.bin/tsx" ] || { echo "tsx did not survive the prune" >&2; exit 1; }

echo "--- runtime stage: each service starts from the pruned tree"
status=0
for spec in "${services[@]}"; do
  service=${spec%%:*}
  entry=src/main.ts
  [ "$spec" = "$service" ] || entry=${spec#*:}
  log="$work/$(basename "$service").log"
  (cd "$work/app/$service" && env "${isolated[@]}" timeout 8 node --import tsx "$entry" >"$log" 2>&1) || true
  if grep -qE "ERR_MODULE_NOT_FOUND|Cannot find (module|package)" "$log"; then
    echo "$service: a runtime dependency is missing after the prune" >&2
    grep -E "ERR_MODULE_NOT_FOUND|Cannot find" "$log" | head -3 >&2
    status=1
  else
    echo "$service: started ($(head -c 200 "$log" | tr '\n' ' '))"
  fi
done
exit "$status"
