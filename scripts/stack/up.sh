#!/usr/bin/env bash
# make up-local: installs what is missing, starts every service of the native stack on loopback,
# waits for each over its own protocol, seeds buckets, streams and the feature-store snapshot,
# starts the suite's services whose main exists, and prints what runs where. Services already
# running (pid file + health) are left alone; concurrent calls queue on a lock.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=services.sh
source "$(dirname "$0")/services.sh"
cd "$ROOT"

started_at=$(now_ms)
"$ROOT/scripts/stack/install.sh"
mkdir -p "$RUN" "$LOGS"
exec 9>"$RUN/stack.lock"
flock 9

declare -A STATE
# Callers that must stop only what this run started (scripts/test.sh) name a file to receive the
# list; it is written as services start, so it is right even when a later step fails.
started_file=${STACK_STARTED_FILE:-/dev/null}

# Starts a service unless it already runs: ours (live pid file) or someone else's (healthy with no
# pid file, e.g. a system service or a CI sidecar), which we use but never stop.
launch() {
  local name=$1 pid
  pid=$(live_pid "$name")
  if [ -n "$pid" ]; then
    STATE[$name]="kept (pid $pid)"
  elif is_healthy "$name"; then
    STATE[$name]="external (not ours)"
  elif port_open "$(port_of "$name")"; then
    die "$name: port $(port_of "$name") is taken by another process that does not answer as $name"
  else
    if declare -F "start_$name" >/dev/null; then "start_$name"; else start_app "$name"; fi
    STATE[$name]="started"
    echo "$name" >>"$started_file"
  fi
}

await() {
  local name=$1 pid
  pid=$(live_pid "$name")
  wait_healthy "$name" "$(timeout_of "$name")" "$pid" is_healthy "$name"
}

# PostgreSQL first: FerretDB stores its data there. The rest start side by side.
launch postgres
await postgres || die "PostgreSQL is not healthy"
create_databases
for service in "${INFRA_SERVICES[@]:1}"; do launch "$service"; done
for service in "${INFRA_SERVICES[@]:1}"; do
  await "$service" || die "$service is not healthy (log: $LOGS/$service.log)"
done

seed_started=$(now_ms)
if seed_current; then
  log "buckets, streams and today's snapshot already in place"
else
  ENV_FILE="$ENV_FILE" node --import tsx "$ROOT/scripts/seed-local.ts" >>"$LOGS/seed.log" 2>&1 9>&- ||
    { tail -n 20 "$LOGS/seed.log" >&2; die "seeding buckets, streams and the snapshot failed (log: $LOGS/seed.log)"; }
  log "buckets, streams and today's snapshot in place ($(( $(now_ms) - seed_started )) ms)"
fi

# The suite's own services: a broken one is reported, not fatal, so the infrastructure stays usable.
app_failed=0
for entry in "${APP_SERVICES[@]}"; do
  name=${entry%%|*}
  main=$(app_field "$name" 2)
  if [ ! -f "$ROOT/$main" ]; then
    STATE[$name]="skipped ($main not written yet)"
    continue
  fi
  launch "$name"
  if ! await "$name"; then
    STATE[$name]="FAILED (log: .stack/logs/$name.log)"
    app_failed=1
  fi
done

printf '\n%-12s %-10s %-62s %s\n' SERVICE PID ADDRESS STATE
for service in "${INFRA_SERVICES[@]}" "${APP_SERVICES[@]%%|*}"; do
  printf '%-12s %-10s %-62s %s\n' "$service" "$(live_pid "$service" || true)" "$(address_of "$service")" "${STATE[$service]:-}"
done
printf '\nlogs: %s   pids: %s   stop: make down-local\n\n' "${LOGS#"$ROOT"/}" "${RUN#"$ROOT"/}"
log "stack up in $(( $(now_ms) - started_at )) ms"
[ "$app_failed" -eq 0 ] || warn "some of the suite's services failed to start; see the table"
