#!/usr/bin/env bash
# Start xuefen on http://127.0.0.1:8000 with the demo county, served as a deployment would
# serve it: debug off, the Chinese error pages, gunicorn, static files through WhiteNoise
# (settings xuefen.web.settings.local; a secret key is made once in var/). Sets up .venv,
# migrates the database (SQLite in var/ unless DATABASE_URL says otherwise), collects the
# static files, builds the demo data once and prints the demo logins, then runs the web
# server and the background worker (manage.py db_worker: recomputes results after every
# change, runs the jobs people start) side by side; Ctrl-C stops both. Needs only Python 3.11.
# For development with reloading and debug pages, see docs/development.md (runserver).
#
# Environment: XUEFEN_BIND (default 127.0.0.1:8000), XUEFEN_WEB_WORKERS (2) and
# XUEFEN_WEB_THREADS (4) for gunicorn; XUEFEN_TASK_WORKERS (1), background workers;
# XUEFEN_DEMO_ARGS, extra seed_demo arguments (e.g. "--schools 4 --teachers 60");
# XUEFEN_COMPILEMESSAGES=0 skips recompiling the catalogues.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/ensure-system.sh  # fonts and Pango for the PDF forms
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
# Teachers left stale (a worker stopped mid-task) or computed by an older engine: queued for
# the worker started below.
$PY manage.py results_recompute --outdated --queue -v0

# The processes that make up the running site, each started with `start`; when one of them
# stops, the others are stopped too.
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

# The background worker: takes tasks from the queue table (results to recompute, jobs).
# Never --reload here (it would restart on edits and cut a task short). Stopping run.sh
# stops the worker too, in the middle of a task if need be: that task's teachers stay
# marked stale until the next change or `manage.py results_recompute`.
for _ in $(seq "${XUEFEN_TASK_WORKERS:-1}"); do
  start $PY manage.py db_worker --no-reload
done

echo
echo "xuefen: http://$bind/  (Ctrl-C stops it)"
# Wait until any one of them ends, and pass its exit status on.
set +e
wait -n
status=$?
set -e
exit "$status"
