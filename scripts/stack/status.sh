#!/usr/bin/env bash
# make status-local: health of every service of the native stack, checked over its own protocol.
# Exits 1 when an infrastructure service is down.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=services.sh
source "$(dirname "$0")/services.sh"

down=0
printf '%-12s %-10s %-9s %s\n' SERVICE PID HEALTH ADDRESS
for service in "${INFRA_SERVICES[@]}" "${APP_SERVICES[@]%%|*}"; do
  pid=$(live_pid "$service")
  if is_healthy "$service"; then
    health=up
    [ -n "$pid" ] || pid=external
  else
    health=DOWN
    [[ " ${INFRA_SERVICES[*]} " == *" $service "* ]] && down=1
  fi
  printf '%-12s %-10s %-9s %s\n' "$service" "${pid:--}" "$health" "$(address_of "$service")"
done
exit "$down"
