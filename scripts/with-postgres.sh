#!/usr/bin/env bash
# Run a command against a real, throw-away PostgreSQL server started in a temporary
# directory (initdb + pg_ctl), then stop it. Outside CI a missing PostgreSQL is a loud
# skip; with CI=true it is a failure.
set -euo pipefail

find_bin() {
  command -v "$1" 2>/dev/null && return 0
  ls /usr/lib/postgresql/*/bin/"$1" 2>/dev/null | sort -V | tail -n1
}
INITDB=$(find_bin initdb || true)
PG_CTL=$(find_bin pg_ctl || true)
if [ -z "$INITDB" ] || [ -z "$PG_CTL" ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "FAIL: PostgreSQL (initdb/pg_ctl) not found, and CI=true forbids skipping." >&2
    exit 1
  fi
  echo "*** SKIPPED the PostgreSQL run: initdb/pg_ctl not found (apt-get install postgresql). ***" >&2
  exit 0
fi

tmp=$(mktemp -d /tmp/ketacare-pg.XXXXXX)
port=$(( 20000 + RANDOM % 20000 ))
# PostgreSQL refuses to run as root; use the postgres (or nobody) account then.
as_user=()
if [ "$(id -u)" = "0" ]; then
  runas=postgres; id postgres >/dev/null 2>&1 || runas=nobody
  chown "$runas" "$tmp"
  as_user=(runuser -u "$runas" --)
fi
cleanup() {
  cd "$tmp" 2>/dev/null && "${as_user[@]}" "$PG_CTL" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# Run from the temporary directory: the postgres account may not enter the caller's.
(cd "$tmp" && "${as_user[@]}" "$INITDB" -D "$tmp/data" -U ketacare --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null)
(cd "$tmp" && "${as_user[@]}" "$PG_CTL" -D "$tmp/data" -l "$tmp/server.log" -w \
  -o "-p $port -k $tmp -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off" start >/dev/null)
echo "PostgreSQL $("$PG_CTL" --version | awk '{print $3}') running on 127.0.0.1:$port"

export DATABASE_URL="postgres://ketacare@127.0.0.1:$port/postgres"
"$@"
