#!/usr/bin/env bash
# Make sure Debian's Chromium (and CJK fonts, so Chinese text renders) is installed for the browser tests.
# Installs with apt-get when missing and we are root; otherwise prints the command and exits non-zero.
# The tests never download a browser of their own: they drive /usr/bin/chromium.
set -euo pipefail

have_fonts() { fc-list 2>/dev/null | grep -qi "Noto.*CJK"; }

if [[ -x /usr/bin/chromium ]] && have_fonts; then echo "browser: /usr/bin/chromium"; exit 0; fi
if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
  echo "browser: installing chromium and fonts-noto-cjk with apt-get"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  echo "browser: /usr/bin/chromium"
else
  echo "browser: Chromium is not installed. Run:" >&2
  echo "    sudo apt-get install -y chromium fonts-noto-cjk" >&2
  exit 1
fi
