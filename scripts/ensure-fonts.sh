#!/usr/bin/env bash
# Make sure the CJK font the PDF reports embed is installed (Debian's fonts-noto-cjk, or the file that
# SHEGONG_REPORT_FONT names). Installs with apt-get when missing and we are root; otherwise prints the command.
set -euo pipefail

font="${SHEGONG_REPORT_FONT:-/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc}"
if [[ -f "$font" ]]; then echo "fonts: $font"; exit 0; fi
if [[ -z "${SHEGONG_REPORT_FONT:-}" && "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
  echo "fonts: installing fonts-noto-cjk with apt-get"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null
  echo "fonts: $font"
else
  echo "fonts: the PDF reports' CJK font $font is missing. Run:" >&2
  echo "    sudo apt-get install -y fonts-noto-cjk    (or set SHEGONG_REPORT_FONT to a CJK .ttf/.otf/.ttc)" >&2
  exit 1
fi
