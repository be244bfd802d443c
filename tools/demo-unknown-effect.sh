#!/usr/bin/env bash
# The demo's unknown id, both ways, on one run's models and tokens (docs/demo.md §4): re-correlates the saved
# activation files of a finished demo run (`./nextflow run main.nf --save_activations true`) twice, with the
# shards' own filter and with that filter's unknown id added or removed, through the same tools as the pipeline
# (correlate per pair and shard, merge, finalise, universality), and prints the two tables' figures side by side,
# for the anchor and for the random-init control.
#
#   tools/demo-unknown-effect.sh [--results results] [--dir DIR]
#
# Needs the built task jars (java-tasks/dist) and python3. DIR (default: a new temporary directory) keeps the
# moments, summaries and both neurons.csv per group.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
results=results dir=""
while (($#)); do
    case "$1" in
        --results) results="$2"; shift 2 ;;
        --dir) dir="$2"; shift 2 ;;
        *) echo "demo-unknown-effect: unknown option $1 (see the header of $0)" >&2; exit 2 ;;
    esac
done
acts="$results/activations"
vocab="$results/corpus/vocab.json"
[[ -d "$acts" && -f "$vocab" ]] || {
    echo "demo-unknown-effect: $results has no activations/ or corpus/vocab.json; run the demo with --save_activations true" >&2
    exit 1
}
dir="${dir:-$(mktemp -d)}"
mkdir -p "$dir"
export DJL_OFFLINE=true OPT_OUT_TRACKING=true
tool() { # jar class args...
    local jar="$1" cls="$2"; shift 2
    java -cp "$ROOT/java-tasks/dist/$jar.jar:$ROOT/java-tasks/dist/lib/*" "$cls" "$@"
}
# the shards' filter is BOS/EOS (0) and the newline ids, plus the unknown id unless the run kept it (docs/demo.md §1)
read -r with_unk without_unk filtered < <(python3 - "$vocab" <<'EOF'
import json, sys
v = json.load(open(sys.argv[1]))
base = sorted({v["bos_id"], v["eos_id"]} | {t["id"] for t in v["tokens"] if t["text"] == "\n"})
print(",".join(map(str, sorted(base + [v["unk_id"]]))), ",".join(map(str, base)), str(v["unknown_filtered"]).lower())
EOF
)
models=($(ls "$acts"))
trained=($(printf '%s\n' "${models[@]}" | grep -v '^control$' | sort -V))
anchor="${trained[0]}"
others=("${trained[@]:1}")
shards=($(ls "$acts/$anchor" | sed 's/\.h5$//'))
echo "demo-unknown-effect: ${#models[@]} models (anchor $anchor, others ${others[*]}), ${#shards[@]} shards;" \
     "filters: with unknown $with_unk, without $without_unk (the run's own: $([[ $filtered == true ]] && echo with || echo without))"

for variant in filtered kept; do   # filtered: the unknown id is among the dropped ids; kept: it is correlated
    ids=$([[ $variant == filtered ]] && echo "$with_unk" || echo "$without_unk")
    for group in "$anchor" control; do
        [[ -d "$acts/$group" ]] || continue
        summaries=()
        for b in "${others[@]}"; do
            parts=()
            for s in "${shards[@]}"; do
                out="$dir/$variant.$group.$b.$s.moments.h5"
                tool correlate org.uneurons.correlate.CorrelateTool --a "$acts/$group/$s.h5" --b "$acts/$b/$s.h5" \
                    --filter-ids "$ids" --threads 2 --output "$out" 2>>"$dir/tools.log"
                parts+=(--input "$out")
            done
            tool merge org.uneurons.merge.MergeTool "${parts[@]}" --output "$dir/$variant.$group.$b.merged.h5" 2>>"$dir/tools.log"
            tool finalise org.uneurons.finalise.FinaliseTool --input "$dir/$variant.$group.$b.merged.h5" --threads 2 \
                --output "$dir/$variant.$group.$b.summary.h5" 2>>"$dir/tools.log"
            summaries+=(--summary "$dir/$variant.$group.$b.summary.h5")
        done
        tool universality org.uneurons.universality.UniversalityTool "${summaries[@]}" \
            --outdir "$dir/$variant.$group" 2>>"$dir/tools.log" >/dev/null
    done
done

python3 - "$dir" "$anchor" <<'EOF'
import csv, glob, os, statistics, sys
d, anchor = sys.argv[1], sys.argv[2]
def table(group, variant):
    found = sorted(glob.glob(os.path.join(d, f"{variant}.{group}", "*neurons.csv")))
    if not found:
        return None
    rows = list(csv.DictReader(open(found[0])))
    ex = [float(r["excess_corr"]) for r in rows]
    return {
        "mean max_corr": statistics.fmean(float(r["max_corr"]) for r in rows),
        "mean baseline": statistics.fmean(float(r["max_baseline"]) for r in rows),
        "mean excess": statistics.fmean(ex),
        "max excess": max(ex),
        "> 0.1": sum(e > 0.1 for e in ex) / len(ex),
        "> 0.2": sum(e > 0.2 for e in ex) / len(ex),
        "> 0.3": sum(e > 0.3 for e in ex) / len(ex),
        "> 0.5": sum(e > 0.5 for e in ex) / len(ex),
    }
cols = [(g, v, table(g, v)) for g in (anchor, "control") for v in ("filtered", "kept")]
print("| figure | " + " | ".join(f"{g}, unknown {v}" for g, v, _ in cols) + " |")
print("|---|" + "---|" * len(cols))
for k in ("mean max_corr", "mean baseline", "mean excess", "max excess", "> 0.1", "> 0.2", "> 0.3", "> 0.5"):
    cells = ["" if c is None else f"{100 * c[k]:.1f}%" if k.startswith(">") else f"{c[k]:.3f}" for _, _, c in cols]
    print(f"| {'excess ' + k if k.startswith('>') else k} | " + " | ".join(cells) + " |")
EOF
echo "demo-unknown-effect: files in $dir"
