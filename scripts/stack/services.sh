# shellcheck shell=bash disable=SC2034 # INFRA_SERVICES is used by the scripts that source this file
# The services of the native stack: for each, its address, a health check over its own protocol,
# and how to start it. Sourced after lib.sh by up.sh, down.sh and status.sh.

# Infrastructure in start order (down.sh stops in reverse). mongo is FerretDB unless mongod is on PATH.
INFRA_SERVICES=(postgres mongo s3 kinesis dynamodb temporal prometheus nginx)

# The suite's own services, bundled and started once their main exists: name|main|health URL.
APP_SERVICES=(
  "registry|services/registry/src/main.ts|http://127.0.0.1:$REGISTRY_PORT/health"
)

mongo_engine() { if command -v mongod >/dev/null 2>&1; then echo mongod; else echo ferretdb; fi; }

address_of() {
  case $1 in
    postgres) echo "postgres://postgres@127.0.0.1:$PG_PORT (db registry, ferretdb)" ;;
    mongo) echo "mongodb://127.0.0.1:$MONGO_PORT ($(mongo_engine))" ;;
    s3) echo "http://127.0.0.1:$S3_PORT (rclone serve s3)" ;;
    kinesis) echo "http://127.0.0.1:$KINESIS_PORT (kinesalite; HTTP/2 for the KCL on $KINESIS_H2_PORT)" ;;
    dynamodb) echo "http://127.0.0.1:$DYNAMODB_PORT (dynalite: the KCL's leases)" ;;
    temporal) echo "127.0.0.1:$TEMPORAL_PORT, UI http://127.0.0.1:$TEMPORAL_UI_PORT" ;;
    prometheus) echo "http://127.0.0.1:$PROMETHEUS_PORT" ;;
    nginx) echo "http://127.0.0.1:$NGINX_PORT (reports)" ;;
    *) app_field "$1" 3 ;;
  esac
}

# Field N (1 name, 2 main, 3 health URL) of an app service's entry.
app_field() {
  local entry
  for entry in "${APP_SERVICES[@]}"; do
    [ "${entry%%|*}" = "$1" ] && { cut -d'|' -f"$2" <<<"$entry"; return 0; }
  done
  return 1
}

# --- health checks: each speaks the service's own protocol ---
health_postgres() {
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" &&
    [ "$("$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tAc 'select 1' 2>/dev/null)" = 1 ]
}
health_mongo() {
  if [ "$(mongo_engine)" = ferretdb ]; then
    http_ok "http://127.0.0.1:$FERRETDB_DEBUG_PORT/debug/readyz"
  else
    port_open "$MONGO_PORT"
  fi
}
health_s3() { http_answers "http://127.0.0.1:$S3_PORT/"; }
# kinesalite checks that a request is signed, not the signature.
list_streams() {
  curl -fsS --max-time 2 -X POST "http://127.0.0.1:$KINESIS_PORT/" \
    -H 'Content-Type: application/x-amz-json-1.1' -H 'X-Amz-Target: Kinesis_20131202.ListStreams' \
    -H "X-Amz-Date: $(date -u +%Y%m%dT%H%M%SZ)" \
    -H 'Authorization: AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=0' \
    -d '{"Limit": 1000}' 2>/dev/null
}
# The HTTP/1.1 listener only: a kinesalite started before its HTTP/2 listener existed still serves
# everything but the KCL (whose predictor names KCL_KINESIS_ENDPOINT when it cannot reach it).
health_kinesis() { list_streams | grep -q StreamNames; }
health_dynamodb() {
  curl -fsS --max-time 2 -X POST "http://127.0.0.1:$DYNAMODB_PORT/" \
    -H 'Content-Type: application/x-amz-json-1.0' -H 'X-Amz-Target: DynamoDB_20120810.ListTables' \
    -H "X-Amz-Date: $(date -u +%Y%m%dT%H%M%SZ)" \
    -H 'Authorization: AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0' \
    -d '{}' 2>/dev/null | grep -q TableNames
}
health_temporal() {
  "$VENV/bin/temporal" operator cluster health --address "127.0.0.1:$TEMPORAL_PORT" 2>/dev/null | grep -q SERVING &&
    http_ok "http://127.0.0.1:$TEMPORAL_UI_PORT/"
}
health_prometheus() { http_ok "http://127.0.0.1:$PROMETHEUS_PORT/-/ready"; }
health_nginx() { http_ok "http://127.0.0.1:$NGINX_PORT/"; }
health_app() { http_ok "$(app_field "$1" 3)"; }

is_healthy() {
  if declare -F "health_$1" >/dev/null; then "health_$1"; else health_app "$1"; fi
}

# The port a service owns, to tell "someone else is listening here" from "nothing runs".
port_of() {
  case $1 in
    postgres) echo "$PG_PORT" ;; mongo) echo "$MONGO_PORT" ;; s3) echo "$S3_PORT" ;;
    kinesis) echo "$KINESIS_PORT" ;; dynamodb) echo "$DYNAMODB_PORT" ;; temporal) echo "$TEMPORAL_PORT" ;;
    prometheus) echo "$PROMETHEUS_PORT" ;; nginx) echo "$NGINX_PORT" ;;
    *) app_field "$1" 3 | sed -E 's#^https?://[^:/]+:([0-9]+).*#\1#' ;;
  esac
}

# Seconds to wait for health after start.
timeout_of() {
  case $1 in
    postgres | temporal | prometheus) echo 60 ;;
    *) echo 45 ;;
  esac
}

# --- start functions: launch in the background and record the pid; up.sh waits for health ---

# PostgreSQL is started by pg_ctl (which waits for it), so it is ready when this returns.
start_postgres() {
  local data pglog
  data=$(pg_data_dir)
  if [ "$data" != "$STACK/pg" ]; then
    mkdir -p "$(dirname "$data")"
    [ -e "$STACK/pg" ] || ln -s "$data" "$STACK/pg"
    pglog="$(dirname "$data")/postgres.log"
    ln -sfn "$pglog" "$LOGS/postgres.log"
  else
    pglog="$LOGS/postgres.log"
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    mkdir -p "$data"
    if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$data" "$(dirname "$data")"; fi
    chmod 700 "$data"
    as_pg "$PG_BIN/initdb" -D "$data" -A trust -U postgres -E UTF8 --no-locale --no-sync >>"$pglog" 2>&1 9>&- ||
      { tail -n 20 "$pglog" >&2; die "initdb failed"; }
  fi
  touch "$pglog"
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$pglog"; fi
  as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$pglog" -w -t 60 \
    -o "-p $PG_PORT -k $data -c listen_addresses=127.0.0.1" start >/dev/null 9>&- ||
    { tail -n 20 "$pglog" >&2; die "PostgreSQL did not start"; }
  record_pid postgres "$(head -n1 "$data/postmaster.pid")"
}

# The registry's metadata database and FerretDB's store.
create_databases() {
  local db
  for db in registry ferretdb; do
    if [ "$("$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "select 1 from pg_database where datname = '$db'")" != 1 ]; then
      "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$db"
    fi
  done
}

# True when our S3 and Kinesis already hold the buckets, streams and today's snapshot that
# scripts/seed-local.ts creates, so a warm `make up-local` can skip it (rclone keeps buckets as
# folders of .stack/s3).
seed_current() {
  [ -n "$(live_pid s3)" ] && [ -n "$(live_pid kinesis)" ] || return 1
  local store bucket streams name
  store=$(env_value FEATURE_STORE_URI)
  store=${store:-s3://churn-features/snapshots/}
  store=${store#s3://}
  bucket=${store%%/*}
  for name in "$bucket" "$(env_value ARTIFACTS_BUCKET)" "$(env_value REPORTS_BUCKET)"; do
    [ -n "$name" ] && [ -d "$STACK/s3/$name" ] || return 1
  done
  store=${store#"$bucket"}
  store=${store#/}
  # seed-local.ts writes one snapshot per shipped contract, in a folder named like the contract file.
  for name in "$ROOT"/datasets/*.yaml; do
    [ -f "$STACK/s3/$bucket/${store%/}${store:+/}$(basename "$name" .yaml)/$(date -u +%F)/churn.csv" ] || return 1
  done
  streams=$(list_streams) || return 1
  for name in predictions results predictions-dlq outcomes; do
    [[ $streams == *"\"$name\""* ]] || return 1
  done
}

start_mongo() {
  if [ "$(mongo_engine)" = mongod ]; then
    mkdir -p "$STACK/mongo"
    spawn mongo mongod --dbpath "$STACK/mongo" --bind_ip 127.0.0.1 --port "$MONGO_PORT"
  else
    mkdir -p "$STACK/ferretdb"
    spawn mongo "$BIN/ferretdb" --handler=pg \
      --postgresql-url="postgres://postgres@127.0.0.1:$PG_PORT/ferretdb" \
      --listen-addr="127.0.0.1:$MONGO_PORT" --state-dir="$STACK/ferretdb" \
      --debug-addr="127.0.0.1:$FERRETDB_DEBUG_PORT" --telemetry=disable --log-level=warn
  fi
}

start_s3() {
  local key secret
  key=$(env_value AWS_ACCESS_KEY_ID)
  secret=$(env_value AWS_SECRET_ACCESS_KEY)
  if [ -z "$key" ] || [ -z "$secret" ]; then
    die "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set in $ENV_FILE"
  fi
  mkdir -p "$STACK/s3"
  RCLONE_CONFIG=/dev/null spawn s3 "$VENV/bin/rclone" serve s3 --addr "127.0.0.1:$S3_PORT" \
    --auth-key "$key,$secret" "$STACK/s3"
}

start_kinesis() {
  mkdir -p "$STACK/kinesis"
  spawn kinesis node "$ROOT/scripts/stack/kinesalite.mjs" "$KINESIS_PORT" "$STACK/kinesis" "$KINESIS_H2_PORT"
}

start_dynamodb() {
  mkdir -p "$STACK/dynamodb"
  spawn dynamodb node "$ROOT/scripts/stack/dynalite.mjs" "$DYNAMODB_PORT" "$STACK/dynamodb"
}

start_temporal() {
  spawn temporal "$VENV/bin/temporal" server start-dev --ip 127.0.0.1 --port "$TEMPORAL_PORT" \
    --ui-port "$TEMPORAL_UI_PORT" --db-filename "$STACK/temporal.db" --log-level warn
}

start_prometheus() {
  mkdir -p "$STACK/prometheus"
  spawn prometheus prometheus --config.file="$ROOT/prometheus/prometheus.local.yml" \
    --storage.tsdb.path="$STACK/prometheus" --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" \
    --web.enable-lifecycle --log.level=warn
}

start_nginx() {
  mkdir -p "$STACK/nginx" "$STACK/reports"
  [ -f "$STACK/reports/index.html" ] ||
    printf '<!doctype html>\n<meta charset="utf-8">\n<title>Drift reports</title>\n<h1>Drift reports</h1>\n<p>No report yet.</p>\n' \
      >"$STACK/reports/index.html"
  local user=()
  # As root, workers would run as nobody and could not read a checkout under /root.
  if [ "$(id -u)" -eq 0 ]; then user=(-g 'user root;'); fi
  # The checked-in config names the default port; the copy nginx reads carries the configured one.
  sed "s/127\.0\.0\.1:8888;/127.0.0.1:$NGINX_PORT;/" "$ROOT/nginx/nginx.local.conf" >"$STACK/nginx/nginx.conf"
  spawn nginx nginx -p "$STACK/" -c "$STACK/nginx/nginx.conf" -e "$LOGS/nginx-error.log" "${user[@]}"
}

# The service's bundle (scripts/build-services.mjs; rebuilt only when a source changed), run as its
# package.json start script says ("node [options] dist/main.js").
start_app() {
  local dir cmd
  dir=$(dirname "$(dirname "$(app_field "$1" 2)")")
  node "$ROOT/scripts/build-services.mjs" "$(basename "$dir")" >>"$LOGS/build.log" 2>&1 ||
    { tail -n 20 "$LOGS/build.log" >&2; return 1; }
  read -ra cmd <<<"$(node -p "require('$ROOT/$dir/package.json').scripts.start")"
  ENV_FILE="$ENV_FILE" spawn "$1" "${cmd[@]/#dist\/main.js/$ROOT/$dir/dist/main.js}"
}
