#!/usr/bin/env bash
# make down-local: stops exactly what up.sh started (or only the services named as arguments),
# newest first, by the pid files in
# .stack/run: SIGTERM (PostgreSQL: a fast shutdown), a wait, then SIGKILL after a timeout.
# Services that were already running elsewhere ("external") have no pid file and are not touched.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=services.sh
source "$(dirname "$0")/services.sh"

mkdir -p "$RUN"
exec 9>"$RUN/stack.lock"
flock 9

stop() {
  local name=$1 pid waited=0 limit=${STOP_TIMEOUT_S:-20}
  pid=$(live_pid "$name")
  [ -n "$pid" ] || return 0
  if [ "$name" = postgres ]; then
    kill -INT "$pid" 2>/dev/null || true
  else
    # Each service leads its own process group (setsid), so this reaches its children too.
    kill -TERM -- "-$pid" 2>/dev/null || true
  fi
  while group_alive "$pid" && [ "$waited" -lt $(( limit * 10 )) ]; do
    sleep 0.1
    waited=$(( waited + 1 ))
  done
  if group_alive "$pid"; then
    warn "$name (pid $pid) still running after ${limit}s: SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || true
    while group_alive "$pid"; do sleep 0.1; done
  fi
  rm -f "$(pid_file "$name")"
  log "stopped $name (pid $pid, $(( waited * 100 )) ms)"
}

services=("${INFRA_SERVICES[@]}" "${APP_SERVICES[@]%%|*}")
for (( i = ${#services[@]} - 1; i >= 0; i-- )); do
  if [ "$#" -eq 0 ] || [[ " $* " == *" ${services[i]} "* ]]; then stop "${services[i]}"; fi
done
