#!/usr/bin/env bash
# Install everything the project needs on a fresh Debian machine:
# Debian's chromium and a CJK font (for the browser tests and for reading charts),
# LibreOffice Calc (the workbook tests re-save a workbook with it, as WPS or Excel would),
# then a virtual environment in .venv with the pinned Python packages.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
[ -x /usr/lib/chromium/chromium ] || need_apt+=(chromium)
fc-list 2>/dev/null | grep -qi "WenQuanYi Micro Hei" || need_apt+=(fonts-wqy-microhei)
command -v soffice >/dev/null 2>&1 || need_apt+=(libreoffice-calc)
if [ ${#need_apt[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    echo "bootstrap: installing Debian packages: ${need_apt[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" fontconfig >/dev/null
fi

PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q -c constraints.txt -e ".[test,bench]"
echo "bootstrap: ready (.venv)"
