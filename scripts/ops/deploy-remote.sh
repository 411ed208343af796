#!/usr/bin/env bash
# Runs in the deploy workflow: connects to the VM named by the repository secrets and runs
# scripts/ops/vm-deploy.sh there. Needs VM_HOST, VM_USER, VM_SSH_KEY (private key) and optionally
# VM_KNOWN_HOSTS (the host's key line; without it the first key seen is trusted) and VM_APP_DIR.
# Usage: deploy-remote.sh NEW_RUN_ID PREVIOUS_RUN_ID
set -euo pipefail
new_run=${1:?new RUN_ID}
previous_run=${2:-}
: "${VM_HOST:?secret VM_HOST is not set}" "${VM_USER:?secret VM_USER is not set}" "${VM_SSH_KEY:?secret VM_SSH_KEY is not set}"
app_dir=${VM_APP_DIR:-churn-mlops}

ssh_dir=$(mktemp -d)
trap 'rm -rf "$ssh_dir"' EXIT
printf '%s\n' "$VM_SSH_KEY" >"$ssh_dir/key"
chmod 600 "$ssh_dir/key"
ssh_opts=(-i "$ssh_dir/key" -o BatchMode=yes -o ConnectTimeout=20)
if [ -n "${VM_KNOWN_HOSTS:-}" ]; then
  printf '%s\n' "$VM_KNOWN_HOSTS" >"$ssh_dir/known_hosts"
  ssh_opts+=(-o "UserKnownHostsFile=$ssh_dir/known_hosts" -o StrictHostKeyChecking=yes)
else
  echo "::warning::VM_KNOWN_HOSTS is not set: trusting the VM's host key on first use"
  ssh_opts+=(-o "UserKnownHostsFile=$ssh_dir/known_hosts" -o StrictHostKeyChecking=accept-new)
fi

script_dir="$(cd "$(dirname "$0")" && pwd)"
ssh "${ssh_opts[@]}" "$VM_USER@$VM_HOST" bash -s -- "$new_run" "$previous_run" "$app_dir" <"$script_dir/vm-deploy.sh"
