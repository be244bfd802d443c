#!/usr/bin/env bash
# Pipeline tests: run Nextflow through ./nextflow on the repo's own small inputs and check what it did.
#
#   bash tests/pipeline/run.sh            # all tests
#   bash tests/pipeline/run.sh stub real  # only tests whose name contains one of the words
#
# Tests (each prints PASS/FAIL with the reason; the last line is "N passed, M failed"; exit 1 on any failure):
#   launcher_version        ./nextflow -version works (fetches Nextflow on first use)
#   launcher_rebuilds       a source file newer than the jars makes ./nextflow rebuild them, once
#   config_<profile>        the configuration of each profile resolves
#   params_*                bad params stop the run with one clear line before any task starts
#   params_list_forms       list params given as a YAML list and as a comma string both work
#   stub_run                -stub-run of the default run publishes every expected file, and the reports
#   real_run                -profile test: tokenize + extract for real, outputs are HDF5 files
#   resume_all_cached       the same run with -resume: every task cached, published outputs identical
#   changed_jar_reruns      a rebuilt (touched) extract.jar re-runs extract tasks only
# Work happens in a temporary directory (kept on failure, its path printed); the repo is not written to
# except by ./nextflow's own caches (.cache, .nxf-home) and the java-tasks build.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NF="$ROOT/nextflow"
MAIN="$ROOT/main.nf"
export DJL_OFFLINE=true OPT_OUT_TRACKING=true
WORK="$(mktemp -d "${TMPDIR:-/tmp}/un-pipeline-tests.XXXXXX")"
FILTER=("$@")

passed=0
failed=0
failures=()

# run_nf DIR LOG args...: runs ./nextflow in launch directory DIR, output in LOG; returns Nextflow's exit code
run_nf() {
    local dir="$1" log="$2"
    shift 2
    mkdir -p "$dir"
    (cd "$dir" && "$NF" run "$MAIN" -ansi-log false "$@") >"$log" 2>&1
}

pass() { passed=$((passed + 1)); echo "PASS $1"; }
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

# the config of every profile resolves (resource caps included)
test_config_profiles() {
    local profile log
    for profile in standard test; do
        log="$WORK/config-$profile.log"
        if ! "$NF" config -profile "$profile" "$ROOT" >"$log" 2>&1; then
            fail "config_$profile" "./nextflow config -profile $profile failed" "$log"
        elif ! grep -q 'resourceLimits = \[cpus:' "$log"; then
            fail "config_$profile" "no process.resourceLimits in the resolved config" "$log"
        else
            pass "config_$profile"
        fi
    done
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
    expect_param_error params_unknown "--bogus: unknown parameter (known: --batch_size" --bogus 1
    expect_param_error params_kebab_case \
        "--seqs-per-shard: unknown parameter (did you mean --seqs_per_shard? parameter names use underscores)" \
        --seqs-per-shard 4
    expect_param_error params_wrong_type "--ctx: 'abc' is not an integer (expected integer >= 1)" --ctx abc
    expect_param_error params_wrong_enum "--dtype: 'float64' is not allowed (expected one of float32, float16)" \
        --dtype float64
    expect_param_error params_missing_input "--input: no-such-file.txt: no such file" --input no-such-file.txt
    expect_param_error params_missing_model "--models: $WORK/none: no such directory" \
        --models "$ROOT/java-tasks/testdata/hf/gpt2-tiny,$WORK/none"
    expect_param_error params_same_model_name \
        "--models: directory names must differ, they name the outputs (repeated: gpt2-tiny)" \
        --models "$ROOT/java-tasks/testdata/hf/gpt2-tiny,$ROOT/java-tasks/testdata/hf/gpt2-tiny"
}

test_params_list_forms() {
    local dir="$WORK/lists" log="$WORK/params_list_forms.log"
    mkdir -p "$dir"
    cat >"$dir/params.yaml" <<EOF
models:
  - $ROOT/java-tasks/testdata/hf/neox-tiny
hooks: mlp_post, mlp_pre
EOF
    if ! run_nf "$dir" "$log" -stub-run -params-file "$dir/params.yaml" --outdir "$dir/results"; then
        fail params_list_forms "YAML list models + comma string hooks: the run failed" "$log"
    elif ! grep -rq --include=.command.sh -- '--hooks mlp_post,mlp_pre' "$dir/work"; then
        fail params_list_forms "extract was not given --hooks mlp_post,mlp_pre" "$log"
    elif [[ ! -f "$dir/results/activations/neox-tiny/demo.00000.h5" || -e "$dir/results/activations/gpt2-tiny" ]]; then
        fail params_list_forms "expected activations of neox-tiny only" "$log"
    else
        pass params_list_forms
    fi
}

# --- stub run -----------------------------------------------------------------------------------------
test_stub_run() {
    local dir="$WORK/stub" log="$WORK/stub_run.log"
    if ! run_nf "$dir" "$log" -stub-run --outdir "$dir/results"; then
        fail stub_run "the stub run failed" "$log"
        return
    fi
    local missing=() f
    for f in shards/demo.00000.h5 shards/demo.00001.h5 \
             activations/gpt2-tiny/demo.00000.h5 activations/gpt2-tiny/demo.00001.h5 \
             activations/neox-tiny/demo.00000.h5 activations/neox-tiny/demo.00001.h5 \
             pipeline_info/software_versions.yml; do
        [[ -f "$dir/results/$f" ]] || missing+=("$f")
    done
    for f in 'execution_report_*.html' 'execution_timeline_*.html' 'execution_trace_*.txt' 'pipeline_dag_*.mmd'; do
        compgen -G "$dir/results/pipeline_info/$f" >/dev/null || missing+=("pipeline_info/$f")
    done
    ((${#missing[@]} == 0)) && pass stub_run || fail stub_run "missing outputs: ${missing[*]}" "$log"
}

# --- real run, resume, changed jar --------------------------------------------------------------------
REAL="$WORK/real"
real_ok=0

test_real_run() {
    local log="$WORK/real_run.log" trace="$WORK/real-1.trace"
    if ! run_nf "$REAL" "$log" -profile test --outdir "$REAL/results" -with-trace "$trace"; then
        fail real_run "the test-profile run failed" "$log"
        return
    fi
    local got expected
    got="$(process_status "$trace" | uniq -c | awk '{print $2, $3, $1}')"
    expected=$'UNIVERSAL_NEURONS:EXTRACT COMPLETED 4\nUNIVERSAL_NEURONS:TOKENIZE COMPLETED 1'
    if [[ "$got" != "$expected" ]]; then
        fail real_run "expected 1 tokenize and 4 extract tasks completed, trace says: ${got//$'\n'/; }" "$log"
        return
    fi
    local bad=() f
    for f in shards/demo.00000.h5 shards/demo.00001.h5 \
             activations/gpt2-tiny/demo.00000.h5 activations/gpt2-tiny/demo.00001.h5 \
             activations/neox-tiny/demo.00000.h5 activations/neox-tiny/demo.00001.h5; do
        [[ -s "$REAL/results/$f" ]] && is_hdf5 "$REAL/results/$f" || bad+=("$f")
    done
    if ((${#bad[@]})); then fail real_run "missing or not HDF5: ${bad[*]}" "$log"; return; fi
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
    if [[ "$counts" != "CACHED 5" ]]; then
        fail resume_all_cached "expected all 5 tasks CACHED, trace says: ${counts//$'\n'/; }" "$log"
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
    touch -r "$jar" "$saved"
    touch "$jar"    # what a rebuild does as far as the cache is concerned: a new jar file
    run_nf "$REAL" "$log" -profile test --outdir "$REAL/results" -with-trace "$trace" -resume
    local rc=$?
    touch -r "$saved" "$jar"    # put the jar's time back so later -resume runs stay cached
    if ((rc != 0)); then fail changed_jar_reruns "the run failed" "$log"; return; fi
    local got expected
    got="$(process_status "$trace" | uniq -c | awk '{print $2, $3, $1}')"
    expected=$'UNIVERSAL_NEURONS:EXTRACT COMPLETED 4\nUNIVERSAL_NEURONS:TOKENIZE CACHED 1'
    [[ "$got" == "$expected" ]] && pass changed_jar_reruns \
        || fail changed_jar_reruns "expected extract re-run and tokenize cached, trace says: ${got//$'\n'/; }" "$log"
}

# --- main ---------------------------------------------------------------------------------------------
echo "pipeline tests in $WORK"
selected launcher_version && test_launcher_version
selected config && test_config_profiles
selected launcher_rebuilds && test_launcher_rebuilds
selected params && test_params
selected params_list_forms && test_params_list_forms
selected stub && test_stub_run
if selected real || selected resume || selected changed_jar; then
    test_real_run
    selected resume && test_resume_all_cached
    selected changed_jar && test_changed_jar_reruns
fi

if ((failed == 0)); then
    rm -rf "$WORK"
else
    echo "failed: ${failures[*]} (work kept in $WORK)"
fi
echo "$passed passed, $failed failed"
((failed == 0))
