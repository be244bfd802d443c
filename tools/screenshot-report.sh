#!/usr/bin/env bash
# Screenshot of a report directory (index.html) with headless Chromium, for a look at what users see.
#   tools/screenshot-report.sh REPORT_DIR [OUT.png] [WIDTH] [HEIGHT]
# Needs Debian's chromium (apt-get install -y chromium). Runs as root, hence --no-sandbox; a throwaway profile and
# every background network feature off, so the page is rendered from local files only.
set -euo pipefail
if [[ $# -lt 1 || ! -f "$1/index.html" ]]; then
    echo "usage: $0 REPORT_DIR [OUT.png] [WIDTH] [HEIGHT]   (REPORT_DIR holds index.html)" >&2
    exit 2
fi
dir=$(cd "$1" && pwd)
out=${2:-report.png}
width=${3:-1280}
height=${4:-2400}
browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z "$browser" ]]; then
    echo "$0: error: chromium not found (apt-get install -y chromium)" >&2
    exit 1
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$profile" \
    --window-size="$width,$height" --screenshot="$out" "file://$dir/index.html" >/dev/null 2>&1
test -s "$out"
echo "$out"
