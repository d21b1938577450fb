#!/usr/bin/env bash
# install-deps.sh: installs everything Flywheel needs to build and test, idempotently.
#
# 1. Debian packages (compilers, libraries, Python reference tools for golden tests, and
#    clickhouse-server/-client for the scale-out tests; their system service is disabled).
# 2. DuckDB, pinned, from the npm registry: libduckdb.so from
#    @duckdb/node-bindings-linux-x64@1.4.4-r.4 and duckdb.h from duckdb@1.4.4, each checked
#    against a SHA-256 recorded here. They are unpacked into third_party/duckdb (git-ignored).
#    If FLYWHEEL_DUCKDB_DIR names a folder with libduckdb.so and duckdb.h (an official
#    libduckdb release), that folder is used instead.
# 3. The front-end packages of web/ (Chart.js, embedded into the binary; playwright-core, which
#    drives Debian's chromium in the browser tests), with `npm ci` from web/package-lock.json.
# Re-running it does nothing that is already done. It uses sudo only when not root.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/third_party/duckdb"

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

packages=(
  build-essential cmake ninja-build ccache pkg-config git ca-certificates bc
  libcli11-dev libfmt-dev libspdlog-dev libsimdjson-dev nlohmann-json3-dev libeigen3-dev
  libboost-dev libboost-math-dev libnlopt-dev libnlopt-cxx-dev libcpp-httplib-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-numpy python3-scipy python3-pandas python3-sklearn python3-statsmodels
  chromium
  clickhouse-server clickhouse-client
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# This machine kind ships Node.js with its own npm; Debian's npm would conflict with it.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# clickhouse-server's postinst enables and starts a system service (clickhouse-server.service,
# /etc/init.d/clickhouse-server) on 8123/9000/9009 where an init system runs; Flywheel never
# uses it: tests and benchmarks start their own servers by hand on 18123+ (see
# scripts/clickhouse-local-cluster.sh). Stop and disable it so it holds no ports, memory or CPU.
# In containers without an init system, policy-rc.d already kept it from starting.
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
  if systemctl is-enabled --quiet clickhouse-server 2>/dev/null ||
     systemctl is-active --quiet clickhouse-server 2>/dev/null; then
    echo "install-deps: stopping and disabling the clickhouse-server system service" >&2
    $SUDO systemctl disable --now clickhouse-server >/dev/null 2>&1 || true
  fi
elif [ -x /etc/init.d/clickhouse-server ] && pgrep -u clickhouse -x clickhouse-server >/dev/null 2>&1; then
  # Only the service's own server (user clickhouse). The init script's `status` and `stop` match
  # every process running /usr/sbin/clickhouse-server, so they would also kill the servers that
  # tests and benchmarks started by hand (as another user) in other checkouts.
  echo "install-deps: stopping the clickhouse-server init.d service" >&2
  $SUDO start-stop-daemon --stop --quiet --retry=TERM/30/KILL/5 --user clickhouse \
    --exec /usr/sbin/clickhouse-server >/dev/null 2>&1 || true
fi

install_duckdb() {
  if [ -n "${FLYWHEEL_DUCKDB_DIR:-}" ]; then
    for f in libduckdb.so duckdb.h; do
      [ -f "$FLYWHEEL_DUCKDB_DIR/$f" ] || { echo "install-deps: $FLYWHEEL_DUCKDB_DIR/$f not found" >&2; exit 1; }
    done
    mkdir -p "$dest"
    cp -f "$FLYWHEEL_DUCKDB_DIR/libduckdb.so" "$FLYWHEEL_DUCKDB_DIR/duckdb.h" "$dest/"
    echo "custom:$FLYWHEEL_DUCKDB_DIR" > "$dest/VERSION"
    return 0
  fi

  pin="1.4.4 (bindings 1.4.4-r.4)"
  if [ -f "$dest/VERSION" ] && [ "$(cat "$dest/VERSION")" = "$pin" ] \
     && [ -f "$dest/libduckdb.so" ] && [ -f "$dest/duckdb.h" ]; then
    return 0
  fi

  lib_pkg="@duckdb/node-bindings-linux-x64@1.4.4-r.4"
  lib_sha=732fac4dc6b8f198870b9c4bb6ddf13544466daca00ad28ba2f1d80de5d7aa4b
  hdr_pkg="duckdb@1.4.4"
  hdr_sha=5bb967dcbcd517670ba5f169f238fb9d6787e53752c60ebe24386169d76941ed

  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$lib_pkg" "$hdr_pkg" >/dev/null)
  check() {
    local file=$1 want=$2 got
    got=$(sha256sum "$file" | cut -d' ' -f1)
    if [ "$got" != "$want" ]; then
      echo "install-deps: checksum mismatch for $(basename "$file"): got $got, expected $want" >&2
      exit 1
    fi
  }
  check "$tmp/duckdb-node-bindings-linux-x64-1.4.4-r.4.tgz" "$lib_sha"
  check "$tmp/duckdb-1.4.4.tgz" "$hdr_sha"
  mkdir -p "$tmp/lib" "$tmp/hdr"
  tar -xzf "$tmp/duckdb-node-bindings-linux-x64-1.4.4-r.4.tgz" -C "$tmp/lib" package/libduckdb.so
  tar -xzf "$tmp/duckdb-1.4.4.tgz" -C "$tmp/hdr" package/src/duckdb/src/include/duckdb.h
  mkdir -p "$dest"
  cp -f "$tmp/lib/package/libduckdb.so" "$dest/libduckdb.so"
  cp -f "$tmp/hdr/package/src/duckdb/src/include/duckdb.h" "$dest/duckdb.h"
  echo "$pin" > "$dest/VERSION"
  echo "install-deps: DuckDB $pin installed in $dest" >&2
}

# web/: reinstalled only when the lockfile changed since the last install.
install_web() {
  local stamp="$root/web/node_modules/.flywheel-lock"
  if [ -f "$stamp" ] && cmp -s "$stamp" "$root/web/package-lock.json"; then
    return 0
  fi
  (cd "$root/web" && npm ci --no-audit --no-fund --silent)
  cp "$root/web/package-lock.json" "$stamp"
  echo "install-deps: web/node_modules installed from web/package-lock.json" >&2
}

install_duckdb
install_web
