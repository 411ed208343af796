#!/usr/bin/env bash
# Writes the htpasswd file of the cloud nginx's basic auth from NGINX_AUTH_USERNAME and
# NGINX_AUTH_PASSWORD (.env.secrets or the environment), at deploy time, so no credential is ever
# committed. The password goes to openssl on stdin (never on a command line); apr1 is the hash nginx
# verifies itself on every libc. Usage: nginx-htpasswd.sh ENV OUT_FILE
set -euo pipefail
# shellcheck source=secrets-lib.sh
. "$(dirname "$0")/secrets-lib.sh"
env_name=${1:?env (local|cloud)}
out=${2:?htpasswd file to write}
user=$(value_of NGINX_AUTH_USERNAME "$env_name")
password=$(value_of NGINX_AUTH_PASSWORD "$env_name")
[ -n "$user" ] || { echo "nginx-htpasswd: NGINX_AUTH_USERNAME is missing or empty" >&2; exit 1; }
[ -n "$password" ] || { echo "nginx-htpasswd: NGINX_AUTH_PASSWORD is missing or empty" >&2; exit 1; }
case "$user" in *:*) echo "nginx-htpasswd: NGINX_AUTH_USERNAME must not contain ':'" >&2; exit 1 ;; esac

mkdir -p "$(dirname "$out")"
hash=$(printf '%s' "$password" | openssl passwd -apr1 -stdin)
# Written beside and renamed in, so nginx never reads half a file; 644 because nginx's workers (another
# user inside the container) read it, and it holds a salted hash only.
tmp=$(mktemp "$out.XXXXXX")
printf '%s:%s\n' "$user" "$hash" >"$tmp"
chmod 644 "$tmp"
mv -f "$tmp" "$out"
echo "nginx-htpasswd: wrote $out for user $user"
