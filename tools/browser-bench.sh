#!/usr/bin/env bash
# The neuron browser at a model's real shape (default GPT-2 medium, 24 x 4096 = 98,304 neurons): writes random run
# outputs laid out as a run's --outdir (org.uneurons.bench.BrowserInputs), runs the report on them (wall time and
# peak memory), sizes the browser's files, then opens it in headless Chromium and times each page
# (tests/browser/check_browser.py --timing, which also checks what the pages show against those files).
#   tools/browser-bench.sh [DIR] [N_LAYERS D_MLP]
# Needs the built jars (java-tasks/dist), chromium, chromium-driver and python3-selenium, python3-h5py, python3-pandas.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${1:-/tmp/browser-bench}
layers=${2:-24}
dmlp=${3:-4096}
lib="$root/java-tasks/dist/lib/*"
export DJL_OFFLINE=true OPT_OUT_TRACKING=true
rm -rf "$dir"
mkdir -p "$dir"
r="$dir/results"
java -cp "$root/java-tasks/dist/bench.jar:$lib" org.uneurons.bench.BrowserInputs "$r" "$layers" "$dmlp"
/usr/bin/time -f 'report: %e s wall, peak RSS %M KiB' java -Xmx6g -cp "$root/java-tasks/dist/report.jar:$lib" \
    org.uneurons.report.ReportTool --neurons "trained=$r/universality/trained/neurons.csv" \
    --stats "trained=$r/stats/seed1.stats.h5" --shard "$r/corpus/analysis.00000.h5" --roles "seed1=$r/roles/seed1" \
    --outdir "$r" 2>&1 | grep -E '^report: (neuron browser|[0-9.]+ s wall)'
data="$r/report/neurons/data/trained"
printf 'browser: %s in all; index files %s (%d), detail files %s (%d)\n' \
    "$(du -sh "$r/report/neurons" | cut -f1)" \
    "$(du -ch "$data"/index-*.js | tail -n 1 | cut -f1)" "$(ls "$data"/index-*.js | wc -l)" \
    "$(find "$data" -name '[0-9]*-*.js' -print0 | du -ch --files0-from=- | tail -n 1 | cut -f1)" \
    "$(find "$data" -name '[0-9]*-*.js' | wc -l)"
/usr/bin/python3 "$root/tests/browser/check_browser.py" "$r" --timing
