#!/usr/bin/env bash
# Refuses a deployment whose secrets are missing, empty or defaults, naming each one (never its
# value). Reads, later winning as compose does: .env.ENV, .env.secrets, then the environment.
# Usage: deploy-check.sh ENV (local needs no secrets). Paths are relative to the current directory
# (make runs it from the repository root). Exit 0 when all are set, 1 otherwise, 2 on bad usage.
set -euo pipefail
# shellcheck source=secrets-lib.sh
. "$(dirname "$0")/secrets-lib.sh"
env_name=${1:-}
case "$env_name" in
  local) echo "deploy-check: env=local needs no secrets"; exit 0 ;;
  cloud) ;;
  *) echo "deploy-check: env must be local or cloud, got '$env_name'" >&2; exit 2 ;;
esac

# Every secret the cloud profile needs: registry basic auth (browsers and MLflow clients), the
# predictor's API key, PostgreSQL, Grafana's admin, nginx's basic auth of the UIs.
SECRETS=(POSTGRES_PASSWORD MLFLOW_TRACKING_USERNAME MLFLOW_TRACKING_PASSWORD PREDICTOR_API_KEY
  GRAFANA_ADMIN_PASSWORD NGINX_AUTH_USERNAME NGINX_AUTH_PASSWORD)
# nginx's certificate and key: paths on this host that must exist.
FILES=(TLS_CERT_FILE TLS_KEY_FILE)
# Values shipped somewhere (the images' defaults, the local profile's) or too common to be a secret.
DEFAULTS=(changeme change-me changeit admin administrator password passw0rd secret root churn
  churn-local churn-local-secret guest test default example)

example="$(cd "$(dirname "$0")/../.." && pwd)/.env.secrets.example"

# True when $1, the value of $2, is a well-known default or the example file's value.
is_default() {
  local value=$1 name=$2 lower known
  lower=$(tr '[:upper:]' '[:lower:]' <<<"$value")
  for known in "${DEFAULTS[@]}"; do [ "$lower" = "$known" ] && return 0; done
  # A value copied from the example file is public: it is committed.
  [ -n "$value" ] && [ "$value" = "$(from_file "$name" "$example")" ]
}

problems=0
refuse() {
  echo "deploy-check: $1" >&2
  problems=$((problems + 1))
}

for name in "${SECRETS[@]}"; do
  value=$(value_of "$name" "$env_name")
  if [ -z "$value" ]; then
    refuse "$name is missing or empty: set it in .env.secrets (chmod 600) or the environment"
  elif is_default "$value" "$name"; then
    refuse "$name has a default or example value: choose your own"
  fi
done
for name in "${FILES[@]}"; do
  value=$(value_of "$name" "$env_name")
  if [ -z "$value" ]; then
    refuse "$name is missing or empty: the path of nginx's TLS file (see README, Cloud profile)"
  elif [ ! -r "$value" ]; then
    refuse "$name names $value, which is not a readable file"
  fi
done
# AWS keys may be empty (an instance role), but never the local stack's.
for name in AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY; do
  value=$(value_of "$name" "$env_name")
  if [ -n "$value" ] && is_default "$value" "$name"; then refuse "$name has a default or example value: choose your own or leave it empty for an instance role"; fi
done

if [ "$problems" -gt 0 ]; then
  echo "deploy-check: env=$env_name refused: $problems problem(s) above" >&2
  exit 1
fi
echo "deploy-check: env=$env_name: ${#SECRETS[@]} secrets and ${#FILES[@]} TLS files set"
