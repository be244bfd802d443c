#!/usr/bin/env bash
# Scale rehearsal (docs/scale.md §5): a fused checkpoint run of three random-initialised GPT-2-shaped models through
# the real pipeline on this machine, measured against the plan it printed before its first task:
#   - work/ on disk, sampled every 2 s while the run goes (peak), against the plan's "work/ at peak";
#   - the files each kind of task left in work/ (token shards, partial moments, merged moments, partial statistics,
#     statistics, summaries: count and bytes), against the plan's files per kind;
#   - each planned process's largest peak RSS (Nextflow's trace), against the plan's host memory per task.
#
#   tools/scale-rehearsal.sh [--layers 12] [--d-model 768] [--d-mlp 3072] [--heads 12] [--ctx 512]
#                            [--seqs-per-shard 2] [--shards 4] [--shards-per-chunk 4] [--layers-per-task 6]
#                            [--batch-size 2] [--dir DIR] [--keep]
#
# The defaults are GPT-2 small's shape (12 x 3072 neurons) in one chunk of 4 shards and 2 blocks of 6 layers; e.g.
# `--layers 4 --shards 12 --shards-per-chunk 4 --layers-per-task 2` is 3 chunks x 2 blocks of 4 of its layers. The
# token ids are random (ids 1..50255 in rows of BOS + ctx-1): sizes and memory do not depend on them. Writes
# DIR/rehearsal.tsv (measured against planned) and prints it; DIR (default: a new temporary directory) keeps
# the run's log, trace and plan.json; work/ is removed at the end unless --keep. Needs java, python3 and the disk
# the plan names (it says so before the first task, and the run refuses plans above max_work_disk).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
layers=12 d_model=768 d_mlp=3072 heads=12 ctx=512 seqs=2 shards=4 per_chunk=4 layers_per_task=6 batch=2
dir="" keep=false
while (($#)); do
    case "$1" in
        --layers) layers="$2"; shift 2 ;;
        --d-model) d_model="$2"; shift 2 ;;
        --d-mlp) d_mlp="$2"; shift 2 ;;
        --heads) heads="$2"; shift 2 ;;
        --ctx) ctx="$2"; shift 2 ;;
        --seqs-per-shard) seqs="$2"; shift 2 ;;
        --shards) shards="$2"; shift 2 ;;
        --shards-per-chunk) per_chunk="$2"; shift 2 ;;
        --layers-per-task) layers_per_task="$2"; shift 2 ;;
        --batch-size) batch="$2"; shift 2 ;;
        --dir) dir="$2"; shift 2 ;;
        --keep) keep=true; shift ;;
        -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "scale-rehearsal: error: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
command -v python3 >/dev/null || { echo "scale-rehearsal: error: python3 not found (apt-get install python3)" >&2; exit 1; }
dir="${dir:-$(mktemp -d "${TMPDIR:-/tmp}/scale-rehearsal.XXXXXX")}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
export DJL_OFFLINE=true OPT_OUT_TRACKING=true
rows=$((shards * seqs))
tokens=$((rows * ctx))
echo "scale-rehearsal: ${layers} x ${d_mlp} neurons (d_model ${d_model}, ${heads} heads), 3 models, ${shards} shards of ${seqs} x ${ctx}," \
     "chunks of ${per_chunk} shards, blocks of ${layers_per_task} layers, in ${dir}"

# the jars (the launcher builds stale ones the same way before a run)
"$ROOT/nextflow" -version >/dev/null
dist="$ROOT/java-tasks/dist"
task() { java -Xmx4g -cp "$dist/$1.jar:$dist/lib/*" "$2" "${@:3}"; }

# random ids: a headerless uint16 stream, cut by tokenize into rows of BOS + ctx-1 ids
python3 - "$dir/ids.bin" "$((rows * (ctx - 1)))" <<'PY'
import array, random, sys
rng = random.Random(20261202)
array.array("H", (rng.randint(1, 50255) for _ in range(int(sys.argv[2])))).tofile(open(sys.argv[1], "wb"))
PY

# three random-initialised checkpoints of the shape (train --steps 0 writes the initialisation)
task tokenize org.uneurons.tokenize.TokenizeTool --input "$dir/ids.bin" --ctx "$ctx" --seqs-per-shard "$rows" \
    --outdir "$dir/init-tokens" --name init >/dev/null 2>"$dir/init-tokens.log"
for seed in 1 2 3; do
    [[ -f "$dir/ckpt/r$seed/config.json" ]] && continue
    task train org.uneurons.train.TrainTool --train "$dir/init-tokens/init.00000.h5" --outdir "$dir/ckpt/r$seed" \
        --seed "$seed" --steps 0 --n-layer "$layers" --d-model "$d_model" --n-head "$heads" --d-mlp "$d_mlp" \
        --ctx "$ctx" --vocab-size 50257 >/dev/null 2>"$dir/train-r$seed.log"
done

cat >"$dir/params.yaml" <<EOF
input: ['$dir/ids.bin']
models: ['$dir/ckpt/r1', '$dir/ckpt/r2', '$dir/ckpt/r3']
ctx: $ctx
seqs_per_shard: $seqs
max_tokens: $tokens
tokens_per_task: $((per_chunk * seqs * ctx))
layers_per_task: $layers_per_task
batch_size: $batch
outdir: '$dir/results'
EOF
cat >"$dir/trace.config" <<EOF
trace {
    enabled = true
    raw     = true
    file    = '$dir/trace.tsv'
    fields  = 'task_id,hash,process,name,status,peak_rss,realtime'
    overwrite = true
}
EOF

# work/ sampled every 2 s while the run goes
rm -rf "$dir/work"
mkdir -p "$dir/work"
(
    peak=0
    while [[ ! -f "$dir/.done" ]]; do
        now="$(du -sb "$dir/work" 2>/dev/null | cut -f1 || echo 0)"
        ((now > peak)) && { peak=$now; echo "$peak" >"$dir/peak_work_bytes"; }
        sleep 2
    done
) &
sampler=$!
rm -f "$dir/.done"
start=$(date +%s)
rc=0
(cd "$dir" && "$ROOT/nextflow" run "$ROOT/main.nf" -params-file "$dir/params.yaml" -c "$dir/trace.config" \
    -w "$dir/work" >"$dir/run.log" 2>&1) || rc=$?
touch "$dir/.done"
wait "$sampler" || true
echo "scale-rehearsal: the run took $(( $(date +%s) - start )) s (exit $rc; log $dir/run.log)"
((rc == 0)) || { tail -n 20 "$dir/run.log" >&2; exit 1; }

python3 - "$dir" <<'PY'
import csv, glob, json, os, sys
d = sys.argv[1]
plan = json.load(open(os.path.join(d, "results/pipeline_info/plan.json")))
tasks = list(csv.DictReader(open(os.path.join(d, "trace.tsv")), delimiter="\t"))
# the files each task wrote (staged inputs are symlinks, so regular files only), by the kind the plan names
kind_of = {"TOKENIZE": "token shards", "MERGE": "merged moments", "FINALISE": "summaries", "STATS_FINAL": "statistics"}
found = {}
for t in tasks:
    proc = t["process"].split(":")[-1]
    wd = glob.glob(os.path.join(d, "work", t["hash"] + "*"))
    if not wd:
        continue
    files = [os.path.join(r, n) for r, _, names in os.walk(wd[0]) for n in names if n.endswith(".h5")]
    for f in files:
        if os.path.islink(f):  # a staged input
            continue
        if proc == "CORRELATE_FUSED":
            kind = "partial statistics" if f.endswith(".stats-partial.h5") else "partial moments"
        else:
            kind = kind_of.get(proc)
        if kind:
            n, b = found.get(kind, (0, 0))
            found[kind] = (n + 1, b + os.path.getsize(f))
rows = [("item", "planned", "measured", "measured / planned")]
def add(item, planned, measured):
    rows.append((item, str(planned), str(measured), "%.3f" % (measured / planned) if planned else "-"))
for kind, v in plan["disk"].items():
    n, b = found.get(kind, (0, 0))
    add("files: " + kind, v["files"], n)
    add("bytes: " + kind, v["bytes"], b)
peak = int(open(os.path.join(d, "peak_work_bytes")).read())
add("work/ at peak (bytes; sampled every 2 s, Nextflow's own files included)", plan["peak_disk"], peak)
for proc, m in plan["memory"].items():
    rss = [int(t["peak_rss"]) for t in tasks if t["process"].endswith(proc) and t["peak_rss"] not in ("", "-")]
    if rss:
        add("tasks: " + proc, m["tasks"], len(rss))
        add("peak RSS of the largest %s task (bytes) vs planned heap + native" % proc, m["heap"] + m["native"], max(rss))
        add("peak RSS of the largest %s task (bytes) vs planned request" % proc, m["request"], max(rss))
add("tasks: all", plan["total_tasks"], len(tasks))
with open(os.path.join(d, "rehearsal.tsv"), "w") as out:
    for r in rows:
        out.write("\t".join(r) + "\n")
w = max(len(r[0]) for r in rows)
for r in rows:
    print("%-*s  %16s  %16s  %s" % (w, r[0], r[1], r[2], r[3]))
PY
cp "$dir/results/pipeline_info/plan.txt" "$dir/plan.txt"
$keep || rm -rf "$dir/work"
echo "scale-rehearsal: measured against planned in $dir/rehearsal.tsv; the plan in $dir/plan.txt"
