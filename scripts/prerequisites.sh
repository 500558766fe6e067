#!/usr/bin/env bash
# Sourced by ./warehouse and ./test: makes sure the tools they need are here, installing what it can.
# PostgreSQL server binaries: found on PATH or under /usr/lib/postgresql/*/bin; as root on Debian/Ubuntu
# they are installed with apt-get, otherwise we say what to install.

have_postgres_server() {
  command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1 && return 0
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null 2>&1
}

ensure_postgres_server() {
  [ -n "${WAREHOUSE_DB:-}" ] && [ -z "${1:-}" ] && return 0   # an existing server is configured
  have_postgres_server && return 0
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "PostgreSQL server binaries are missing; installing them with apt-get (postgresql, 15 or newer)..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2 || {
      echo "error: apt-get could not install postgresql. Install PostgreSQL 15+ server binaries yourself." >&2; return 1; }
    # The package's own cluster is not ours; we start private clusters on demand.
    command -v service >/dev/null 2>&1 && service postgresql stop >/dev/null 2>&1 || true
    return 0
  fi
  cat >&2 <<'MSG'
error: PostgreSQL server binaries (initdb, pg_ctl) were not found.
  Debian/Ubuntu: sudo apt-get install postgresql        (15 or newer)
  macOS:         brew install postgresql@15 and put its bin folder on PATH
  Or use an existing server: export WAREHOUSE_DB="Host=...;Username=...;Password=...;Database=..."
  (for the tests: export WAREHOUSE_TEST_DB=... with a role that may create databases)
MSG
  return 1
}

ensure_dotnet() {
  command -v dotnet >/dev/null 2>&1 && return 0
  echo "error: the .NET 10 SDK is required (https://dot.net); dotnet was not found on PATH." >&2
  return 1
}

ensure_node() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Node.js is missing (the SDK compatibility test runs @segment/analytics-node); installing it..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 && apt-get install -y -qq nodejs npm >&2 && return 0
  fi
  echo "error: Node.js 18+ and npm are needed by the tests (install nodejs and npm)." >&2
  return 1
}

# The SDK compatibility test drives the real @segment/analytics-node; install it once (npm ci, pinned by the
# lock file) into the gitignored node_modules beside it, so later runs need no network.
ensure_sdk_fixture() {
  local dir="$1/tests/Warehouse.IntegrationTests/Ingestion/Sdk"
  [ -f "$dir/node_modules/@segment/analytics-node/package.json" ] && return 0
  echo "Installing the Segment SDK test fixture (npm ci in $dir)..." >&2
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2) || {
    echo "error: npm ci failed in $dir; the SDK compatibility test needs the npm registry once." >&2; return 1; }
}
