#!/usr/bin/env bats
# -stub-run of the whole demo DAG (every module's stub block, no tool runs): the tasks are those of the run's plan
# (lib/Plan.groovy, the `plan:` line; tests/lib/PlanTest.groovy checks the plan's counts by hand) and every
# expected file is published. Staged (the default), fused, and pairs 'all'.

load helpers

setup_file() {
    export WORK
    WORK="$(work_dir stub)"
}

# stub RUN args...: a stub run of the demo in $WORK/RUN (log RUN.log); RUN.trace links to the run's own trace
# (results/pipeline_info/execution_trace_*.txt, nextflow.config); fails the test if the run fails
stub() {
    local name="$1"
    shift
    run_stub "$WORK/$name" "$WORK/$name.log" --outdir "$WORK/$name/results" "$@" \
        || fail "the stub run ($*) failed" "$WORK/$name.log"
    ln -sf "$(newest_trace "$WORK/$name/results")" "$WORK/$name.trace"
}

# tasks_as_planned RUN: every task of the run's plan completed, and no other
tasks_as_planned() {
    local got want
    got="$(tasks_with COMPLETED "$WORK/$1.trace")" want="$(plan_tasks "$WORK/$1.log")" || fail "no plan" "$WORK/$1.log"
    [[ "$got" == "$want" ]] || fail "expected the plan's tasks ${want//$'\n'/, }; completed: ${got//$'\n'/, }" "$WORK/$1.log"
}

@test "stub run: the demo DAG runs the tasks of its plan (4 seeds + control, 2 shards, staged)" {
    stub staged
    tasks_as_planned staged
    [[ "$(plan_total "$WORK/staged.log")" == 49 ]] || fail "the demo's plan is not 49 tasks" "$WORK/staged.log"
}

@test "stub run: every expected file is published, activations only with save_activations, and the run reports" {
    [[ -f "$WORK/staged.trace" ]] || skip "needs the stub run of the previous test"
    local missing f
    demo_outputs 4
    missing="$(missing_outputs "$WORK/staged/results" "${DEMO_OUTPUTS[@]}" pipeline_info/software_versions.yml)"
    [[ ! -e "$WORK/staged/results/activations" ]] || missing+=" (activations are published only with save_activations)"
    for f in 'execution_report_*.html' 'execution_timeline_*.html' 'execution_trace_*.txt' 'pipeline_dag_*.mmd'; do
        compgen -G "$WORK/staged/results/pipeline_info/$f" >/dev/null || missing+=" pipeline_info/$f"
    done
    [[ -z "$missing" ]] || fail "missing outputs: ${missing//$'\n'/ }" "$WORK/staged.log"
    ! find "$WORK/staged/results" -name timing.tsv -o -name versions.yml | grep -q . \
        || fail "timing.tsv or versions.yml published: $(find "$WORK/staged/results" -name timing.tsv -o -name versions.yml)"
}

@test "stub run: software_versions.yml names every process once, with its tool" {
    [[ -f "$WORK/staged.trace" ]] || skip "needs the stub run of the first test"
    local yml="$WORK/staged/results/pipeline_info/software_versions.yml" p tool bad=()
    for p in CORPUS:corpus TRAIN:train EXTRACT:extract CORRELATE:correlate MERGE:merge FINALISE:finalise \
             STATS_PARTIAL:stats-partial STATS_FINAL:stats-final UNIVERSALITY:universality REPORT:report; do
        tool="${p#*:}" p="${p%%:*}"
        [[ "$(grep -c "^\"UNIVERSAL_NEURONS:\([A-Z_]*:\)\?$p\":\$" "$yml")" == 1 ]] || bad+=("$p")
        grep -A1 "^\"UNIVERSAL_NEURONS:\([A-Z_]*:\)\?$p\":\$" "$yml" | grep -q "^    $tool: stub\$" || bad+=("$p's tool $tool")
    done
    ((${#bad[@]} == 0)) || fail "software_versions.yml: missing or wrong: ${bad[*]}" "$yml"
}

@test "stub run, fused: one CORRELATE_FUSED task per shard, extract only for the models with statistics, same files" {
    stub fused --correlate_mode fused
    tasks_as_planned fused
    grep -q '^plan: 2 analysis shards, 33 tasks: .*CORRELATE_FUSED 2,' "$WORK/fused.log" || fail "not the fused demo plan" "$WORK/fused.log"
    local missing
    demo_outputs 4
    missing="$(missing_outputs "$WORK/fused/results" "${DEMO_OUTPUTS[@]}")"
    [[ -z "$missing" ]] || fail "missing outputs: ${missing//$'\n'/ }" "$WORK/fused.log"
}

# with analysis_shards null (all the shards the corpus gives) the plan is printed per shard first, with numbers
# once the shards are made
@test "stub run, pairs all, all shards: every ordered pair, one table per model, REPORT reads the anchor's" {
    printf 'pairs: all\nseeds: 3\nanalysis_shards: null\n' >"$WORK/all.yaml"
    stub all -params-file "$WORK/all.yaml"
    grep -q '^plan: S analysis shards (S known once the shards are made): .*EXTRACT 4 x S, CORRELATE 8 x S,' "$WORK/all.log" \
        || fail "no plan per shard at the start" "$WORK/all.log"
    tasks_as_planned all
    local missing a b out
    for a in 1 2 3; do for b in 1 2 3; do
        ((a == b)) || [[ -e "$WORK/all/results/correlations/seed${a}__seed$b.summary.h5" ]] || missing+=" seed${a}__seed$b"
    done; done
    [[ -e "$WORK/all/results/universality/trained/seed1/neurons.csv" ]] || missing+=" universality/trained/seed1/neurons.csv"
    [[ -z "$missing" ]] || fail "missing outputs:$missing" "$WORK/all.log"
    # REPORT's stub prints the tables it was given, in group order: the anchor's table of 'trained', then 'control'
    out="$(grep -h '^tables: ' "$WORK"/all/work/*/*/.command.out)"
    [[ "$out" == 'tables: groups/1/seed1 groups/2/control' ]] || fail "REPORT got: $out" "$WORK/all.log"
}
