#!/usr/bin/env bats
# A real run of -profile test (conf/test.config: the whole demo DAG, reduced: 2 seeds + the control, 2 analysis
# shards), made once in setup_file and shared by every test here: its tasks and published files, its report, then
# the same run resumed (all cached), with a rebuilt jar killed partway and resumed, interrupted by a failure, in fused
# mode (2 chunks), and under SLURM.
# Tests run in file order; those that need the real run skip, with the reason, when it failed (the first test
# then fails and shows why). Expected task counts come from the run's `plan:` line (lib/Plan.groovy).

load helpers

setup_file() {
    export WORK REAL
    WORK="$(work_dir real)" REAL="$(work_dir real)/real"
    local rc=0
    run_nf "$REAL" "$WORK/real_run.log" -profile test --outdir "$REAL/results" -with-trace "$WORK/real-1.trace" || rc=$?
    echo "$rc" >"$WORK/real.rc"
    if ((rc == 0)); then
        checksums "$REAL/results" >"$WORK/real-1.sha256"
        published_checksums "$REAL/results" >"$WORK/real-1.published"
    fi
}

needs_real_run() {
    [[ "$(cat "$WORK/real.rc" 2>/dev/null)" == 0 ]] \
        || skip "needs the real run of -profile test, which failed (first test; $WORK/real_run.log)"
}

@test "real run: -profile test completes every task of its plan" {
    [[ "$(cat "$WORK/real.rc")" == 0 ]] || fail "the test-profile run failed (exit $(cat "$WORK/real.rc"))" "$WORK/real_run.log"
    local got want
    got="$(tasks_with COMPLETED "$WORK/real-1.trace")" want="$(plan_tasks "$WORK/real_run.log")"
    [[ -n "$want" && "$got" == "$want" ]] \
        || fail "expected the plan's tasks ${want//$'\n'/, }; completed: ${got//$'\n'/, }" "$WORK/real_run.log"
}

@test "real run: every expected file is published and non-empty, HDF5 where .h5" {
    needs_real_run
    local bad=() f
    demo_outputs 2
    for f in "${DEMO_OUTPUTS[@]}"; do
        [[ -s "$REAL/results/$f" ]] || bad+=("$f")
        if [[ "$f" == *.h5 && -s "$REAL/results/$f" ]] && ! is_hdf5 "$REAL/results/$f"; then bad+=("$f (not HDF5)"); fi
    done
    ((${#bad[@]} == 0)) || fail "missing or empty: ${bad[*]}" "$WORK/real_run.log"
}

@test "real run: the report has its figures, both groups and the excess correlation numbers" {
    needs_real_run
    local problems
    problems="$(report_problems "$REAL/results")"
    [[ -z "$problems" ]] || fail "report: $problems" "$WORK/real_run.log"
}

# the tools write timing.tsv themselves (UN_TASK_PROCESS); the report merges them per process
@test "real run: the report's Timings table has one row per process that ran before REPORT, with its task count" {
    needs_real_run
    local timed want
    timed="$(report_timings "$REAL/results")" want="$(plan_without "$WORK/real_run.log" REPORT)"
    [[ "$timed" == "$want" ]] || fail "report timings: expected ${want//$'\n'/, }; got: ${timed//$'\n'/, }" "$WORK/real_run.log"
}

@test "real run: every published HDF5 and CSV file reads in Python (h5py, pandas) as docs/python.md says, strings as str" {
    needs_real_run
    local py
    py="$(python_with_h5py)" || {
        [[ -z "${UN_CI:-}" ]] || fail "CI: no python3 with h5py and pandas (.ci/run installs python3-h5py python3-pandas)"
        skip "no python3 with h5py and pandas here (apt-get install python3-h5py python3-pandas)"
    }
    # a shard of known text (accents, CJK, emoji that GPT-2 splits over byte tokens), for its /vocab_bytes
    UN_LIB="$ROOT/java-tasks/dist/lib" "$ROOT/bin/un-task" "$ROOT/java-tasks/dist/tokenize.jar" \
        org.uneurons.tokenize.TokenizeTool --input "$ROOT/tests/python/unicode.txt" --ctx 16 \
        --outdir "$WORK/unicode" --name u >"$WORK/unicode.log" 2>&1 || fail "tokenize of unicode.txt failed" "$WORK/unicode.log"
    "$py" "$ROOT/tests/python/read_outputs.py" "$REAL/results" "$ROOT/docs/python.md" \
        --text "$WORK/unicode/u.00000.h5" "$ROOT/tests/python/unicode.txt" >"$WORK/python.out" 2>&1 \
        || fail "Python could not read the outputs: $(head -n 5 "$WORK/python.out")" "$WORK/python.out"
}

@test "real run: the neuron browser works in headless Chromium and shows the run's files" {
    needs_real_run
    local py
    py="$(python_with_selenium)" || {
        [[ -z "${UN_CI:-}" ]] || fail "CI: no chromium, chromedriver or python3 selenium (.ci/run installs chromium chromium-driver python3-selenium)"
        skip "no headless Chromium here (apt-get install chromium chromium-driver python3-selenium)"
    }
    grep -q 'href="neurons/index.html"' "$REAL/results/report/index.html" || fail "the report does not link the neuron browser"
    "$py" "$ROOT/tests/browser/check_browser.py" "$REAL/results" >"$WORK/browser.out" 2>&1 \
        || fail "neuron browser: $(grep -v '^#' "$WORK/browser.out" | tail -n 3)" "$WORK/browser.out"
    grep -q '^browser check: 2 group index pages and 3 neuron pages' "$WORK/browser.out" \
        || fail "browser check: $(tail -n 1 "$WORK/browser.out")" "$WORK/browser.out"
}

@test "real run: neurons.csv starts with layer,neuron,max_corr" {
    needs_real_run
    [[ "$(head -n 1 "$REAL/results/universality/trained/neurons.csv")" == layer,neuron,max_corr,* ]] \
        || fail "neurons.csv header: $(head -n 1 "$REAL/results/universality/trained/neurons.csv")"
}

@test "real run: software_versions.yml holds each tool's version line (written by the tool, not a second JVM)" {
    needs_real_run
    local yml="$REAL/results/pipeline_info/software_versions.yml" tool bad=()
    for tool in corpus train extract correlate merge finalise stats-partial stats-final universality report; do
        grep -Eq "^    $tool: \"?[0-9]" "$yml" || bad+=("$tool")
    done
    ((${#bad[@]} == 0)) || fail "no version line for: ${bad[*]}" "$yml"
}

@test "resume: the same run with -resume caches every task, and the published outputs stay identical" {
    needs_real_run
    local log="$WORK/resume.log" trace="$WORK/real-2.trace" counts
    run_nf "$REAL" "$log" -profile test --outdir "$REAL/results" -with-trace "$trace" -resume || fail "the resumed run failed" "$log"
    counts="$(status_counts "$trace")"
    [[ "$counts" == "CACHED $(plan_total "$WORK/real_run.log")" ]] \
        || fail "expected all $(plan_total "$WORK/real_run.log") tasks CACHED, trace says: ${counts//$'\n'/; }" "$log"
    checksums "$REAL/results" >"$WORK/real-2.sha256"
    diff -u "$WORK/real-1.sha256" "$WORK/real-2.sha256" >"$WORK/resume.diff" || fail "published outputs changed" "$WORK/resume.diff"
}

# a rebuilt extract.jar re-runs extract and everything after it; that run is stopped with SIGTERM (what SLURM sends at
# a time limit or preemption) once its first FINALISE task has finished, and -resume finishes it. Every published file
# must come out byte-identical to the uninterrupted run's (statistics included; the report but its Timings table)
@test "changed jar, killed and resumed: extract re-runs, corpus, train, weights and intervene stay cached; SIGTERM partway, -resume, every published file identical" {
    needs_real_run
    local jar="$ROOT/java-tasks/dist/extract.jar" saved="$WORK/extract.jar.mtime" marker="$WORK/killed.marker"
    local log="$WORK/killed.log" trace="$WORK/killed-1.trace" trace2="$WORK/killed-2.trace" pid rc=0 rc2=0 waited=0
    local cached completed
    touch -r "$jar" "$saved"
    touch "$marker"
    touch "$jar"    # what a rebuild does as far as the cache is concerned: a new jar file
    (cd "$REAL" && exec "$NF" run "$MAIN" -ansi-log false -profile test --outdir "$REAL/results" -with-trace "$trace" \
        -resume) >"$log" 2>&1 &
    pid=$!
    until finished_task "$REAL/work" "$marker" FINALISE || ! kill -0 "$pid" 2>/dev/null || ((waited >= 900)); do
        sleep 1
        ((waited += 1))
    done
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" || rc=$?
    run_nf "$REAL" "$log.2" -profile test --outdir "$REAL/results" -with-trace "$trace2" -resume || rc2=$?
    touch -r "$saved" "$jar"    # put the jar's time back so later -resume runs stay cached
    ((rc != 0)) || fail "the run finished before SIGTERM reached it (exit 0), so nothing was resumed" "$log"
    ((rc2 == 0)) || fail "the resumed run failed" "$log.2"
    cached="$(tasks_with CACHED "$trace")" completed="$(tasks_with COMPLETED "$trace")"
    # the roles and their checks read checkpoints and shards only: a new extract jar leaves them cached
    [[ "$cached" == "$(plan_tasks "$WORK/real_run.log" CORPUS TRAIN WEIGHTS INTERVENE)" ]] \
        && grep -qx "$(plan_tasks "$WORK/real_run.log" EXTRACT)" <<<"$completed" \
        || fail "expected corpus, train, weights and intervene cached, extract re-run before the kill; cached: ${cached//$'\n'/, }; completed: ${completed//$'\n'/, }" "$log"
    [[ -n "$(tasks_with COMPLETED "$trace2")" && -z "$(tasks_with FAILED "$trace2")" ]] \
        || fail "the resumed run had nothing left to do or failed: $(status_counts "$trace2" | paste -sd' ')" "$log.2"
    published_checksums "$REAL/results" >"$WORK/killed.published"
    diff -u "$WORK/real-1.published" "$WORK/killed.published" >"$WORK/killed.diff" \
        || fail "published files differ from the uninterrupted run's" "$WORK/killed.diff"
}

# editing a benchmark (module bench, no pipeline input) rebuilds the jars, but every task jar comes out with the same
# bytes, keeps its time, and every task stays cached
@test "edited benchmark: the launcher rebuilds, every task stays cached" {
    needs_real_run
    local src="$ROOT/java-tasks/bench/src/main/java/org/uneurons/bench/Nd4jRate.java" saved="$WORK/Nd4jRate.java"
    local log="$WORK/edited_bench.log" trace="$WORK/real-bench.trace" rc=0 counts
    cp -p "$src" "$saved"
    printf '// an edit of a benchmark\n' >>"$src"
    run_nf "$REAL" "$log" -profile test --outdir "$REAL/results" -with-trace "$trace" -resume || rc=$?
    cp -p "$saved" "$src"
    ((rc == 0)) || fail "the run failed" "$log"
    grep -q '^nextflow launcher: building task jars' "$log" || fail "the edited benchmark did not rebuild the jars" "$log"
    counts="$(status_counts "$trace")"
    [[ "$counts" == "CACHED $(plan_total "$WORK/real_run.log")" ]] \
        || fail "expected all $(plan_total "$WORK/real_run.log") tasks CACHED, trace says: ${counts//$'\n'/; }" "$log"
}

@test "failure and resume: a run whose first extract task fails stops; -resume finishes it with the same neurons.csv" {
    needs_real_run
    local dir="$WORK/failonce" log="$WORK/fail_once.log" trace1="$WORK/fail-1.trace" trace2="$WORK/fail-2.trace"
    local marker="$WORK/fail-once.marker" rc=0 cached g
    UN_TEST_FAIL_ONCE="$marker" run_nf "$dir" "$log" -profile test --outdir "$dir/results" -with-trace "$trace1" || rc=$?
    ((rc != 0)) || fail "the first run succeeded, expected one extract task to fail" "$log"
    [[ -d "$marker" && "$(tasks_with FAILED "$trace1")" == 'EXTRACT 1' ]] \
        || fail "expected exactly one FAILED extract task in the first run" "$log"
    UN_TEST_FAIL_ONCE="$marker" run_nf "$dir" "$log.2" -profile test --outdir "$dir/results" -with-trace "$trace2" -resume \
        || fail "the resumed run failed" "$log.2"
    cached="$(tasks_with CACHED "$trace2")"
    [[ "$(grep -E '^(CORPUS|TRAIN) ' <<<"$cached")" == "$(plan_tasks "$log.2" CORPUS TRAIN)" ]] \
        || fail "expected corpus and train cached in the resumed run, cached: ${cached//$'\n'/, }" "$log.2"
    for g in trained control; do
        cmp -s "$REAL/results/universality/$g/neurons.csv" "$dir/results/universality/$g/neurons.csv" \
            || fail "universality/$g/neurons.csv differs from the uninterrupted run's" "$log.2"
    done
}

# fused folds the same float32 activations into float64 moments in other batches than staged (staged: 2048 tokens,
# fused: one forward batch): the float32 batch products round differently, nothing else differs. Two chunks of one
# shard each (tokens_per_task 1024 = 32 x 32): the partials of both chunks are merged, and the statistics come from
# the fused tasks (no EXTRACT, no STATS_PARTIAL)
@test "fused = staged: --correlate_mode fused in 2 chunks (resuming the real run: corpus, train, weights, intervene cached) gives the same tables to 1e-6" {
    needs_real_run
    local out="$WORK/fused/results" log="$WORK/fused.log" trace="$WORK/fused.trace" g diff cached completed reused
    run_nf "$REAL" "$log" -profile test --correlate_mode fused --tokens_per_task 1024 --outdir "$out" -with-trace "$trace" -resume \
        || fail "the fused test-profile run failed" "$log"
    grep -q '^plan: 2 analysis shards, 22 tasks: CORPUS 1, TRAIN 3, CORRELATE_FUSED 2, MERGE 2, FINALISE 2, STATS_FINAL 2, UNIVERSALITY 2, FAMILIES 2, WEIGHTS 3, INTERVENE 2, REPORT 1$' "$log" \
        || fail "not the plan of 2 chunks" "$log"
    reused='CORPUS TRAIN WEIGHTS INTERVENE'   # they do not depend on how correlation runs
    cached="$(tasks_with CACHED "$trace")" completed="$(tasks_with COMPLETED "$trace")"
    [[ "$cached" == "$(plan_tasks "$log" $reused)" && "$completed" == "$(plan_without "$log" $reused)" ]] \
        || fail "expected cached: $(plan_tasks "$log" $reused | paste -sd' '), run: $(plan_without "$log" $reused | paste -sd' '); cached: ${cached//$'\n'/, }; completed: ${completed//$'\n'/, }" "$log"
    for g in trained control; do
        diff="$(csv_diff "$REAL/results/universality/$g/neurons.csv" "$out/universality/$g/neurons.csv" 1e-6 2>>"$WORK/fused.diffs")"
        [[ -z "$diff" ]] || fail "universality/$g/neurons.csv: fused differs from staged: $diff" "$log"
    done
}

# tests/pipeline/slurm.sh installs and starts a private one-node SLURM, runs -profile test,slurm,gpu through it and
# stops its daemons; exit 77 = SLURM cannot be installed or started here (skipped). With a successful real run,
# its neurons.csv tables must come out the same under SLURM.
@test "slurm: -profile test,slurm,gpu on a one-node SLURM: every task a job, GPU tasks with --gres, the same tables" {
    local log="$WORK/slurm.log" ref="" rc=0 last
    [[ "$(cat "$WORK/real.rc" 2>/dev/null)" != 0 ]] || ref="$REAL/results"
    timeout -k 60 2400 bash "$ROOT/tests/pipeline/slurm.sh" "$WORK/slurm" $ref >"$log" 2>&1 || rc=$?
    last="$(grep -E '^(PASS|FAIL|SKIP) slurm' "$log" | tail -n 1)"
    case "$rc" in
        0) ;;
        77) skip "${last#SKIP slurm: }" ;;
        124) fail "did not finish within 2400 s" "$log" ;;
        *) fail "${last#FAIL slurm: }" "$log" ;;
    esac
}
