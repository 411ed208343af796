#!/usr/bin/env bash
# make test: every check of the suite, non-interactive, on a fresh clone or a dev machine.
# Installs npm and Python dependencies, brings up the native stack, then runs lint, typecheck,
# unit, integration and end-to-end tests. Each step runs even when an earlier one failed (so one
# run reports everything); the exit code is non-zero when any failed. Services this run started
# are stopped at the end, on failure and interruption too; a stack that was already up stays up.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

jest=(node --experimental-vm-modules --no-warnings node_modules/jest/bin/jest.js)
# Ceilings per test step (minutes) keep a hung test from eating CI's 90 minutes; timeout signals
# the step's whole process group (workers and CLIs the tests spawned too).
# shellcheck disable=SC2317,SC2329 # invoked through step
within() { local minutes=$1; shift; timeout --kill-after=30 "$(( minutes * 60 ))" "$@"; }
started_file=$(mktemp)
declare -a results=()
failed=0
stack_up=0
venvs_pid=

# shellcheck disable=SC2317,SC2329 # invoked by the EXIT trap
cleanup() {
  local status=$?
  if [ -n "$venvs_pid" ]; then kill -- "-$venvs_pid" 2>/dev/null || true; fi
  if [ -s "$started_file" ]; then
    echo "--- stopping the services this run started: $(tr '\n' ' ' <"$started_file")"
    # shellcheck disable=SC2046 # one argument per service name
    scripts/stack/down.sh $(cat "$started_file") || true
  fi
  rm -f "$started_file"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() {
  local name=$1 started rc=0
  shift
  echo
  echo "=== $name"
  started=$(date +%s)
  "$@" || rc=$?
  local took=$(( $(date +%s) - started ))
  if [ "$rc" -eq 0 ]; then
    results+=("$(printf '%-22s %-6s %5ss' "$name" ok "$took")")
  else
    results+=("$(printf '%-22s %-6s %5ss  (exit %s)' "$name" FAILED "$took" "$rc")")
    failed=1
  fi
  return "$rc"
}

# shellcheck disable=SC2317,SC2329 # invoked through step
wait_venvs() {
  local rc=0
  wait "$venvs_pid" || rc=$?
  venvs_pid=
  cat .stack/logs/py-venvs.log
  echo "(built in the background in $(( $(date +%s) - venvs_started ))s)"
  return "$rc"
}

skip() { results+=("$(printf '%-22s %-6s' "$1" "skipped: $2")"); }

e2e_tests() { find packages services workflows test -name '*.e2e.test.ts' -not -path '*/node_modules/*' 2>/dev/null | head -n1; }

total_started=$(date +%s)
step "npm dependencies" make --no-print-directory install || { echo "cannot continue without npm dependencies"; exit 1; }
# Debian packages first: the Python venvs need python3-venv on a fresh machine.
step "stack install" scripts/stack/install.sh || true
# The Python venvs (minutes when cold, mostly pip unpacking) build while the stack starts and lint
# and typecheck run; unit tests wait for them (some cross-check against Python libraries).
mkdir -p .stack/logs
rm -f .stack/logs/jest-*.json
# Its own process group, so an interrupted run stops pip too.
setsid scripts/py-venv.sh all >.stack/logs/py-venvs.log 2>&1 &
venvs_pid=$!
venvs_started=$(date +%s)
step "native stack" env STACK_STARTED_FILE="$started_file" scripts/stack/up.sh && stack_up=1
step "lint" npm run --silent lint || true
step "typecheck" npm run --silent typecheck || true
# Licences of the npm tree against licences.json, and the SBOM of the production deps (npm audit
# needs the registry's audit endpoint: it runs in CI only).
step "supply chain" scripts/supply-chain.sh || true
step "python venvs" wait_venvs || true
step "unit tests" within 20 "${jest[@]}" --config jest.unit.config.js --json --outputFile=.stack/logs/jest-unit.json || true
if [ "$stack_up" -eq 1 ]; then
  step "integration tests" within 30 "${jest[@]}" --config jest.int.config.js --runInBand --json --outputFile=.stack/logs/jest-int.json || true
  if [ -n "$(e2e_tests)" ]; then
    step "e2e tests" within 25 "${jest[@]}" --config jest.e2e.config.js --runInBand --json --outputFile=.stack/logs/jest-e2e.json || true
  else
    skip "e2e tests" "none yet"
  fi
else
  skip "integration tests" "the stack is not up"
  skip "e2e tests" "the stack is not up"
fi

echo
echo "=== summary ($(( $(date +%s) - total_started ))s)"
printf '%s\n' "${results[@]}"
node scripts/test-summary.mjs
exit "$failed"
