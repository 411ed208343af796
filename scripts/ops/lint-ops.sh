#!/usr/bin/env bash
# Validates the operations files with real tools: both compose files alone and merged for every ENV
# (docker compose config), the Dockerfile (hadolint), the workflows (actionlint, which also lints
# their `run:` steps), every shell script (shellcheck) and every Helm chart under deploy/helm (helm lint
# --strict, helm template with its defaults and with each ci/*.yaml, the manifests checked by kubeconform
# -strict against the Kubernetes schemas). Installs the tools first (scripts/ops/install-linters.sh).
# Usage: lint-ops.sh [compose|hadolint|actionlint|shellcheck|helm]...
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

# Rendered and validated for the Kubernetes version whose schemas install-linters.sh made (one pin).
check_helm() {
  local k8s chart values rendered
  k8s="$(sed -n 's/^K8S_SCHEMA_VERSION=v//p' "$root/scripts/ops/install-linters.sh")"
  # .yaml: kubeconform skips files by other names.
  rendered="$(mktemp --suffix=.yaml)"
  # shellcheck disable=SC2064 # the path is fixed now
  trap "rm -f '$rendered'" RETURN
  for chart in deploy/helm/*/; do
    chart="${chart%/}"
    for values in "" "$chart"/ci/*.yaml; do
      [ -z "$values" ] || [ -f "$values" ] || continue
      local args=()
      [ -z "$values" ] || args=(-f "$values")
      echo "helm: $chart ${values:-(defaults)}"
      "$bin/helm" lint --strict --kube-version "$k8s" "$chart" "${args[@]}" >/dev/null
      "$bin/helm" template churn "$chart" --kube-version "$k8s" "${args[@]}" >"$rendered"
      # kubeconform passes an empty file: a chart that renders nothing is a failure here.
      grep -q '^kind: Deployment$' "$rendered" || { echo "helm: $chart rendered no Deployment" >&2; return 1; }
      "$bin/kubeconform" -strict -summary -kubernetes-version "$k8s" \
        -schema-location "$root/.stack/k8s-schemas/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
        "$rendered"
    done
  done
}

checks=("$@")
[ ${#checks[@]} -gt 0 ] || checks=(compose hadolint actionlint shellcheck helm)
for check in "${checks[@]}"; do
  case "$check" in
    compose) "$root/scripts/ops/install-linters.sh" compose >/dev/null; check_compose ;;
    hadolint) "$root/scripts/ops/install-linters.sh" hadolint >/dev/null; check_hadolint ;;
    actionlint) "$root/scripts/ops/install-linters.sh" actionlint shellcheck >/dev/null; check_actionlint ;;
    shellcheck) "$root/scripts/ops/install-linters.sh" shellcheck >/dev/null; check_shellcheck ;;
    helm) "$root/scripts/ops/install-linters.sh" helm kubeconform k8s-schemas >/dev/null; check_helm ;;
    *) echo "unknown check: $check (compose, hadolint, actionlint, shellcheck, helm)" >&2; exit 2 ;;
  esac
done
echo "ops lint: ${checks[*]} ok"
