#!/usr/bin/env bash
# Make sure the Debian packages the running app needs are installed: the Noto CJK fonts
# and Pango, with which WeasyPrint prints the official forms as PDF. Used by run.sh and
# test.sh; idempotent and quiet when everything is already there.
set -euo pipefail
wanted=(fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0)
missing=()
for pkg in "${wanted[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing ${missing[*]} (fonts and Pango for the PDF forms)..."
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
