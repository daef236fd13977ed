#!/usr/bin/env bash
# Refresh the zh_Hans catalogues of the pages (src/xuefen/portal/locale: the portal app
# and the base templates in src/xuefen/web/templates) and of the demo command
# (src/xuefen/demo/locale), then compile them. Translate new entries in the .po files and
# run it again. Needs GNU gettext (apt-get install gettext).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/pages" "$work/demo"
ln -s "$root/src/xuefen/portal" "$work/pages/portal"
ln -s "$root/src/xuefen/web/templates" "$work/pages/templates"
ln -s "$root/src/xuefen/portal/locale" "$work/pages/locale"
ln -s "$root/src/xuefen/demo" "$work/demo/demo"
ln -s "$root/src/xuefen/demo/locale" "$work/demo/locale"
for part in pages demo; do
  (cd "$work/$part" && "$root/.venv/bin/python" "$root/manage.py" makemessages -l zh_Hans \
    --symlinks --no-location --ignore 'locale/*' --ignore '*/locale/*' >/dev/null)
done
for app in portal demo; do
  (cd "$root/src/xuefen/$app" && "$root/.venv/bin/python" "$root/manage.py" compilemessages \
    -l zh_Hans >/dev/null)
done
