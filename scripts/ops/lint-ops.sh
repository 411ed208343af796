#!/usr/bin/env bash
# Validates the operations files with real tools: both compose files alone and merged for every ENV
# (docker compose config), the Dockerfile (hadolint), the workflows (actionlint, which also lints
# their `run:` steps) and every shell script (shellcheck). Installs the tools first
# (scripts/ops/install-linters.sh). Usage: lint-ops.sh [compose|hadolint|actionlint|shellcheck]...
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
bin="$root/.stack/bin"

compose_cli() {
  if docker compose version >/dev/null 2>&1; then docker compose "$@"; else "$bin/docker-compose" "$@"; fi
}

check_compose() {
  local files env_name
  for env_name in local cloud; do
    for files in "docker-compose.model-registry.yml" "docker-compose.serve.yml" \
      "docker-compose.model-registry.yml docker-compose.serve.yml"; do
      local args=()
      # The cloud profile's override of each file (no published port but nginx's) comes right after it.
      for f in $files; do
        args+=(-f "$f")
        [ "$env_name" = cloud ] && args+=(-f "${f%.yml}.cloud.yml")
      done
      [ "$env_name" = local ] && args+=(--profile local)
      echo "compose config ($env_name): $files"
      ENV="$env_name" compose_cli "${args[@]}" --env-file ".env.$env_name" config --quiet
    done
  done
}

check_hadolint() {
  local dockerfile
  for dockerfile in $(find . -name Dockerfile -not -path './node_modules/*' -not -path './.stack/*' | sort); do
    echo "hadolint: $dockerfile"
    "$bin/hadolint" "$dockerfile"
  done
}

check_actionlint() {
  echo "actionlint: .github/workflows"
  SHELLCHECK_OPTS='-x' "$bin/actionlint" -shellcheck "$bin/shellcheck"
}

check_shellcheck() {
  local scripts
  mapfile -t scripts < <(find scripts compose .ci -type f \( -name '*.sh' -o -name run \) -not -path '*/node_modules/*' | sort)
  echo "shellcheck: ${#scripts[@]} scripts"
  "$bin/shellcheck" -x -P SCRIPTDIR "${scripts[@]}"
}

checks=("$@")
[ ${#checks[@]} -gt 0 ] || checks=(compose hadolint actionlint shellcheck)
for check in "${checks[@]}"; do
  case "$check" in
    compose) "$root/scripts/ops/install-linters.sh" compose >/dev/null; check_compose ;;
    hadolint) "$root/scripts/ops/install-linters.sh" hadolint >/dev/null; check_hadolint ;;
    actionlint) "$root/scripts/ops/install-linters.sh" actionlint shellcheck >/dev/null; check_actionlint ;;
    shellcheck) "$root/scripts/ops/install-linters.sh" shellcheck >/dev/null; check_shellcheck ;;
    *) echo "unknown check: $check (compose, hadolint, actionlint, shellcheck)" >&2; exit 2 ;;
  esac
done
echo "ops lint: ${checks[*]} ok"
