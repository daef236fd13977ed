#!/usr/bin/env bash
# Start xuefen on http://127.0.0.1:8000 with the demo county, served as a deployment would
# serve it: debug off, the Chinese error pages, gunicorn, static files through WhiteNoise
# (settings xuefen.web.settings.local; a secret key is made once in var/). Sets up .venv,
# migrates the database (SQLite in var/ unless DATABASE_URL says otherwise), collects the
# static files, builds the demo data once and prints the demo logins. Needs only Python 3.11.
# For development with reloading and debug pages, see docs/development.md (runserver).
#
# Environment: XUEFEN_BIND (default 127.0.0.1:8000), XUEFEN_WEB_WORKERS (2) and
# XUEFEN_WEB_THREADS (4) for gunicorn; XUEFEN_DEMO_ARGS, extra seed_demo arguments (e.g.
# "--schools 4 --teachers 60"); XUEFEN_COMPILEMESSAGES=0 skips recompiling the catalogues.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-xuefen.web.settings.local}
PY=.venv/bin/python
bind=${XUEFEN_BIND:-127.0.0.1:8000}

# The compiled catalogues (.mo) are shipped; recompile only where GNU gettext is present.
if [ "${XUEFEN_COMPILEMESSAGES:-1}" != "0" ] && command -v msgfmt >/dev/null 2>&1; then
  $PY manage.py compilemessages -v0
fi
$PY manage.py migrate --no-input -v0
$PY manage.py collectstatic --no-input -v0
# shellcheck disable=SC2086  # XUEFEN_DEMO_ARGS is a list of arguments
$PY manage.py seed_demo ${XUEFEN_DEMO_ARGS:-}

# The processes that make up the running site, each started with `start`; when one of them
# stops, the others are stopped too. (A background task worker joins the web server here.)
pids=()
start() {
  "$@" &
  pids+=($!)
}
stop_all() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  wait || true
}
trap stop_all EXIT INT TERM

start .venv/bin/gunicorn xuefen.web.wsgi:application \
  --bind "$bind" \
  --workers "${XUEFEN_WEB_WORKERS:-2}" \
  --threads "${XUEFEN_WEB_THREADS:-4}" \
  --timeout 60 \
  --no-control-socket \
  --access-logfile - \
  --error-logfile -

echo
echo "xuefen: http://$bind/  (Ctrl-C stops it)"
# Wait until any one of them ends, and pass its exit status on.
set +e
wait -n
status=$?
set -e
exit "$status"
