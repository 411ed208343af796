#!/usr/bin/env bash
# Replays compose/Dockerfile's stages on the committed tree (REF, default HEAD) on this machine,
# without a Docker engine or base image:
# the manifests-only `npm ci` (proves the lock matches every workspace), the typecheck, the service
# bundles, the `npm prune --omit=dev`, then starts each given service from the pruned tree until it
# logs (proves the bundles, tsx for the worker and every runtime dependency survive the prune). Every address points at a closed
# port so the services touch no shared server. Usage: image-dry-run.sh [dir[:entry]...]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
services=("$@")
dead=127.0.0.1:9
isolated=(ENV_FILE="$root/.env.local" REGISTRY_PORT=0 PREDICTOR_API_PORT=0 PREDICTOR_STREAM_PORT=0 WORKER_METRICS_PORT=0
  REGISTRY_DATABASE_URL="postgres://nobody@$dead/none" MONGODB_URI="mongodb://$dead/none" TEMPORAL_ADDRESS="$dead"
  MLFLOW_TRACKING_URI="http://$dead" AWS_ENDPOINT_URL_S3="http://$dead" AWS_ENDPOINT_URL_KINESIS="http://$dead")

echo "--- context: the committed tree (${REF:-HEAD}) less what .dockerignore leaves out"
mkdir -p "$work/context" "$work/app"
git -C "$root" archive "${REF:-HEAD}" | tar -x -C "$work/context"
(cd "$work/context" && rm -rf .git .github .stack .cache coverage reports grafana nginx docs python .env.*)

echo "--- manifests + deps stages: npm ci from the package manifests and the lock alone"
(cd "$work/context" && find . -name package.json -not -path '*/node_modules/*' -exec cp --parents {} "$work/app" \;)
cp "$work/context/package-lock.json" "$work/context/.npmrc" "$work/app/"
(cd "$work/app" && npm ci --no-audit --no-fund --loglevel=error)

echo "--- builder stage: sources, typecheck, bundles, prune"
cp -a "$work/context/." "$work/app/"
(cd "$work/app" && npx tsc -p tsconfig.json --noEmit && node scripts/build-services.mjs && npm prune --omit=dev --no-audit --no-fund --loglevel=error)
[ -x "$work/app/node_modules/.bin/tsx" ] || { echo "tsx did not survive the prune" >&2; exit 1; }

# By default every service with a main in the tree, and the worker.
if [ ${#services[@]} -eq 0 ]; then
  for main in "$work"/app/services/*/src/main.ts; do
    [ -e "$main" ] && services+=("services/$(basename "$(dirname "$(dirname "$main")")")")
  done
  services+=(workflows:src/worker.ts)
fi

echo "--- runtime stage: each service starts from the pruned tree"
status=0
for spec in "${services[@]}"; do
  service=${spec%%:*}
  # A service runs its package.json start script, as the image's CMD does; a dir:entry runs
  # TypeScript through tsx.
  log="$work/$(basename "$service").log"
  if [ "$spec" = "$service" ]; then
    # shellcheck disable=SC2016 # expanded by the inner sh, as in the image's CMD
    run=(sh -c 'exec $(node -p "require(\"./package.json\").scripts.start")')
  else
    run=(node --import tsx "${spec#*:}")
  fi
  (cd "$work/app/$service" && env "${isolated[@]}" timeout 30 "${run[@]}" >"$log" 2>&1) || true
  if grep -qE "ERR_MODULE_NOT_FOUND|Cannot find (module|package)" "$log"; then
    echo "$service: a runtime dependency is missing after the prune" >&2
    grep -E "ERR_MODULE_NOT_FOUND|Cannot find" "$log" | head -3 >&2
    status=1
  elif line=$(grep -m1 '"service":' "$log"); then
    echo "$service: started and logged: ${line:0:160}"
  else
    echo "$service: no log line within 30 s: $(head -c 300 "$log" | tr '\n' ' ')" >&2
    status=1
  fi
done
exit "$status"
