#!/usr/bin/env bash
# Make sure the browser tests have Debian's Chromium at /usr/bin/chromium (playwright-core drives it; it never
# downloads a browser of its own). Also installs a CJK font when none is present, so Chinese pages render as
# text rather than boxes in screenshots. Idempotent: does nothing when both are already there.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

have_cjk_font() {
  command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh family 2>/dev/null | head -n 1)" ]
}

packages=()
[ -x "$CHROMIUM" ] || packages+=(chromium)
have_cjk_font || packages+=(fonts-noto-cjk)

if [ ${#packages[@]} -eq 0 ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: ${packages[*]} missing and this machine has no apt-get." >&2
  echo "Install Chromium so that $CHROMIUM exists (and a Chinese font), then run the tests again." >&2
  exit 1
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "ensure-chromium: installing ${packages[*]} needs root (or sudo)." >&2
    exit 1
  fi
fi

echo "ensure-chromium: installing ${packages[*]} with apt-get…"
if ! "${SUDO[@]}" apt-get update -q ||
  ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${packages[@]}"; then
  echo "ensure-chromium: apt-get could not install ${packages[*]}; the browser tests cannot run without $CHROMIUM." >&2
  exit 1
fi

if [ ! -x "$CHROMIUM" ]; then
  echo "ensure-chromium: apt-get finished but $CHROMIUM is still missing." >&2
  exit 1
fi
echo "ensure-chromium: $("$CHROMIUM" --version 2>/dev/null || echo chromium) ready."
