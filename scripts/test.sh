#!/usr/bin/env bash
# Run every check and test: lint, format check, the engine and CLI tests, the Django and
# browser tests on SQLite, and the Django tests (marker db_backend) again on PostgreSQL —
# the two stages side by side (XUEFEN_TEST_SERIAL=1: one after the other).
#
# PostgreSQL: XUEFEN_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/xuefen_test;
# pytest-django creates and drops test_<name>). If no server answers there, a throwaway
# cluster is started from the installed PostgreSQL binaries (installed with apt-get when
# missing) in a temporary folder, and removed afterwards. XUEFEN_SKIP_PG=1 skips the stage.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/ensure-test-tools.sh  # Debian: chromium, CJK fonts, Pango, pdftotext, LibreOffice
.venv/bin/ruff check src tests benchmarks
.venv/bin/ruff format --check src tests benchmarks
.venv/bin/python manage.py makemigrations --check --dry-run >/dev/null

if [ "${XUEFEN_SKIP_PG:-0}" = "1" ]; then
  .venv/bin/python -m pytest -q "$@"
  echo "PostgreSQL stage skipped (XUEFEN_SKIP_PG=1)"
  exit 0
fi

pg_url=${XUEFEN_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/xuefen_test}

pg_answers() {  # $1: a postgres:// URL; true if a server accepts a connection there
  .venv/bin/python - "$1" <<'PY' >/dev/null 2>&1
import sys
import psycopg
from urllib.parse import urlsplit
u = urlsplit(sys.argv[1])
psycopg.connect(host=u.hostname, port=u.port or 5432, user=u.username or "postgres",
                password=u.password, dbname="postgres", connect_timeout=3).close()
PY
}

if ! pg_answers "$pg_url"; then
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
  if [ -z "$bindir" ]; then
    echo "PostgreSQL binaries missing: installing postgresql with apt-get" >&2
    if [ "$(id -u)" = "0" ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    else
      sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
    bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
  fi
  pg_dir=$(mktemp -d /tmp/xuefen-pg.XXXXXX)
  pg_port=${XUEFEN_TEST_PG_PORT:-55432}
  as_pg=()
  if [ "$(id -u)" = "0" ]; then
    # PostgreSQL refuses to run as root: use the postgres system user (or nobody).
    pg_user=postgres
    id "$pg_user" >/dev/null 2>&1 || pg_user=nobody
    chown "$pg_user" "$pg_dir"
    as_pg=(runuser -u "$pg_user" --)
  fi
  cleanup_pg() {
    "${as_pg[@]}" "$bindir/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  }
  trap cleanup_pg EXIT
  "${as_pg[@]}" "$bindir/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 \
    --locale=C.UTF-8 >"$pg_dir/initdb.log" 2>&1 || {
    cat "$pg_dir/initdb.log" >&2
    exit 1
  }
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w \
    -o "-h 127.0.0.1 -p $pg_port -k $pg_dir -F" start >/dev/null
  pg_url="postgres://postgres@127.0.0.1:$pg_port/xuefen_test"
  echo "PostgreSQL: throwaway cluster on port $pg_port"
fi

# The two stages run side by side (each pytest uses one core; XUEFEN_TEST_SERIAL=1 runs them
# one after the other), each into its own log, printed when both are done.
logs=$(mktemp -d /tmp/xuefen-test-logs.XXXXXX)
sqlite_stage() { .venv/bin/python -m pytest -q "$@"; }
pg_stage() {
  DATABASE_URL="$pg_url" .venv/bin/python -m pytest -q -m db_backend --create-db -p no:cacheprovider "$@"
}
sqlite_rc=0
pg_rc=0
if [ "${XUEFEN_TEST_SERIAL:-0}" = "1" ]; then
  sqlite_stage "$@" >"$logs/sqlite.log" 2>&1 || sqlite_rc=$?
  pg_stage "$@" >"$logs/pg.log" 2>&1 || pg_rc=$?
else
  sqlite_stage "$@" >"$logs/sqlite.log" 2>&1 &
  sqlite_pid=$!
  pg_stage "$@" >"$logs/pg.log" 2>&1 &
  pg_pid=$!
  wait "$sqlite_pid" || sqlite_rc=$?
  wait "$pg_pid" || pg_rc=$?
fi
echo "== Engine, CLI, Django and browser tests on SQLite"
cat "$logs/sqlite.log"
echo "== Django tests on PostgreSQL ($pg_url)"
cat "$logs/pg.log"
rm -rf "$logs"
if [ "$sqlite_rc" != "0" ] || [ "$pg_rc" != "0" ]; then
  echo "FAILED: SQLite stage exit $sqlite_rc, PostgreSQL stage exit $pg_rc" >&2
  exit 1
fi
