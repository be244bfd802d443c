#!/usr/bin/env bats
# Every module alone (tests/modules/main.nf): one -stub-run launch in setup_file runs each module once on
# placeholder inputs shaped as the DAG gives them, then each test reads what its module emitted
# (outputs.tsv: PROCESS, emit, meta.id, file names) and the versions.yml its stub wrote.

load helpers

setup_file() {
    export WORK FIX
    WORK="$(work_dir modules)" FIX="$(work_dir modules)/fixtures"
    mkdir -p "$FIX/seed1" "$FIX/seed2" "$FIX/3f2a9c1e" "$FIX/control" "$FIX/tables/trained" "$FIX/tables/control" \
             "$FIX/families/trained/families" "$FIX/families/control/families" "$FIX/roles/seed1/roles" \
             "$FIX/roles/seed2/roles" "$FIX/roles/control/roles" "$FIX/interventions/trained/interventions" \
             "$FIX/interventions/control/interventions" "$FIX/dynamics/dynamics"
    (cd "$FIX" && touch tool.jar a.txt b.jsonl train.00000.h5 train.00001.h5 analysis.00000.h5 analysis.00001.h5 \
        seed1.analysis.00000.h5 seed2.analysis.00000.h5 seed1__seed2.analysis.00000.h5 seed1__seed2.analysis.00001.h5 \
        seed1__seed2.moments.h5 seed1.analysis.00000.stats-partial.h5 seed1.analysis.00001.stats-partial.h5 \
        seed1__seed2.summary.h5 seed2__seed1.summary.h5 seed1.stats.h5 seed2.stats.h5 timing.tsv \
        seed1/config.json seed2/config.json control/config.json tables/trained/neurons.csv tables/control/neurons.csv \
        universal.csv)
    local rc=0
    (cd "$WORK" && timeout -k 30 300 "$NF" run "$ROOT/tests/modules/main.nf" -ansi-log false -stub-run \
        -c "$ROOT/nextflow.config" --fixtures "$FIX" --outdir "$WORK/results") >"$WORK/modules.log" 2>&1 || rc=$?
    echo "$rc" >"$WORK/modules.rc"
}

# emitted PROCESS EMIT: the "meta.id <tab> files" of every item PROCESS emitted on EMIT, sorted
emitted() {
    [[ "$(cat "$WORK/modules.rc")" == 0 ]] || fail "the module stub run failed" "$WORK/modules.log"
    awk -F'\t' -v p="$1" -v e="$2" '$1 == p && $2 == e { print $3 "\t" $4 }' "$WORK/results/outputs.tsv" | sort
}

# versions_of PROCESS: the versions.yml of PROCESS's (first) task
versions_of() {
    local run
    run="$(grep -l "^### name: '$1 (" "$WORK"/work/*/*/.command.run | head -n 1)"
    [[ -n "$run" ]] || { echo "no task of $1" >&2; return 1; }
    cat "$(dirname "$run")/versions.yml"
}

# expect PROCESS EMIT LINE...: PROCESS emitted exactly these items on EMIT, and its stub wrote versions.yml for TOOL
expect() {
    local process="$1" emit="$2" got want
    shift 2
    got="$(emitted "$process" "$emit")" want="$(printf '%s\n' "$@" | sort)"
    [[ "$got" == "$want" ]] || fail "$process.$emit: expected ${want//$'\n'/ | }; got: ${got//$'\n'/ | }" "$WORK/modules.log"
}

# task_memory PROCESS: the memory PROCESS's task asked for, as the trace prints it
task_memory() {
    awk -F'\t' -v p="$1" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next } $h["process"] == p { print $h["memory"] }' \
        "$(ls -t "$WORK"/results/pipeline_info/execution_trace_*.txt | head -n 1)"
}

expect_versions() {
    local got
    got="$(versions_of "$1")"
    [[ "$got" == "\"$1\":"$'\n'"    $2: stub" ]] || fail "$1: versions.yml is: $got" "$WORK/modules.log"
}

@test "module CORPUS: train, tune and analysis shards, the vocabulary" {
    expect CORPUS train $'demo\ttrain.00000.h5 train.00001.h5'
    expect CORPUS tune $'demo\ttune.00000.h5'
    expect CORPUS analysis $'demo\tanalysis.00000.h5 analysis.00001.h5'
    expect CORPUS vocab $'demo\tvocab.json'
    expect_versions CORPUS corpus
}

@test "module TOKENIZE: shards named after meta.id" {
    expect TOKENIZE shards $'corpus\tcorpus.00000.h5 corpus.00001.h5'
    expect_versions TOKENIZE tokenize
}

@test "module TRAIN: a checkpoint directory named after the model" {
    expect TRAIN checkpoint $'seed1\tseed1/ seed1/config.json seed1/model.safetensors seed1/train_log.csv' \
                            $'w32-seed1\tw32-seed1/ w32-seed1/config.json w32-seed1/model.safetensors w32-seed1/steps w32-seed1/train_log.csv'
    expect_versions TRAIN train
    # a study's run: its width and the steps it saves reach the tool, the steps' checkpoints are in the directory
    local run dir
    run="$(grep -l "^### name: 'TRAIN (w32-seed1)'" "$WORK"/work/*/*/.command.run)" dir="$(dirname "$run")"
    grep -qx 'save steps: 2,4' "$dir/.command.out" || fail "TRAIN (w32-seed1) does not save steps 2,4" "$dir/.command.out"
    grep -q -- '--d-model 32 --d-mlp 128' "$dir/.command.out" || fail "TRAIN (w32-seed1) is not of width 32" "$dir/.command.out"
    [[ -s "$dir/w32-seed1/steps/step000002/config.json" && -e "$dir/w32-seed1/steps/step000004/model.safetensors" ]] \
        || fail "no steps/stepNNNNNN checkpoints in TRAIN (w32-seed1)'s directory" "$WORK/modules.log"
    run="$(grep -l "^### name: 'TRAIN (seed1)'" "$WORK"/work/*/*/.command.run)"
    grep -qx 'save steps: none' "$(dirname "$run")/.command.out" || fail "the demo's TRAIN (seed1) saves steps" "$WORK/modules.log"
}

@test "module EXTRACT: activations named model.shard" {
    expect EXTRACT activations $'seed1.analysis.00000\tseed1.analysis.00000.h5'
    expect_versions EXTRACT extract
}

@test "module CORRELATE: two activation files (no shard) -> the pair's partial on that shard" {
    expect CORRELATE partial $'seed1__seed2.analysis.00000\tseed1__seed2.analysis.00000.h5'
    expect_versions CORRELATE correlate
}

@test "module CORRELATE_FUSED: a chunk of shards + checkpoints, one block -> a partial per pair, the statistics of seed1" {
    expect CORRELATE_FUSED partials $'c00000.L00-00\tcontrol__seed2.c00000.L00-00.h5 seed1.c00000.L00-00.stats-partial.h5 seed1__seed2.c00000.L00-00.h5'
    expect_versions CORRELATE_FUSED correlate-fused
    # the tool's inputs: checkpoints in the models' order (seed2 as NAME=DIR: its directory has another name), the
    # chunk's shards sorted by name, the task's name, the block, the statistics; --stats-top-k only with statistics;
    # the plan's memory request (3,072 MiB)
    local out
    out="$(grep -h '^inputs: ' "$WORK"/work/*/*/.command.out)"
    [[ "$out" == 'inputs: --checkpoint models/1/seed1 --checkpoint seed2=models/2/3f2a9c1e --checkpoint models/3/control --pair seed1:seed2 --pair control:seed2 --shard shards/analysis.00000.h5 --shard shards/analysis.00001.h5 --chunk c00000.L00-00 --layers-a 0-0 --stats-model seed1' ]] \
        || fail "CORRELATE_FUSED inputs: $out" "$WORK/modules.log"
    grep -q -- '--stats-top-k 50' "$(dirname "$(grep -l "^### name: 'CORRELATE_FUSED" "$WORK"/work/*/*/.command.run)")/.command.out" \
        || fail "no --stats-top-k in CORRELATE_FUSED's ext.args" "$WORK/modules.log"
    awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next } $h["process"] ~ /CORRELATE_FUSED/ { print $h["memory"] }' \
        "$(ls -t "$WORK"/results/pipeline_info/execution_trace_*.txt | head -n 1)" | grep -qx '3 GB' \
        || fail "CORRELATE_FUSED did not ask for the plan's 3,072 MiB" "$WORK/modules.log"
}

@test "module MERGE: the pair's partials -> moments" {
    expect MERGE moments $'seed1__seed2\tseed1__seed2.moments.h5'
    expect_versions MERGE merge
}

@test "module FINALISE: moments -> summary" {
    expect FINALISE summary $'seed1__seed2\tseed1__seed2.summary.h5'
    expect_versions FINALISE finalise
}

@test "module STATS_PARTIAL and STATS_FINAL: partial statistics per shard, statistics per model" {
    expect STATS_PARTIAL partial $'seed1.analysis.00000\tseed1.analysis.00000.stats-partial.h5'
    expect STATS_FINAL stats $'seed1\tseed1.stats.h5'
    expect_versions STATS_PARTIAL stats-partial
    expect_versions STATS_FINAL stats-final
}

@test "module UNIVERSALITY: the group's directory, and the table REPORT reads (mode all: the anchor's)" {
    expect UNIVERSALITY tables $'trained\ttrained/ trained/layer_fractions.csv trained/neurons.csv trained/neurons.h5 trained/percentiles.csv' \
                               $'all\tall/ all/seed2'
    expect UNIVERSALITY table $'trained\ttrained/ trained/layer_fractions.csv trained/neurons.csv trained/neurons.h5 trained/percentiles.csv' \
                              $'all\tseed2/ seed2/layer_fractions.csv seed2/neurons.csv seed2/neurons.h5 seed2/percentiles.csv'
    expect_versions UNIVERSALITY universality
}

@test "module FAMILIES: the group's table, its model's checkpoint and the shards -> families/" {
    expect FAMILIES families $'trained\tfamilies/ families/families.csv families/families.h5'
    expect_versions FAMILIES families
    local out
    out="$(grep -h '^families table: ' "$WORK"/work/*/*/.command.out)"
    [[ "$out" == 'families table: table/trained/neurons.csv, checkpoint seed1, shards shards/analysis.00000.h5 shards/analysis.00001.h5' ]] \
        || fail "FAMILIES got: $out" "$WORK/modules.log"
}

@test "module WEIGHTS: a model's checkpoint -> roles/ (roles.csv, roles_layers.csv, attention_scores.h5)" {
    expect WEIGHTS roles $'seed1\troles/ roles/attention_scores.h5 roles/roles.csv roles/roles_layers.csv'
    expect_versions WEIGHTS weights
    local out
    out="$(grep -h '^weights checkpoint: ' "$WORK"/work/*/*/.command.out)"
    [[ "$out" == 'weights checkpoint: seed1 seed1' ]] || fail "WEIGHTS got: $out" "$WORK/modules.log"
    [[ "$(task_memory WEIGHTS)" == '5 GB' ]] || fail "WEIGHTS did not ask for the plan's 5,120 MiB" "$WORK/modules.log"
}

@test "module INTERVENE: the group's table model's checkpoint, its roles and the shards -> interventions/" {
    expect INTERVENE interventions $'trained\tinterventions/ interventions/attention.csv interventions/attention_points.h5 interventions/entropy.csv interventions/prediction.csv'
    expect_versions INTERVENE intervene
    local out
    out="$(grep -h '^intervene checkpoint: ' "$WORK"/work/*/*/.command.out)"
    [[ "$out" == 'intervene checkpoint: seed1 seed1, roles roles/roles/roles.csv, shards shards/analysis.00000.h5 shards/analysis.00001.h5' ]] \
        || fail "INTERVENE got: $out" "$WORK/modules.log"
    [[ "$(task_memory INTERVENE)" == '6 GB' ]] || fail "INTERVENE did not ask for the plan's 6,144 MiB" "$WORK/modules.log"
}

@test "module REPORT: report/index.html; the tables staged one directory per group, in order; the reference table" {
    expect REPORT report $'report\treport/ report/index.html'
    expect_versions REPORT report
    local out
    out="$(grep -h '^tables: ' "$WORK"/work/*/*/.command.out)"
    [[ "$out" == 'tables: groups/1/trained groups/2/control' ]] || fail "REPORT got: $out" "$WORK/modules.log"
    out="$(grep -h '^reference: ' "$WORK"/work/*/*/.command.out)"
    [[ "$out" == 'reference: reference/universal.csv' ]] || fail "REPORT got: $out" "$WORK/modules.log"
    out="$(grep -h '^families: ' "$WORK"/work/*/*/.command.out)"
    [[ "$out" == 'families: families/1/families families/2/families' ]] || fail "REPORT got: $out" "$WORK/modules.log"
    out="$(grep -h '^roles: ' "$WORK"/work/*/*/.command.out)"
    [[ "$out" == 'roles: roles/1/roles roles/2/roles roles/3/roles' ]] || fail "REPORT got: $out" "$WORK/modules.log"
    out="$(grep -h '^interventions: ' "$WORK"/work/*/*/.command.out)"
    [[ "$out" == 'interventions: interventions/1/interventions interventions/2/interventions' ]] \
        || fail "REPORT got: $out" "$WORK/modules.log"
    out="$(grep -h '^dynamics: ' "$WORK"/work/*/*/.command.out)"
    [[ "$out" == 'dynamics: dynamics/dynamics' ]] || fail "REPORT got: $out" "$WORK/modules.log"
}

@test "module DYNAMICS: every cell's table with its key SIZE,STEP,KIND -> dynamics/" {
    expect DYNAMICS dynamics $'dynamics\tdynamics/ dynamics/curves.csv dynamics/layers.csv dynamics/onset.csv dynamics/persistence.csv dynamics/trajectories.csv'
    expect_versions DYNAMICS dynamics
    local out
    out="$(grep -h '^dynamics tables: ' "$WORK"/work/*/*/.command.out)"
    [[ "$out" == 'dynamics tables: w32,4,trained=tables/1/trained w32,4,control=tables/2/control' ]] \
        || fail "DYNAMICS got: $out" "$WORK/modules.log"
}
