# shellcheck shell=bash
# Where a deployment's settings come from, later winning as compose does: .env.ENV, .env.secrets,
# then the environment. Sourced by deploy-check.sh and nginx-htpasswd.sh; paths are relative to the
# current directory (make runs them from the repository root).

# The last NAME=value of a dotenv file, surrounding quotes removed; nothing when absent.
from_file() {
  local name=$1 file=$2 line value
  [ -f "$file" ] || return 0
  line=$(grep -E "^(export[[:space:]]+)?$name=" "$file" | tail -1) || return 0
  value=${line#*=}
  value=${value%$'\r'}
  if [[ "$value" =~ ^\"(.*)\"$ || "$value" =~ ^\'(.*)\'$ ]]; then value=${BASH_REMATCH[1]}; fi
  printf '%s' "$value"
}

# The value of NAME for env ENV (local|cloud).
value_of() {
  local name=$1 env_name=$2 secret
  if [ -n "${!name+x}" ]; then printf '%s' "${!name}"; return; fi
  secret=$(from_file "$name" .env.secrets)
  if [ -n "$secret" ]; then printf '%s' "$secret"; return; fi
  from_file "$name" ".env.$env_name"
}
