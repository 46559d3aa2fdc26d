#!/usr/bin/env bash
# Prerequisites of the browser test (tests/test_app_browser.py), safe to run again:
#  1. Debian's Chromium and its driver (apt-get), skipped when /usr/bin/chromium is there;
#  2. the browser assets Solara serves from its CDN cache (requirejs, Vuetify app, fonts, KaTeX),
#     fetched once with `npm pack` into the venv's share/solara/cdn, so the app also works offline.
# Usage: .ci/install-browser.sh [PYTHON]   (default: /work/venv/bin/python, else python3)
set -euo pipefail

PYTHON="${1:-}"
if [ -z "$PYTHON" ]; then
  if [ -x /work/venv/bin/python ]; then PYTHON=/work/venv/bin/python; else PYTHON=python3; fi
fi

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends chromium chromium-driver
fi
/usr/bin/chromium --version 2>/dev/null || true

# Solara's CDN cache: where it looks, and which packages this Solara version asks for.
CACHE="$("$PYTHON" -c 'from solara.server import settings; print(settings.assets.proxy_cache_dir)')"
SOLARA_DIR="$("$PYTHON" -c 'import os, solara; print(os.path.dirname(solara.__file__))')"
VUETIFY3="$(grep -rhoE '@widgetti/solara-vuetify3-app@[0-9][0-9a-z.-]*' "$SOLARA_DIR/server" | sort -u | head -1)"
PACKAGES="requirejs@2.3.6 font-awesome@4.5.0 katex@0.16.9 ${VUETIFY3:-@widgetti/solara-vuetify3-app@5.2.0}"

missing=""
for package in $PACKAGES; do
  [ -f "$CACHE/$package/package.json" ] || missing="$missing $package"
done
if [ -n "$missing" ]; then
  if ! command -v npm >/dev/null; then
    echo "install-browser: npm is needed to fetch Solara's assets:$missing" >&2
    exit 1
  fi
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  for package in $missing; do
    (cd "$work" && npm pack --silent "$package" >/dev/null)
    tarball="$(ls -t "$work"/*.tgz | head -1)"
    mkdir -p "$CACHE/$package.partial"
    tar -xzf "$tarball" -C "$CACHE/$package.partial" --strip-components=1
    rm -rf "$CACHE/$package" && mv "$CACHE/$package.partial" "$CACHE/$package"
    rm -f "$tarball"
    echo "install-browser: Solara asset $package -> $CACHE/$package"
  done
fi
echo "install-browser: ready"
