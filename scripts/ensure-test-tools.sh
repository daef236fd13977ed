#!/usr/bin/env bash
# Make sure the Debian packages the tests use are installed, besides what the app needs
# (scripts/ensure-system.sh): Chromium for tests/browser (driven through Playwright; its
# own browser download is never used), poppler-utils (pdftotext reads the exported PDFs
# back) and LibreOffice Calc without a GUI (an exported workbook must open and convert to
# PDF). Idempotent and quiet when everything is already there.
set -euo pipefail
bash "$(dirname "$0")/ensure-system.sh"
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing ${missing[*]} for the tests..."
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
