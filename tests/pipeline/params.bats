#!/usr/bin/env bats
# Parameter checks (lib/ParamsValidator.groovy), the models samplesheet (lib/Samplesheet.groovy) and the checkpoint
# check (lib/CheckpointCheck.groovy): bad params, sheets or checkpoints stop the run before any task starts, with one
# clear line per problem. The validator reports every problem of a run at once, so the cases are batched: one launch
# per batch below (four launches instead of one per case), and each case is still its own test, which reads its
# line in its batch's log. Cases of one batch are independent params; rules that tie params together are checked
# only when every param is valid on its own, so each of those gets a batch without single-param errors.

load helpers

# batch NAME args...: one stub-run launch with these params; its log is $WORK/NAME.log, its exit code $WORK/NAME.rc
batch() {
    local name="$1" rc=0
    shift
    run_nf "$WORK/params" "$WORK/$name.log" -stub-run --outdir "$WORK/params/results" "$@" || rc=$?
    echo "$rc" >"$WORK/$name.rc"
}

setup_file() {
    export WORK HF IDS
    WORK="$(work_dir params)" HF="$ROOT/java-tasks/testdata/hf" IDS="$ROOT/assets/demo/ids.npy"
    batch help --help
    batch single --bogus 1 --seqs-per-shard 4 --ctx abc --dtype float64 --control maybe --pairs some --seeds 1 \
        --input no-such-file.txt --demo_tarball none.tgz --models "$HF/gpt2-tiny,$WORK/none" --reference_table none.csv \
        --threshold 1 --analysis_fraction 1.5 --tune_fraction 0 --lr 0 --max_task_memory 0 --demo_top_k 60000 \
        --batch_size 3000000000 --gpu_tflops 0 --treshold 0.3 --hooks mlp_post,foo,mlp_post --filter_ids=-1 \
        --corpus_name 'my corpus'
    # the same checks for the values of a -params-file (YAML types: a float for an integer, a list for a string)
    mkdir -p "$WORK/yaml"
    printf 'seeds: 2.5\ntune_fraction: 1.0\nfilter_ids: [198, 50256]\nhooks: [mlp_post, mlp_post]\nbogus_yaml: 1\n' >"$WORK/yaml/bad.yaml"
    batch yaml -params-file "$WORK/yaml/bad.yaml"
    batch same_name --input "$IDS" --models "$HF/gpt2-tiny,$HF/gpt2-tiny"
    batch input_alone --input "$IDS" --hooks mlp_post
    batch models_alone --models "$HF/gpt2-tiny,$HF/neox-tiny"
    # samplesheets: a missing column; a duplicate name, a missing path, a name that cannot name files
    mkdir -p "$WORK/sheets" "$WORK/no-config"
    printf 'name,dir\nanchor,%s\nother,%s\n' "$HF/neox-tiny" "$HF/gpt2-tiny" >"$WORK/sheets/columns.csv"
    printf 'name,path\nanchor,%s\nanchor,%s\nthird,%s\na__b,%s\n' "$HF/neox-tiny" "$HF/gpt2-tiny" "$WORK/sheets/none" "$HF/gpt2-tiny" \
        >"$WORK/sheets/rows.csv"
    batch sheet_columns --input "$IDS" --models "$WORK/sheets/columns.csv"
    batch sheet_rows --input "$IDS" --models "$WORK/sheets/rows.csv"
    # a checkpoint directory without config.json; a context longer than a model's (runs of 64 tokens start INTERVENE's
    # path ablation within them)
    batch checkpoint --input "$IDS" --models "$HF/gpt2-tiny,$WORK/no-config" --ctx 64 --intervene_after_pos 16
    batch context --input "$IDS" --models "$HF/neox-tiny,$HF/gpt2-tiny" --ctx 128
    # fused runs write no activation files to publish
    batch fused_activations --input "$IDS" --models "$HF/neox-tiny,$HF/gpt2-tiny" --ctx 64 --intervene_after_pos 16 \
        --save_activations true
    # INTERVENE's path ablation from the demo's sequence length on
    batch after_pos --intervene_after_pos 128
}

# expect_error BATCH EXPECTED: the batch's run failed, printed a line starting with EXPECTED, and started no task
expect_error() {
    local log="$WORK/$1.log"
    [[ "$(cat "$WORK/$1.rc")" != 0 ]] || fail "the run succeeded, expected it to stop" "$log"
    awk -v e="$2" 'index($0, e) == 1 { found = 1 } END { exit !found }' "$log" \
        || fail "expected a line starting with: $2" "$log"
    ! grep -q 'Submitted process' "$log" || fail "a task started before the params were rejected" "$log"
}

@test "params: --help prints every parameter of the schema with its description, and starts nothing" {
    [[ "$(cat "$WORK/help.rc")" == 0 ]] || fail "--help failed" "$WORK/help.log"
    local name missing=()
    for name in $(grep -o '^        "[a-z_0-9]*": {' "$ROOT/nextflow_schema.json" | sed 's/^ *"\([a-z_0-9]*\)".*/\1/'); do
        grep -q -- "^  --$name " "$WORK/help.log" || missing+=("$name")
    done
    ((${#missing[@]} == 0)) || fail "--help does not list: ${missing[*]}" "$WORK/help.log"
    grep -q '^      Tokens per sequence' "$WORK/help.log" || fail "no description under --ctx" "$WORK/help.log"
    ! grep -q 'Submitted process' "$WORK/help.log" || fail "--help started a task" "$WORK/help.log"
}

@test "params: an unknown name" {
    expect_error single "--bogus: unknown parameter (known: --analysis_fraction"
}
@test "params: a misspelt name gets the nearest known one" {
    expect_error single "--treshold: unknown parameter (did you mean --threshold?)"
}
@test "params: a kebab-case name" {
    expect_error single "--seqs-per-shard: unknown parameter (did you mean --seqs_per_shard? parameter names use underscores)"
}
@test "params: a wrong type" {
    expect_error single "--ctx: 'abc' is not an integer (expected integer >= 2 and <= 2147483647)"
}
@test "params: a value outside an enum" {
    expect_error single "--dtype: 'float64' is not allowed (expected one of float32, float16)"
}
@test "params: a wrong boolean" {
    expect_error single "--control: 'maybe' is not a boolean (expected true or false)"
}
@test "params: a wrong pairs mode" {
    expect_error single "--pairs: 'some' is not allowed (expected one of anchor, all)"
}
@test "params: below the minimum" {
    expect_error single "--seeds: 1 is below the minimum 2"
}
@test "params: a threshold of 1 or more (exclusiveMaximum: excess correlation never reaches 1)" {
    expect_error single "--threshold: 1 is not below 1 (expected number >= 0 and < 1)"
}
@test "params: a fraction of 1 or more (exclusiveMaximum)" {
    expect_error single "--analysis_fraction: 1.5 is not below 1 (expected number > 0 and < 1)"
}
@test "params: a fraction of 0 (exclusiveMinimum)" {
    expect_error single "--tune_fraction: 0 is not above 0 (expected number > 0 and < 1)"
}
@test "params: a learning rate and a memory limit of 0 (exclusiveMinimum)" {
    expect_error single "--lr: 0 is not above 0 (expected number > 0)"
    expect_error single "--max_task_memory: 0 is not above 0 (expected number > 0)"
}
@test "params: above the maximum: more ids than GPT-2 has, a batch beyond a 32-bit int" {
    expect_error single "--demo_top_k: 60000 is above the maximum 50257"
    expect_error single "--batch_size: 3000000000 is above the maximum 2147483647"
}
@test "params: a bound's edge is accepted (gpu_tflops 0: no GPU-hour estimate)" {
    ! grep -q -- '^--gpu_tflops' "$WORK/single.log" || fail "gpu_tflops 0 was refused" "$WORK/single.log"
}
@test "params: a list param: every item is checked, and the items must differ (uniqueItems); one line per problem" {
    expect_error single "--hooks: 'foo' is not allowed (expected one of mlp_post, mlp_pre)"
    expect_error single "--hooks: 'mlp_post,foo,mlp_post' repeats mlp_post (expected distinct items)"
    [[ "$(grep -c -- '^--hooks: ' "$WORK/single.log")" == 2 ]] || fail "not one line per problem of --hooks" "$WORK/single.log"
}
@test "params: a param of several types (filter_ids: ids as text, or one id as a number): the number's minimum" {
    expect_error single "--filter_ids: -1 is below the minimum 0"
}
@test "params: a value not matching its pattern" {
    expect_error single "--corpus_name: 'my corpus' does not match ^[A-Za-z0-9_-]+\$"
}
@test "params: the values of a -params-file are checked alike, one line each" {
    expect_error yaml "--bogus_yaml: unknown parameter (known: --analysis_fraction"
    expect_error yaml "--seeds: '2.5' is not an integer (expected integer >= 2 and <= 2147483647)"
    expect_error yaml "--tune_fraction: 1.0 is not below 1 (expected number > 0 and < 1)"
    expect_error yaml "--filter_ids: '198,50256' is not a string or an integer (expected string or integer matching ^(|none|[0-9]+(,[0-9]+)*)\$ and >= 0)"
    expect_error yaml "--hooks: 'mlp_post,mlp_post' repeats mlp_post (expected distinct items)"
    [[ "$(grep -c -- '^--' "$WORK/yaml.log")" == 5 ]] || fail "expected 5 lines, one per problem" "$WORK/yaml.log"
}
@test "params: a missing input file" {
    expect_error single "--input: no-such-file.txt: no such file"
}
@test "params: a missing demo tarball" {
    expect_error single "--demo_tarball: none.tgz: no such file"
}
@test "params: a missing reference table" {
    expect_error single "--reference_table: none.csv: no such file"
}
@test "params: a missing model directory" {
    expect_error single "--models: $WORK/none: no such directory"
}
@test "params: two models of the same name" {
    expect_error same_name "--models: directory names must differ, they name the outputs (repeated: gpt2-tiny)"
}
@test "params: models need input" {
    expect_error models_alone "--models: needs --input"
}
@test "params: input needs models" {
    expect_error input_alone "--input: needs --models"
}
@test "params: hooks must hold mlp_pre and mlp_post" {
    expect_error input_alone "--hooks: must hold mlp_post and mlp_pre"
}

@test "params: a samplesheet without a path column" {
    expect_error sheet_columns "--models: $WORK/sheets/columns.csv: missing column path (header: name,dir; expected name,path)"
}
@test "params: a samplesheet with a duplicate name" {
    expect_error sheet_rows "--models: $WORK/sheets/rows.csv line 3: duplicate name 'anchor' (also line 2); names must differ, they name the outputs"
}
@test "params: a samplesheet with a missing path" {
    expect_error sheet_rows "--models: $WORK/sheets/rows.csv line 4: $WORK/sheets/none: no such directory"
}
@test "params: a samplesheet name with the pair separator" {
    expect_error sheet_rows "--models: $WORK/sheets/rows.csv line 5: name 'a__b' contains '__', which separates the two models of a pair in file names"
}
@test "checkpoints: a directory without config.json is refused before any task" {
    expect_error checkpoint "--models: checkpoint no-config: no config.json in $WORK/no-config"
}
@test "checkpoints: a context longer than a model's is refused before any task" {
    expect_error context "--ctx: 128 is longer than the context of gpt2-tiny (n_ctx 64)"
}
@test "params: save_activations needs staged correlation (checkpoint runs are fused by default)" {
    expect_error fused_activations "--save_activations: fused correlation writes no activation files (correlate_mode auto is fused for checkpoint runs); set --correlate_mode staged to keep them"
}

# a samplesheet names the checkpoints: the names reach the outputs, and the tools get NAME=DIR where the directory has
# another name (Hugging Face snapshots are named by commit hash); the reference table reaches REPORT
@test "params: INTERVENE's path ablation must start inside its sequences (min(ctx, 256) tokens)" {
    expect_error after_pos "--intervene_after_pos: 128 leaves no query position in INTERVENE's sequences of 128 tokens (ctx 128, at most 256); lower it or set --intervene false"
}

@test "params: a samplesheet names the models; fused tasks get NAME=DIR; REPORT gets reference_table" {
    local dir="$WORK/sheet" log="$WORK/sheet.log" out
    mkdir -p "$dir"
    printf 'name,path\nanchor,%s\n"other",%s\n' "$HF/neox-tiny" "$HF/gpt2-tiny" >"$dir/models.csv"
    run_stub "$dir" "$log" --input "$IDS" --models "$dir/models.csv" --ctx 64 --intervene_after_pos 16 --outdir "$dir/results" \
        --reference_table "$ROOT/java-tasks/testdata/paper-tables/pythia-160m/universal.csv" \
        || fail "the run with a samplesheet failed" "$log"
    out="$(grep -h '^reference: ' "$dir"/work/*/*/.command.out)"
    [[ "$out" == 'reference: reference/universal.csv' ]] || fail "REPORT got: $out" "$log"
    grep -q '^run: models anchor, other; anchor anchor; 1 pair' "$log" || fail "the models are not named by the sheet" "$log"
    [[ -f "$dir/results/correlations/anchor__other.summary.h5" && -f "$dir/results/stats/anchor.stats.h5" ]] \
        || fail "no outputs named after the sheet's models" "$log"
    out="$(grep -h '^inputs: ' "$dir"/work/*/*/.command.out)"
    [[ "$out" == 'inputs: --checkpoint anchor=models/1/neox-tiny --checkpoint other=models/2/gpt2-tiny --pair anchor:other '* ]] \
        || fail "CORRELATE_FUSED inputs: $out" "$log"
}

# user checkpoints instead of the demo: list params as a YAML list and as a comma string, one filter id as a number;
# the first model anchors
@test "params: list params as a YAML list and as a comma string; given checkpoints, the first anchors" {
    local dir="$WORK/lists" log="$WORK/list_forms.log"
    mkdir -p "$dir"
    cat >"$dir/params.yaml" <<YAML
input:
  - $ROOT/assets/demo/ids.npy
corpus_name: demo
vocab_size: 900
bos_id: 0
models:
  - $ROOT/java-tasks/testdata/hf/neox-tiny
  - $ROOT/java-tasks/testdata/hf/gpt2-tiny
hooks: mlp_post, mlp_pre
save_activations: true
correlate_mode: staged
ctx: 64
intervene_after_pos: 16
YAML
    run_stub "$dir" "$log" -params-file "$dir/params.yaml" --outdir "$dir/results" --filter_ids 0 \
        || fail "YAML list models + comma string hooks: the run failed" "$log"
    [[ "$(grep -h '^reference: ' "$dir"/work/*/*/.command.out)" == 'reference: none' ]] || fail "REPORT got a reference table" "$log"
    grep -rq --include=.command.sh -- '--hooks mlp_post,mlp_pre' "$dir/work" || fail "extract was not given --hooks mlp_post,mlp_pre" "$log"
    grep -rq --include=.command.sh -- '--vocab-size 900 --bos-id 0' "$dir/work" || fail "tokenize was not given --vocab-size 900 --bos-id 0" "$log"
    # --filter_ids 0 reaches Nextflow as the number 0 (string or integer), and tokenize still gets it
    grep -rq --include=.command.sh -- '--filter-ids 0' "$dir/work" || fail "tokenize was not given --filter-ids 0" "$log"
    [[ -f "$dir/results/activations/neox-tiny/demo.00000.h5" && -f "$dir/results/correlations/neox-tiny__gpt2-tiny.summary.h5" \
        && ! -e "$dir/results/correlations/gpt2-tiny__neox-tiny.summary.h5" && ! -e "$dir/results/models" ]] \
        || fail "expected the given checkpoints (no training), neox-tiny as the anchor" "$log"
    local trace
    trace="$(newest_trace "$dir/results")"
    [[ "$(tasks_with COMPLETED "$trace")" == "$(plan_tasks "$log")" ]] \
        || fail "tasks differ from the plan: $(tasks_with COMPLETED "$trace" | paste -sd' ') vs $(plan_tasks "$log" | paste -sd' ')" "$log"
}
