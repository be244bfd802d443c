#!/usr/bin/env bash
# Screenshot of a report directory (index.html) with headless Chromium, for a look at what users see.
#   tools/screenshot-report.sh REPORT_DIR [OUT.png] [WIDTH] [HEIGHT]
# Needs Debian's chromium (apt-get install -y chromium). Runs as root, hence --no-sandbox; a throwaway profile and
# every background network feature off, so the page is rendered from local files only.
set -euo pipefail
if [[ $# -lt 1 || ! -f "$1/index.html" ]]; then
    echo "usage: $0 REPORT_DIR [OUT.png] [WIDTH] [HEIGHT] [SECTION]   (REPORT_DIR holds index.html; SECTION: an id to scroll to)" >&2
    exit 2
fi
dir=$(cd "$1" && pwd)
out=${2:-report.png}
width=${3:-1280}
height=${4:-2400}
section=${5:-}   # a section's id (e.g. families): that section alone, under the page's title
browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z "$browser" ]]; then
    echo "$0: error: chromium not found (apt-get install -y chromium)" >&2
    exit 1
fi
profile=$(mktemp -d)
page=index.html
if [[ -n "$section" ]]; then
    # a copy beside index.html (its figures are relative paths) whose other sections are hidden
    page=".screenshot-$section.html"
    sed "s|</head>|<style>section:not(#$section){display:none}</style></head>|" "$dir/index.html" >"$dir/$page"
fi
trap 'rm -rf "$profile"; [[ $page == index.html ]] || rm -f "$dir/$page"' EXIT
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$profile" \
    --window-size="$width,$height" --screenshot="$out" "file://$dir/$page" >/dev/null 2>&1
test -s "$out"
echo "$out"
