#!/usr/bin/env bash
# Start xuefen on http://127.0.0.1:8000 with the demo county: set up .venv, migrate the
# database (SQLite in var/ unless DATABASE_URL says otherwise), build the demo data once,
# and print the demo logins. Needs only Python 3.11.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-xuefen.web.settings.dev}
PY=.venv/bin/python
# The compiled catalogues (.mo) are shipped; recompile only where GNU gettext is present.
if command -v msgfmt >/dev/null 2>&1; then
  $PY manage.py compilemessages -v0
fi
$PY manage.py migrate --no-input -v0
$PY manage.py seed_demo
echo
echo "xuefen: http://127.0.0.1:8000/  (Ctrl-C stops it)"
exec $PY manage.py runserver 127.0.0.1:8000
