#!/usr/bin/env bash
# `make serve-api replicas=N`: N predictor-api processes on consecutive ports behind an nginx of their
# own on PREDICTOR_API_PORT, in the foreground; Ctrl-C or SIGTERM stops them all (each drains first).
# A replica that exits is started again after a second. N=1 is the single predictor on PREDICTOR_API_PORT.
# The stack's nginx (reports, 8888) is shared with others and is left alone.
# Usage: ENV_FILE=.env.local scripts/serve-api.sh N
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
replicas=${1:-1}
env_file=${ENV_FILE:-$root/.env.local}
[[ "$replicas" =~ ^[1-9][0-9]*$ ]] || { echo "serve-api: replicas must be a positive integer, got '$replicas'" >&2; exit 2; }
api="$root/services/predictor-api"
if [ "$replicas" = 1 ]; then
  cd "$api" && ENV_FILE=$env_file exec npm start
fi

# The environment wins over the env file, as in every service's config.
from_env_file() { sed -n "s/^$1=//p" "$env_file" | tail -1; }
listen=${PREDICTOR_API_PORT:-$(from_env_file PREDICTOR_API_PORT)}
listen=${listen:-9696}
first=${PREDICTOR_API_REPLICA_PORT:-$(from_env_file PREDICTOR_API_REPLICA_PORT)}
first=${first:-9711}
prefix=${STACK_DIR:-$root/.stack}/nginx-predictor-$listen
mkdir -p "$prefix/logs"

(cd "$api" && npm run build --silent)
node --import tsx "$api/src/nginx-conf-cli.ts" --replicas "$replicas" --listen "$listen" --first-port "$first" --out "$prefix/nginx.conf"
nginx -t -q -p "$prefix/" -c nginx.conf

declare -a pids=()
nginx_pid=
stopping=
start_replica() {
  local i=$1 port=$((first + $1))
  # Same node options as `npm start` (services/predictor-api/package.json).
  (cd "$api" && ENV_FILE=$env_file PREDICTOR_API_PORT=$port exec node --max-semi-space-size=4 --max-old-space-size=96 dist/main.js) &
  pids[i]=$!
  echo "{\"msg\":\"predictor-api replica started\",\"replica\":$i,\"port\":$port,\"pid\":${pids[i]}}"
}
stop_all() {
  stopping=1
  kill -TERM "${pids[@]}" $nginx_pid 2>/dev/null || true
  wait || true
  exit 0
}
trap stop_all INT TERM

for ((i = 0; i < replicas; i++)); do start_replica "$i"; done
nginx -p "$prefix/" -c nginx.conf &
nginx_pid=$!
echo "{\"msg\":\"nginx in front of $replicas predictor-api replicas\",\"listen\":$listen,\"ports\":\"$first-$((first + replicas - 1))\",\"conf\":\"$prefix/nginx.conf\"}"

while [ -z "$stopping" ]; do
  kill -0 "$nginx_pid" 2>/dev/null || { echo "serve-api: nginx exited; see $prefix/logs/error.log" >&2; stop_all; }
  for ((i = 0; i < replicas; i++)); do
    kill -0 "${pids[i]}" 2>/dev/null || { wait "${pids[i]}" || true; echo "{\"msg\":\"predictor-api replica exited; restarting\",\"replica\":$i}"; start_replica "$i"; }
  done
  sleep 1 &
  wait $! || true
done
