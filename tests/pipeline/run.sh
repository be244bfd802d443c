#!/usr/bin/env bash
# Pipeline tests: run Nextflow through ./nextflow on the repo's own small inputs and check what it did.
#
#   bash tests/pipeline/run.sh            # all tests
#   bash tests/pipeline/run.sh stub real  # only tests whose name contains one of the words
#
# Tests (each prints PASS/FAIL with the reason; the last line is "N passed, M failed"; exit 1 on any failure):
#   launcher_version        ./nextflow -version works (fetches Nextflow on first use)
#   launcher_rebuilds       a source file newer than the jars makes ./nextflow rebuild them, once
#   config_<profile>        the configuration of each profile resolves (standard, test, gpu, slurm,gpu, docker, apptainer)
#   params_*                bad params stop the run with one clear line before any task starts
#   params_list_forms       list params given as a YAML list and as a comma string both work
#   demo_params_file        params/demo.yaml holds exactly the defaults of nextflow.config
#   stub_run                -stub-run of the whole default (demo) DAG publishes every expected file, and the reports
#   real_run                -profile test: the whole demo DAG for real (corpus, train, extract, correlate, merge,
#                           finalise, stats, universality, report); report/index.html with its figures and numbers,
#                           and its Timings table with one row per process that ran before REPORT (tasks as traced)
#   resume_all_cached       the same run with -resume: every task cached, published outputs identical
#   changed_jar_reruns      a touched extract.jar re-runs extract (corpus and train stay cached); same neurons.csv
#   fail_once_resume        a run whose first extract task fails once (UN_TEST_FAIL_ONCE) stops; -resume finishes
#                           it with the same neurons.csv as the uninterrupted run
#   stub_fused              -stub-run of the demo DAG with correlate_mode fused: one CORRELATE_FUSED task per shard,
#                           extract only for the models that get statistics, the same published files as stub_run
#   fused_equals_staged     -profile test --correlate_mode fused (resuming real_run's work: corpus, train and the
#                           anchor's and control's extract cached): the same neurons.csv tables as staged, to 1e-6
#   slurm                   -profile test,slurm,gpu on a one-node SLURM on loopback that the test installs and starts
#                           (tests/pipeline/slurm.sh): every task a SLURM job, GPU tasks with --gres=gpu:1, the same
#                           neurons.csv as real_run; SKIP (not a failure) where SLURM cannot be installed or started
# Work happens in a temporary directory (kept on failure, its path printed); the repo is not written to
# except by ./nextflow's own caches (.cache, .nxf-home) and the java-tasks build. The last line is
# "N passed, M failed, K skipped".
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NF="$ROOT/nextflow"
MAIN="$ROOT/main.nf"
export DJL_OFFLINE=true OPT_OUT_TRACKING=true
WORK="$(mktemp -d "${TMPDIR:-/tmp}/un-pipeline-tests.XXXXXX")"
FILTER=("$@")

passed=0
failed=0
skipped=0
failures=()
skips=()

# run_nf DIR LOG args...: runs ./nextflow in launch directory DIR, output in LOG; returns Nextflow's exit code
run_nf() {
    local dir="$1" log="$2"
    shift 2
    mkdir -p "$dir"
    (cd "$dir" && "$NF" run "$MAIN" -ansi-log false "$@") >"$log" 2>&1
}

pass() { passed=$((passed + 1)); echo "PASS $1"; }
skip() { skipped=$((skipped + 1)); skips+=("$1"); echo "SKIP $1: $2"; }
fail() {
    failed=$((failed + 1))
    failures+=("$1")
    echo "FAIL $1: $2"
    [[ -z "${3:-}" || ! -f "${3:-}" ]] || { echo "---- last lines of $3:"; tail -n 25 "$3" | sed 's/^/    /'; echo "----"; }
}

selected() {
    ((${#FILTER[@]} == 0)) && return 0
    local w
    for w in "${FILTER[@]}"; do [[ "$1" == *"$w"* ]] && return 0; done
    return 1
}

# status_counts TRACE: "STATUS count" lines of a trace file (by column name, not position)
status_counts() {
    awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "status") c = i; next } { n[$c]++ }
                END { for (s in n) print s, n[s] }' "$1" | sort
}

# process_status TRACE: "process status" per task
process_status() {
    awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "status") c = i; if ($i == "process") p = i }; next }
                { print $p, $c }' "$1" | sort
}

# checksums DIR: sha256 of every published result except the per-run reports
checksums() {
    (cd "$1" && find . -type f -not -path './pipeline_info/*' | sort | xargs -r sha256sum)
}

is_hdf5() { [[ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" == "894844460d0a1a0a" ]]; }

# --- launcher -----------------------------------------------------------------------------------------
test_launcher_version() {
    local log="$WORK/version.log"
    if ! "$NF" -version >"$log" 2>&1; then fail launcher_version "./nextflow -version failed" "$log"; return; fi
    grep -q 'version 24.10.0' "$log" && pass launcher_version || fail launcher_version "no 'version 24.10.0' in the output" "$log"
}

# every task shares java-tasks/dist/lib: one version per library, or a task may load the wrong one
test_dist_lib_unique() {
    local dups
    dups="$(ls "$ROOT/java-tasks/dist/lib" | sed -E 's/-[0-9][0-9A-Za-z.]*(-[0-9][0-9A-Za-z.]*)*(-linux-x86_64)?\.jar$/\2/' | sort | uniq -d)"
    [[ -z "$dups" ]] && pass dist_lib_unique || fail dist_lib_unique "several versions of: ${dups//$'\n'/, }"
}

# a source file newer than the task jars makes ./nextflow rebuild them before the run
test_launcher_rebuilds() {
    local log="$WORK/rebuild.log" src jar="$ROOT/java-tasks/dist/tokenize.jar"
    src="$(find "$ROOT/java-tasks/tokenize/src/main" -name '*.java' | head -n 1)"
    touch "$src"
    if ! run_nf "$WORK/rebuild" "$log" -stub-run --outdir "$WORK/rebuild/results"; then
        fail launcher_rebuilds "the run after touching ${src#"$ROOT"/} failed" "$log"
    elif ! grep -q '^nextflow launcher: building task jars' "$log"; then
        fail launcher_rebuilds "no rebuild after touching ${src#"$ROOT"/}" "$log"
    elif [[ "$jar" -ot "$src" ]]; then
        fail launcher_rebuilds "tokenize.jar is still older than ${src#"$ROOT"/}" "$log"
    elif ! run_nf "$WORK/rebuild" "$log.2" -stub-run --outdir "$WORK/rebuild/results" \
            || grep -q '^nextflow launcher: building' "$log.2"; then
        fail launcher_rebuilds "the next run rebuilt again (or failed)" "$log.2"
    else
        pass launcher_rebuilds
    fi
}

# the config of every profile resolves; profile:pattern that the resolved config must hold
test_config_profiles() {
    local spec profile pattern log
    for spec in 'standard:resourceLimits = \[cpus:' 'test:resourceLimits = \[cpus:' \
                'gpu:accelerator = 1' "slurm,gpu:executor = 'slurm'" 'docker:enabled = true' 'apptainer:enabled = true'; do
        profile="${spec%%:*}" pattern="${spec#*:}"
        log="$WORK/config-${profile/,/-}.log"
        if ! "$NF" config -profile "$profile" "$ROOT" >"$log" 2>&1; then
            fail "config_$profile" "./nextflow config -profile $profile failed" "$log"
        elif ! grep -q -- "$pattern" "$log"; then
            fail "config_$profile" "no '$pattern' in the resolved config" "$log"
        else
            pass "config_$profile"
        fi
    done
}

# params/demo.yaml states the defaults: every key it sets equals nextflow.config's value
test_demo_params_file() {
    local log="$WORK/demo_params.log" line key value got bad=()
    if ! "$NF" config -flat "$ROOT" >"$log" 2>&1; then fail demo_params_file "./nextflow config -flat failed" "$log"; return; fi
    while IFS= read -r line; do
        [[ "$line" =~ ^([a-z_0-9]+):\ (.*)$ ]] || continue
        key="${BASH_REMATCH[1]}" value="${BASH_REMATCH[2]}"
        got="$(grep -m1 "^params.$key = " "$log" | sed "s/^params.$key = //")"
        value="$(tr -d "[]' " <<<"$value")" got="$(tr -d "[]' " <<<"$got")"
        [[ "$got" == "$value" ]] || bad+=("$key: demo.yaml '$value', default '$got'")
    done <"$ROOT/params/demo.yaml"
    ((${#bad[@]} == 0)) && pass demo_params_file || fail demo_params_file "differs: ${bad[*]}" "$log"
}

# --- params validation --------------------------------------------------------------------------------
# expect_param_error NAME EXPECTED args...: the run fails, prints a line starting with EXPECTED, starts no task
expect_param_error() {
    local name="$1" expected="$2"
    shift 2
    local log="$WORK/$name.log"
    if run_nf "$WORK/params" "$log" -stub-run --outdir "$WORK/params/results" "$@"; then
        fail "$name" "the run succeeded, expected it to stop" "$log"
    elif ! awk -v e="$expected" 'index($0, e) == 1 { found = 1 } END { exit !found }' "$log"; then
        fail "$name" "expected a line starting with: $expected" "$log"
    elif grep -q 'Submitted process' "$log"; then
        fail "$name" "a task started before the params were rejected" "$log"
    else
        pass "$name"
    fi
}

test_params() {
    local hf="$ROOT/java-tasks/testdata/hf" ids="$ROOT/assets/demo/ids.npy"
    expect_param_error params_unknown "--bogus: unknown parameter (known: --analysis_fraction" --bogus 1
    expect_param_error params_kebab_case \
        "--seqs-per-shard: unknown parameter (did you mean --seqs_per_shard? parameter names use underscores)" \
        --seqs-per-shard 4
    expect_param_error params_wrong_type "--ctx: 'abc' is not an integer (expected integer >= 1)" --ctx abc
    expect_param_error params_wrong_enum "--dtype: 'float64' is not allowed (expected one of float32, float16)" \
        --dtype float64
    expect_param_error params_wrong_boolean "--control: 'maybe' is not a boolean (expected true or false)" --control maybe
    expect_param_error params_wrong_pairs "--pairs: 'some' is not allowed (expected one of anchor, all)" --pairs some
    expect_param_error params_below_minimum "--seeds: 1 is below the minimum 2" --seeds 1
    expect_param_error params_missing_input "--input: no-such-file.txt: no such file" --input no-such-file.txt
    expect_param_error params_missing_tarball "--demo_tarball: none.tgz: no such file" --demo_tarball none.tgz
    expect_param_error params_missing_model "--models: $WORK/none: no such directory" \
        --input "$ids" --models "$hf/gpt2-tiny,$WORK/none"
    expect_param_error params_same_model_name \
        "--models: directory names must differ, they name the outputs (repeated: gpt2-tiny)" \
        --input "$ids" --models "$hf/gpt2-tiny,$hf/gpt2-tiny"
    expect_param_error params_models_need_input "--models: needs --input" --models "$hf/gpt2-tiny,$hf/neox-tiny"
    expect_param_error params_input_needs_models "--input: needs --models" --input "$ids"
    expect_param_error params_hooks_need_pre "--hooks: must hold mlp_post and mlp_pre" --hooks mlp_post
}

# user checkpoints instead of the demo: list params as a YAML list and as a comma string; the first model anchors
test_params_list_forms() {
    local dir="$WORK/lists" log="$WORK/params_list_forms.log"
    mkdir -p "$dir"
    cat >"$dir/params.yaml" <<EOF
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
EOF
    if ! run_nf "$dir" "$log" -stub-run -params-file "$dir/params.yaml" --outdir "$dir/results"; then
        fail params_list_forms "YAML list models + comma string hooks: the run failed" "$log"
    elif ! grep -rq --include=.command.sh -- '--hooks mlp_post,mlp_pre' "$dir/work"; then
        fail params_list_forms "extract was not given --hooks mlp_post,mlp_pre" "$log"
    elif [[ ! -f "$dir/results/activations/neox-tiny/demo.00000.h5" \
            || ! -f "$dir/results/correlations/neox-tiny__gpt2-tiny.summary.h5" \
            || -e "$dir/results/correlations/gpt2-tiny__neox-tiny.summary.h5" || -e "$dir/results/models" ]]; then
        fail params_list_forms "expected the given checkpoints (no training), neox-tiny as the anchor" "$log"
    else
        pass params_list_forms
    fi
}

# --- stub run -----------------------------------------------------------------------------------------
# published files of the demo DAG with seeds 1..N and the control
demo_outputs() {
    local n="$1" i
    DEMO_OUTPUTS=(corpus/analysis.00000.h5 corpus/analysis.00001.h5 corpus/vocab.json
                  models/control/config.json models/control/model.safetensors
                  stats/seed1.stats.h5 stats/control.stats.h5
                  universality/trained/neurons.csv universality/trained/neurons.h5
                  universality/trained/layer_fractions.csv universality/trained/percentiles.csv
                  universality/control/neurons.csv report/index.html)
    for ((i = 1; i <= n; i++)); do DEMO_OUTPUTS+=("models/seed$i/config.json" "models/seed$i/train_log.csv"); done
    for ((i = 2; i <= n; i++)); do
        DEMO_OUTPUTS+=("correlations/seed1__seed$i.summary.h5" "correlations/control__seed$i.summary.h5")
    done
}

test_stub_run() {
    local dir="$WORK/stub" log="$WORK/stub_run.log"
    if ! run_nf "$dir" "$log" -stub-run --outdir "$dir/results"; then
        fail stub_run "the stub run failed" "$log"
        return
    fi
    local missing=() f
    demo_outputs 4
    for f in "${DEMO_OUTPUTS[@]}" pipeline_info/software_versions.yml; do
        [[ -e "$dir/results/$f" ]] || missing+=("$f")
    done
    [[ ! -e "$dir/results/activations" ]] || missing+=("(activations are published only with save_activations)")
    for f in 'execution_report_*.html' 'execution_timeline_*.html' 'execution_trace_*.txt' 'pipeline_dag_*.mmd'; do
        compgen -G "$dir/results/pipeline_info/$f" >/dev/null || missing+=("pipeline_info/$f")
    done
    ((${#missing[@]} == 0)) && pass stub_run || fail stub_run "missing outputs: ${missing[*]}" "$log"
}

# --- real run, resume, changed jar, failure and resume ------------------------------------------------
REAL="$WORK/real"
real_ok=0
# tasks of the test profile (2 seeds + control, 2 analysis shards)
TEST_TASKS=$'CORPUS 1\nCORRELATE 4\nEXTRACT 6\nFINALISE 2\nMERGE 2\nREPORT 1\nSTATS_FINAL 2\nSTATS_PARTIAL 4\nTRAIN 3\nUNIVERSALITY 2'

# tasks_with STATUS TRACE: "PROCESS count" of the tasks with that status (process names without the workflow prefix)
tasks_with() {
    process_status "$2" | awk -v s="$1" '$2 == s { sub(/.*:/, "", $1); n[$1]++ } END { for (p in n) print p, n[p] }' | sort
}

# report_problems DIR: what is missing from DIR/report (index.html, its images, its headline numbers)
report_problems() {
    local html="$1/report/index.html" img problems=()
    [[ -s "$html" ]] || { echo "no report/index.html"; return; }
    local imgs
    imgs="$(grep -o 'src="[^"]*"' "$html" | sed 's/^src="//; s/"$//')"
    [[ -n "$imgs" ]] || problems+=("no figures in index.html")
    for img in $imgs; do [[ -s "$1/report/$img" ]] || problems+=("missing figure $img"); done
    grep -q 'trained' "$html" && grep -q 'control' "$html" || problems+=("no trained/control groups")
    grep -qi 'excess' "$html" || problems+=("no excess correlation numbers")
    echo "${problems[*]}"
}

# report_timings DIR: "PROCESS tasks" per row of the report's Timings table (process names without the workflow prefix)
report_timings() {
    grep -o '<tr data-timing="[^"]*"><td>[^<]*</td><td class="n">[0-9,]*' "$1/report/index.html" \
        | sed 's/^<tr data-timing="\([^"]*\)".*<td class="n">\([0-9,]*\)$/\1 \2/; s/^[^ ]*://; s/,//g' | sort
}

test_real_run() {
    local log="$WORK/real_run.log" trace="$WORK/real-1.trace"
    if ! run_nf "$REAL" "$log" -profile test --outdir "$REAL/results" -with-trace "$trace"; then
        fail real_run "the test-profile run failed" "$log"
        return
    fi
    local got
    got="$(tasks_with COMPLETED "$trace")"
    if [[ "$got" != "$TEST_TASKS" ]]; then
        fail real_run "expected tasks ${TEST_TASKS//$'\n'/, }; completed: ${got//$'\n'/, }" "$log"
        return
    fi
    local bad=() f
    demo_outputs 2
    for f in "${DEMO_OUTPUTS[@]}"; do
        [[ -s "$REAL/results/$f" ]] || bad+=("$f")
        if [[ "$f" == *.h5 && -s "$REAL/results/$f" ]] && ! is_hdf5 "$REAL/results/$f"; then bad+=("$f (not HDF5)"); fi
    done
    if ((${#bad[@]})); then fail real_run "missing or empty: ${bad[*]}" "$log"; return; fi
    local problems
    problems="$(report_problems "$REAL/results")"
    if [[ -n "$problems" ]]; then fail real_run "report: $problems" "$log"; return; fi
    local timed want_timed
    timed="$(report_timings "$REAL/results")" want_timed="$(grep -v '^REPORT ' <<<"$TEST_TASKS")"
    if [[ "$timed" != "$want_timed" ]]; then
        fail real_run "report timings: expected one row per process that ran before REPORT (${want_timed//$'\n'/, }), got: ${timed//$'\n'/, }" "$log"
        return
    fi
    if [[ "$(head -n 1 "$REAL/results/universality/trained/neurons.csv")" != layer,neuron,max_corr,* ]]; then
        fail real_run "neurons.csv does not start with layer,neuron,max_corr" "$log"
        return
    fi
    checksums "$REAL/results" >"$WORK/real-1.sha256"
    real_ok=1
    pass real_run
}

test_resume_all_cached() {
    if ((!real_ok)); then fail resume_all_cached "needs a successful real_run"; return; fi
    local log="$WORK/resume.log" trace="$WORK/real-2.trace"
    if ! run_nf "$REAL" "$log" -profile test --outdir "$REAL/results" -with-trace "$trace" -resume; then
        fail resume_all_cached "the resumed run failed" "$log"
        return
    fi
    local counts
    counts="$(status_counts "$trace")"
    if [[ "$counts" != "CACHED 27" ]]; then
        fail resume_all_cached "expected all 27 tasks CACHED, trace says: ${counts//$'\n'/; }" "$log"
        return
    fi
    checksums "$REAL/results" >"$WORK/real-2.sha256"
    if ! diff -u "$WORK/real-1.sha256" "$WORK/real-2.sha256" >"$WORK/resume.diff"; then
        fail resume_all_cached "published outputs changed" "$WORK/resume.diff"
        return
    fi
    pass resume_all_cached
}

test_changed_jar_reruns() {
    if ((!real_ok)); then fail changed_jar_reruns "needs a successful real_run"; return; fi
    local jar="$ROOT/java-tasks/dist/extract.jar" saved="$WORK/extract.jar.mtime"
    local log="$WORK/changed_jar.log" trace="$WORK/real-3.trace"
    cp "$REAL/results/universality/trained/neurons.csv" "$WORK/neurons-1.csv"
    touch -r "$jar" "$saved"
    touch "$jar"    # what a rebuild does as far as the cache is concerned: a new jar file
    run_nf "$REAL" "$log" -profile test --outdir "$REAL/results" -with-trace "$trace" -resume
    local rc=$?
    touch -r "$saved" "$jar"    # put the jar's time back so later -resume runs stay cached
    if ((rc != 0)); then fail changed_jar_reruns "the run failed" "$log"; return; fi
    local cached completed
    cached="$(tasks_with CACHED "$trace")" completed="$(tasks_with COMPLETED "$trace")"
    if [[ "$cached" != $'CORPUS 1\nTRAIN 3' || "$completed" != *'EXTRACT 6'* ]]; then
        fail changed_jar_reruns "expected corpus and train cached, extract re-run; cached: ${cached//$'\n'/, }; completed: ${completed//$'\n'/, }" "$log"
    elif ! cmp -s "$WORK/neurons-1.csv" "$REAL/results/universality/trained/neurons.csv"; then
        fail changed_jar_reruns "neurons.csv changed after re-running extract with the same jar content" "$log"
    else
        pass changed_jar_reruns
    fi
}

test_fail_once_resume() {
    if ((!real_ok)); then fail fail_once_resume "needs a successful real_run (its neurons.csv)"; return; fi
    local dir="$WORK/failonce" log="$WORK/fail_once.log" trace1="$WORK/fail-1.trace" trace2="$WORK/fail-2.trace"
    local marker="$WORK/fail-once.marker"
    if UN_TEST_FAIL_ONCE="$marker" run_nf "$dir" "$log" -profile test --outdir "$dir/results" -with-trace "$trace1"; then
        fail fail_once_resume "the first run succeeded, expected one extract task to fail" "$log"
        return
    fi
    if [[ ! -d "$marker" ]] || [[ "$(tasks_with FAILED "$trace1")" != 'EXTRACT 1' ]]; then
        fail fail_once_resume "expected exactly one FAILED extract task in the first run" "$log"
        return
    fi
    if ! UN_TEST_FAIL_ONCE="$marker" run_nf "$dir" "$log.2" -profile test --outdir "$dir/results" -with-trace "$trace2" -resume; then
        fail fail_once_resume "the resumed run failed" "$log.2"
        return
    fi
    local cached
    cached="$(tasks_with CACHED "$trace2")"
    if [[ "$cached" != *'CORPUS 1'*'TRAIN 3'* ]]; then
        fail fail_once_resume "expected corpus and train cached in the resumed run, cached: ${cached//$'\n'/, }" "$log.2"
    elif ! cmp -s "$REAL/results/universality/trained/neurons.csv" "$dir/results/universality/trained/neurons.csv" \
        || ! cmp -s "$REAL/results/universality/control/neurons.csv" "$dir/results/universality/control/neurons.csv"; then
        fail fail_once_resume "neurons.csv differs from the uninterrupted run's" "$log.2"
    else
        pass fail_once_resume
    fi
}

# --- correlate_mode fused --------------------------------------------------------------------------------
test_stub_fused() {
    local dir="$WORK/stub-fused" log="$WORK/stub_fused.log" trace="$WORK/stub-fused.trace"
    if ! run_nf "$dir" "$log" -stub-run --correlate_mode fused --outdir "$dir/results" -with-trace "$trace"; then
        fail stub_fused "the fused stub run failed" "$log"
        return
    fi
    local missing=() f got
    demo_outputs 4
    for f in "${DEMO_OUTPUTS[@]}"; do [[ -e "$dir/results/$f" ]] || missing+=("$f"); done
    if ((${#missing[@]})); then fail stub_fused "missing outputs: ${missing[*]}" "$log"; return; fi
    # 2 shards; 4 seeds + control; 3 + 3 pairs (each pair's summary is among the outputs above, so every pair got
    # its partials from the fused tasks); extract only for seed1 and control (their statistics)
    got="$(tasks_with COMPLETED "$trace" | paste -sd' ')"
    if [[ "$got" != 'CORPUS 1 CORRELATE_FUSED 2 EXTRACT 4 FINALISE 6 MERGE 6 REPORT 1 STATS_FINAL 2 STATS_PARTIAL 4 TRAIN 5 UNIVERSALITY 2' ]]; then
        fail stub_fused "unexpected tasks: $got" "$log"
    else
        pass stub_fused
    fi
}

# csv_diff A B TOL: compares two CSV tables with the same header and rows; numbers may differ by TOL x max(1, |a|),
# anything else must be equal. Prints the first difference beyond it (nothing when they agree) and, on stderr, the
# largest numeric difference seen.
csv_diff() {
    awk -F, -v tol="$3" '
        function num(x) { return x ~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/ }
        function abs(x) { return x < 0 ? -x : x }
        NR == FNR { a[FNR] = $0; n = FNR; next }
        {
            if (FNR > n) { print "row " FNR ": only in " FILENAME; exit }
            if (a[FNR] == $0) next
            split(a[FNR], x, ",")
            if (length(x) != NF) { print "row " FNR ": " length(x) " vs " NF " fields"; exit }
            for (i = 1; i <= NF; i++) {
                if (x[i] == $i) continue
                if (!num(x[i]) || !num($i) || FNR == 1) { print "row " FNR ", field " i ": " x[i] " vs " $i; exit }
                d = abs(x[i] - $i); m = abs(x[i]) > 1 ? abs(x[i]) : 1
                if (d > max) max = d
                if (d > tol * m) { print "row " FNR ", field " i ": " x[i] " vs " $i " (difference " d ")"; exit }
            }
        }
        END { if (FNR < n) print "rows missing"; printf "largest difference %g\n", max > "/dev/stderr" }' "$1" "$2"
}

test_fused_equals_staged() {
    if ((!real_ok)); then fail fused_equals_staged "needs a successful real_run (its work and neurons.csv)"; return; fi
    local out="$WORK/fused/results" log="$WORK/fused.log" trace="$WORK/fused.trace" g diff cached completed
    if ! run_nf "$REAL" "$log" -profile test --correlate_mode fused --outdir "$out" -with-trace "$trace" -resume; then
        fail fused_equals_staged "the fused test-profile run failed" "$log"
        return
    fi
    cached="$(tasks_with CACHED "$trace" | paste -sd' ')" completed="$(tasks_with COMPLETED "$trace" | paste -sd' ')"
    if [[ "$cached" != 'CORPUS 1 EXTRACT 4 STATS_FINAL 2 STATS_PARTIAL 4 TRAIN 3' \
            || "$completed" != 'CORRELATE_FUSED 2 FINALISE 2 MERGE 2 REPORT 1 UNIVERSALITY 2' ]]; then
        fail fused_equals_staged "expected corpus, train, the 4 extract (seed1, control) and stats cached, 2 fused correlate tasks; cached: $cached; completed: $completed" "$log"
        return
    fi
    for g in trained control; do
        # staged and fused fold the same float32 activations into float64 moments in different batches (staged:
        # 2048 tokens, fused: one forward batch); the float32 batch products round differently, nothing else differs
        diff="$(csv_diff "$REAL/results/universality/$g/neurons.csv" "$out/universality/$g/neurons.csv" 1e-6 2>>"$WORK/fused.diffs")"
        if [[ -n "$diff" ]]; then
            fail fused_equals_staged "universality/$g/neurons.csv: fused differs from staged: $diff" "$log"
            return
        fi
    done
    pass fused_equals_staged
}

# --- SLURM ---------------------------------------------------------------------------------------------
# tests/pipeline/slurm.sh installs and starts a private one-node SLURM, runs -profile test,slurm,gpu through it and
# stops its daemons; exit 77 = SLURM cannot be installed or started here (skipped). With a successful real_run,
# its neurons.csv tables must come out the same under SLURM.
test_slurm() {
    local log="$WORK/slurm.log" ref="" rc last
    ((real_ok)) && ref="$REAL/results"
    timeout -k 60 2400 bash "$ROOT/tests/pipeline/slurm.sh" "$WORK/slurm" $ref >"$log" 2>&1
    rc=$?
    last="$(grep -E '^(PASS|FAIL|SKIP) slurm' "$log" | tail -n 1)"
    case "$rc" in
        0) pass slurm ;;
        77) skip slurm "${last#SKIP slurm: }" ;;
        124) fail slurm "did not finish within 2400 s" "$log" ;;
        *) fail slurm "${last#FAIL slurm: }" "$log" ;;
    esac
}

# --- main ---------------------------------------------------------------------------------------------
echo "pipeline tests in $WORK"
selected launcher_version && test_launcher_version
selected config && test_config_profiles
selected demo_params && test_demo_params_file
selected launcher_rebuilds && test_launcher_rebuilds
selected dist_lib && test_dist_lib_unique
selected params && test_params
selected params_list_forms && test_params_list_forms
selected stub && test_stub_run
if selected real || selected resume || selected changed_jar || selected fail_once || selected fused_equals; then
    test_real_run
    selected resume && test_resume_all_cached
    selected changed_jar && test_changed_jar_reruns
    selected fail_once && test_fail_once_resume
    selected fused_equals && test_fused_equals_staged
fi
selected stub_fused && test_stub_fused
selected slurm && test_slurm

if ((failed == 0)); then
    rm -rf "$WORK"
else
    echo "failed: ${failures[*]} (work kept in $WORK)"
fi
((skipped == 0)) || echo "skipped: ${skips[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0))
