#!/usr/bin/env bats
# -stub-run of the whole demo DAG (every module's stub block, no tool runs): the tasks are those of the run's plan
# (lib/Plan.groovy, the `plan:` line; tests/lib/PlanTest.groovy checks the plan's counts by hand) and every
# expected file is published. Staged (the demo's default), fused in chunks x layer blocks, and pairs 'all'; then
# the plan alone (--plan_only) and plans that do not fit their limits, which start no task (or, checked again once
# the shards are made, no task after CORPUS).

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
    [[ "$(plan_total "$WORK/staged.log")" == 58 ]] || fail "the demo's plan is not 58 tasks" "$WORK/staged.log"
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
             STATS_PARTIAL:stats-partial STATS_FINAL:stats-final UNIVERSALITY:universality FAMILIES:families \
             WEIGHTS:weights INTERVENE:intervene REPORT:report; do
        tool="${p#*:}" p="${p%%:*}"
        [[ "$(grep -c "^\"UNIVERSAL_NEURONS:\([A-Z_]*:\)\?$p\":\$" "$yml")" == 1 ]] || bad+=("$p")
        grep -A1 "^\"UNIVERSAL_NEURONS:\([A-Z_]*:\)\?$p\":\$" "$yml" | grep -q "^    $tool: stub\$" || bad+=("$p's tool $tool")
    done
    ((${#bad[@]} == 0)) || fail "software_versions.yml: missing or wrong: ${bad[*]}" "$yml"
}

# WEIGHTS and INTERVENE ask for the plan's memory (tests/lib/PlanTest.groovy: the demo's tasks at the 4,096 MiB floor;
# INTERVENE's model and one batch's runs are 59 MiB of native memory beside the heap, WEIGHTS has none), and REPORT
# stages their directories in the plan's order (each stub writes whose it is into its first file)
@test "stub run: WEIGHTS and INTERVENE get the plan's memory; REPORT gets their directories in the plan's order" {
    [[ -f "$WORK/staged.trace" ]] || skip "needs the stub run of the first test"
    local got r
    task_dir() { dirname "$(grep -l "^### name: 'UNIVERSAL_NEURONS:$1'\$" "$WORK"/staged/work/*/*/.command.run)"; }
    [[ "$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
                       $h["process"] ~ /:(WEIGHTS|INTERVENE)$/ { print $h["memory"] }' "$WORK/staged.trace" | sort -u)" == '4 GB' ]] \
        || fail "WEIGHTS or INTERVENE did not ask for the plan's 4 GB" "$WORK/staged.log"
    got="$(grep -h '^java: ' "$(task_dir 'WEIGHTS (seed1)')/.command.out")"
    [[ "$got" == 'java: -Xmx3584m '* ]] || fail "WEIGHTS (seed1): $got, not the heap of 4,096 - 512 MiB" "$WORK/staged.log"
    got="$(grep -h '^java: ' "$(task_dir 'INTERVENE (trained)')/.command.out")"
    [[ "$got" == 'java: -Xmx3525m '* ]] || fail "INTERVENE (trained): $got, not the heap of 4,096 - 59 - 512 MiB" "$WORK/staged.log"
    r="$(task_dir 'REPORT (report)')"
    got="$(cat "$r"/roles/{1,2,3,4,5}/roles/roles.csv | paste -sd' ')"
    [[ "$got" == 'seed1 seed2 seed3 seed4 control' ]] || fail "REPORT's roles, in order: $got" "$WORK/staged.log"
    got="$(cat "$r"/interventions/{1,2}/interventions/entropy.csv | paste -sd',')"
    [[ "$got" == 'trained seed1,control control' ]] || fail "REPORT's interventions, in order: $got" "$WORK/staged.log"
}

# fused in 2 chunks (one shard each: tokens_per_task 65,536 = 512 x 128) x 2 blocks of a's layers (layers_per_task 1):
# no EXTRACT, no STATS_PARTIAL (the first block of each chunk makes the statistics), MERGE and FINALISE per (pair,
# block), UNIVERSALITY over every block of its pairs
@test "stub run, fused: CORRELATE_FUSED per (chunk, block), MERGE and FINALISE per (pair, block), no activations" {
    stub fused --correlate_mode fused --tokens_per_task 65536 --layers_per_task 1
    tasks_as_planned fused
    # the params that differ from the schema's defaults are printed at the start, and the report's path at the end
    grep -q "^params not at their defaults: correlate_mode=fused, layers_per_task=1, outdir=$WORK/fused/results, tokens_per_task=65536\$" \
        "$WORK/fused.log" || fail "no line of the params not at their defaults" "$WORK/fused.log"
    grep -q "^report: $WORK/fused/results/report/index.html\$" "$WORK/fused.log" \
        || fail "no end-of-run line with the report's path" "$WORK/fused.log"
    grep -q '^plan: 2 analysis shards, 48 tasks: CORPUS 1, TRAIN 5, CORRELATE_FUSED 4, MERGE 12, FINALISE 12, STATS_FINAL 2, UNIVERSALITY 2, FAMILIES 2, WEIGHTS 5, INTERVENE 2, REPORT 1$' \
        "$WORK/fused.log" || fail "not the fused plan of 2 chunks x 2 blocks" "$WORK/fused.log"
    local missing="" i b out
    for i in 2 3 4; do for b in L00-00 L01-01; do
        [[ -e "$WORK/fused/results/correlations/seed1__seed$i.$b.summary.h5" && -e "$WORK/fused/results/correlations/control__seed$i.$b.summary.h5" ]] \
            || missing+=" correlations/*__seed$i.$b.summary.h5"
    done; done
    for f in stats/seed1.stats.h5 stats/control.stats.h5 universality/trained/neurons.csv universality/control/neurons.csv report/index.html; do
        [[ -e "$WORK/fused/results/$f" ]] || missing+=" $f"
    done
    [[ -z "$missing" ]] || fail "missing outputs:$missing" "$WORK/fused.log"
    # each task's chunk, block and statistics (the stub prints the tool's inputs)
    out="$(grep -h '^inputs: ' "$WORK"/fused/work/*/*/.command.out | sed 's/.*--shard //' | sort)"
    [[ "$out" == "shards/analysis.00000.h5 --chunk c00000.L00-00 --layers-a 0-0 --stats-model seed1 --stats-model control
shards/analysis.00000.h5 --chunk c00000.L01-01 --layers-a 1-1
shards/analysis.00001.h5 --chunk c00001.L00-00 --layers-a 0-0 --stats-model seed1 --stats-model control
shards/analysis.00001.h5 --chunk c00001.L01-01 --layers-a 1-1" ]] || fail "CORRELATE_FUSED tasks: $out" "$WORK/fused.log"
    # UNIVERSALITY takes every block of its pairs; STATS_FINAL one partial per chunk
    out="$(ls "$(dirname "$(grep -l "^### name: 'UNIVERSAL_NEURONS:UNIVERSALITY (trained)'" "$WORK"/fused/work/*/*/.command.run)")/summaries" | paste -sd' ')"
    [[ "$out" == 'seed1__seed2.L00-00.summary.h5 seed1__seed2.L01-01.summary.h5 seed1__seed3.L00-00.summary.h5 seed1__seed3.L01-01.summary.h5 seed1__seed4.L00-00.summary.h5 seed1__seed4.L01-01.summary.h5' ]] \
        || fail "UNIVERSALITY (trained) got: $out" "$WORK/fused.log"
    out="$(ls "$(dirname "$(grep -l "^### name: 'UNIVERSAL_NEURONS:NEURON_STATS:STATS_FINAL (seed1)'" "$WORK"/fused/work/*/*/.command.run)")/partials" | paste -sd' ')"
    [[ "$out" == 'seed1.c00000.L00-00.stats-partial.h5 seed1.c00001.L00-00.stats-partial.h5' ]] || fail "STATS_FINAL (seed1) got: $out" "$WORK/fused.log"
    # MERGE asks for the plan's memory (at least 2,048 MiB); REPORT is given the plan
    [[ "$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next } $h["process"] ~ /:MERGE$/ { print $h["memory"] }' "$WORK/fused.trace" | sort -u)" == '2 GB' ]] \
        || fail "MERGE's memory is not the plan's 2 GB" "$WORK/fused.log"
    out="$(cat "$(dirname "$(grep -l "^### name: 'UNIVERSAL_NEURONS:REPORT" "$WORK"/fused/work/*/*/.command.run)")/plan.tsv" | head -n 2)"
    [[ "$out" == $'item\tvalue\ntasks\t48: CORPUS 1, TRAIN 5, CORRELATE_FUSED 4, MERGE 12, FINALISE 12, STATS_FINAL 2, UNIVERSALITY 2, FAMILIES 2, WEIGHTS 5, INTERVENE 2, REPORT 1' ]] \
        || fail "REPORT's plan.tsv: $out" "$WORK/fused.log"
}

# with demo_analysis_shards null (all the shards the corpus gives) the plan is printed per shard first, with numbers
# once the shards are made
@test "stub run, pairs all, all shards: every ordered pair, one table per model, REPORT reads the anchor's" {
    printf 'pairs: all\nseeds: 3\ndemo_analysis_shards: null\n' >"$WORK/all.yaml"
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

# a study (lib/StudyGrid.groovy): 2 widths x 3 seeds trained once each, cells per (width, step); a step added with
# -resume re-runs only its own cells' tasks (TRAIN, whose checkpoints do not depend on study_steps, stays cached)
@test "stub run, study: cells per (width, step), DYNAMICS takes every cell, REPORT the last; a step added with -resume runs only its cells" {
    local out missing f
    stub study --seeds 3 --study_steps 4 --study_widths 16,32
    tasks_as_planned study
    out="$(grep -h -e '^tables: ' -e '^dynamics tables: ' "$WORK"/study/work/*/*/.command.out | sort)"
    [[ "$out" == *'tables: groups/1/w32-step4 groups/2/w32-step4-control'* ]] || fail "REPORT got: $out" "$WORK/study.log"
    [[ "$out" == *'dynamics tables: w16,4,trained=tables/1/w16-step4 w16,4,control=tables/2/w16-step4-control w32,4,trained=tables/3/w32-step4 w32,4,control=tables/4/w32-step4-control'* ]] \
        || fail "DYNAMICS got: $out" "$WORK/study.log"
    for f in universality/w16-step4/neurons.csv universality/w32-step4-control/neurons.csv dynamics/curves.csv \
             dynamics/trajectories.csv models/w16-seed1/steps/step000004/model.safetensors models/w32-control/config.json; do
        [[ -e "$WORK/study/results/$f" ]] || missing+=" $f"
    done
    [[ -z "${missing:-}" ]] || fail "missing outputs:$missing" "$WORK/study.log"

    # step 8 added: its 2 cells (4 groups) run, TRAIN and every task of step 4's cells are cached
    (cd "$WORK/study" && run_stub "$WORK/study" "$WORK/study-more.log" --outdir "$WORK/study/results" -resume \
        --seeds 3 --study_steps 4,8 --study_widths 16,32) || fail "the resumed study failed" "$WORK/study-more.log"
    local trace ran cached
    trace="$(newest_trace "$WORK/study/results")"
    ran="$(tasks_with COMPLETED "$trace" | paste -sd' ')" cached="$(tasks_with CACHED "$trace" | paste -sd' ')"
    # new: 2 cells x (2 + 2 pairs) over 2 shards (CORRELATE 16, MERGE 8, FINALISE 8), their 6 new models' extracts
    # (12), the 2 anchors' statistics (STATS_PARTIAL 4, STATS_FINAL 2), 4 tables; then DYNAMICS and the last cell's
    # FAMILIES 2, WEIGHTS 4, INTERVENE 2 and REPORT (the report's cell is now step 8)
    [[ "$ran" == 'CORRELATE 16 DYNAMICS 1 EXTRACT 12 FAMILIES 2 FINALISE 8 INTERVENE 2 MERGE 8 REPORT 1 STATS_FINAL 2 STATS_PARTIAL 4 UNIVERSALITY 4 WEIGHTS 3' ]] \
        || fail "the resumed study ran: $ran (cached: $cached)" "$WORK/study-more.log"
    [[ "$cached" == *'TRAIN 8'* && "$cached" == *'UNIVERSALITY 4'* && "$cached" == *'CORPUS 1'* ]] \
        || fail "the resumed study cached: $cached (ran: $ran)" "$WORK/study-more.log"
}

@test "stub run, study fused: one CORRELATE_FUSED per cell holding only that cell's models; each control's statistics once" {
    local out
    stub study-fused --seeds 3 --study_steps 4,8 --study_widths 16 --correlate_mode fused
    tasks_as_planned study-fused
    out="$(grep -h '^inputs: ' "$WORK"/study-fused/work/*/*/.command.out | sort)"
    [[ "$(grep -c . <<<"$out")" == 2 ]] || fail "CORRELATE_FUSED tasks: $out" "$WORK/study-fused.log"
    grep -q -- '--chunk w16-step4.c00000' <<<"$out" && grep -q -- '--chunk w16-step8.c00000' <<<"$out" \
        || fail "no task per cell: $out" "$WORK/study-fused.log"
    ! grep -- "--chunk w16-step8" <<<"$out" | grep -q -e 'step4 ' -e 'stats-model w16-control' \
        || fail "step 8's task holds step 4's models or the control's statistics again: $out" "$WORK/study-fused.log"
}

# --plan_only: the plan printed and written to pipeline_info, no task started
@test "plan_only: prints the plan (tasks, memory, work/ disk, FLOP, GPU-hours), writes plan.txt, plan.tsv and plan.json, starts no task" {
    local dir="$WORK/plan_only" log="$WORK/plan_only.log" rc=0
    run_nf "$dir" "$log" --plan_only true --correlate_mode fused --outdir "$dir/results" || rc=$?
    ((rc == 0)) || fail "the plan_only run failed (exit $rc)" "$log"
    ! grep -q 'Submitted process' "$log" || fail "a task started" "$log"
    local item
    for item in '^plan: 2 analysis shards, 27 tasks: CORPUS 1, TRAIN 5, CORRELATE_FUSED 1, FINALISE 6, STATS_FINAL 2, UNIVERSALITY 2, FAMILIES 2, WEIGHTS 5, INTERVENE 2, REPORT 1$' \
                '^  memory CORRELATE_FUSED  4.3 GB host per task x 1 task$' '^  work/ at peak  ' '^  FLOP  ' '^  GPU-hours  ' \
                '^  verdict  *fits$' '^plan_only: '; do
        grep -q "$item" "$log" || fail "no line matching '$item'" "$log"
    done
    [[ -s "$dir/results/pipeline_info/plan.txt" && "$(head -n 1 "$dir/results/pipeline_info/plan.tsv")" == $'item\tvalue' ]] \
        || fail "no pipeline_info/plan.txt and plan.tsv" "$log"
    grep -q $'^verdict\tfits$' "$dir/results/pipeline_info/plan.tsv" || fail "plan.tsv has no verdict row" "$dir/results/pipeline_info/plan.tsv"
    # plan.json: the same plan in numbers (its content is checked in PlanTest.groovy)
    grep -q '"total_tasks": 27,' "$dir/results/pipeline_info/plan.json" && grep -q '"fits": true' "$dir/results/pipeline_info/plan.json" \
        || fail "plan.json does not hold the plan" "$dir/results/pipeline_info/plan.json"
}

# a plan that does not fit: refused before any task, with the params that would fix it
@test "plan refused: work/ above max_work_disk stops the run before any task, naming the fix" {
    local dir="$WORK/refused" log="$WORK/refused.log" rc=0
    run_nf "$dir" "$log" --max_work_disk 0.001 --outdir "$dir/results" || rc=$?
    ((rc != 0)) || fail "the run was not refused" "$log"
    ! grep -q 'Submitted process' "$log" || fail "a task started" "$log"
    grep -q '^plan: the run does not fit its limits, no task was started:' "$log" || fail "no refusal line" "$log"
    grep -q '^  work/ would hold 2.8 GB at its peak, above max_work_disk 0.001 GB$' "$log" || fail "no disk line" "$log"
    grep -q '^  fix: set correlate_mode fused' "$log" || grep -q '^  fix: lower max_tokens' "$log" || fail "no fix line" "$log"
}

# all shards (demo_analysis_shards null, no max_tokens): S is known once CORPUS has made them; the plan is printed and
# checked again then, and a plan that does not fit stops the run before any task after CORPUS
@test "plan refused once the shards are made: no task after CORPUS" {
    local dir="$WORK/refused_late" log="$WORK/refused_late.log" rc=0
    mkdir -p "$dir"
    printf 'demo_analysis_shards: null\n' >"$dir/params.yaml"
    run_stub "$dir" "$log" -params-file "$dir/params.yaml" --max_work_disk 0.001 --outdir "$dir/results" || rc=$?
    ((rc != 0)) || fail "the run was not stopped" "$log"
    grep -q '^  verdict  *memory fits; disk and FLOPs are planned once the shards are made$' "$log" || fail "no verdict before the run" "$log"
    grep -q 'plan: with its 2 shards the run does not fit its limits; no task after CORPUS was started:$' "$log" \
        || fail "no refusal once the shards were made" "$log"
    [[ "$(grep 'Submitted process' "$log" | sed 's/.*> //')" == 'UNIVERSAL_NEURONS:TOKENS:CORPUS (demo)' ]] \
        || fail "tasks other than CORPUS started" "$log"
}
