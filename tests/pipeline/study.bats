#!/usr/bin/env bats
# A real study (lib/StudyGrid.groovy, docs/dynamics.md) on -profile test's tiny models: 2 widths (16, 32) x 3 seeds,
# each trained once for 10 steps saving checkpoints at 1, 2, 4, 8 and 10, analysed at steps 4 and 10 (4 cells, each
# with its control group), made once in setup_file. Then: the study's files and report section; a step added with
# -resume runs only its cells; the tables of one step equal those of a separate study of that step alone.

load helpers

STUDY_ARGS=(-profile test --seeds 3 --study_widths 16,32)

setup_file() {
    export WORK STUDY
    WORK="$(work_dir study)" STUDY="$(work_dir study)/study"
    local rc=0
    run_nf "$STUDY" "$WORK/study.log" "${STUDY_ARGS[@]}" --study_steps 4,10 --outdir "$STUDY/results" \
        -with-trace "$WORK/study-1.trace" || rc=$?
    echo "$rc" >"$WORK/study.rc"
}

needs_study() {
    [[ "$(cat "$WORK/study.rc" 2>/dev/null)" == 0 ]] \
        || skip "needs the study run, which failed (first test; $WORK/study.log)"
}

@test "study: 2 widths x 2 steps x 3 seeds complete every task of the plan" {
    [[ "$(cat "$WORK/study.rc")" == 0 ]] || fail "the study failed (exit $(cat "$WORK/study.rc"))" "$WORK/study.log"
    local got want
    got="$(tasks_with COMPLETED "$WORK/study-1.trace")" want="$(plan_tasks "$WORK/study.log")"
    [[ -n "$want" && "$got" == "$want" ]] \
        || fail "expected the plan's tasks ${want//$'\n'/, }; completed: ${got//$'\n'/, }" "$WORK/study.log"
}

@test "study: a table per cell and group, the curves of every cell, the report's section with its figures and data" {
    needs_study
    local r="$STUDY/results" bad=() f cell kind rows
    for cell in w16-step4 w16-step10 w32-step4 w32-step10; do
        for f in "universality/$cell/neurons.csv" "universality/$cell-control/neurons.csv"; do
            [[ -s "$r/$f" ]] || bad+=("$f")
        done
    done
    for f in curves.csv layers.csv trajectories.csv onset.csv persistence.csv; do
        [[ -s "$r/dynamics/$f" ]] || bad+=("dynamics/$f")
    done
    ((${#bad[@]} == 0)) || fail "missing or empty: ${bad[*]}" "$WORK/study.log"
    # curves.csv: one row per table (4 cells x trained and control), the sizes and steps of the grid
    rows="$(awk -F, 'NR > 1 { print $1 "," $2 "," $3 }' "$r/dynamics/curves.csv" | sort | paste -sd' ')"
    [[ "$rows" == 'w16,10,control w16,10,trained w16,4,control w16,4,trained w32,10,control w32,10,trained w32,4,control w32,4,trained' ]] \
        || fail "curves.csv rows: $rows" "$WORK/study.log"
    # trajectories.csv: every neuron of each width's anchor (1 layer x 64, 1 layer x 128)
    rows="$(awk -F, 'NR > 1 { n[$1]++ } END { for (s in n) print s, n[s] }' "$r/dynamics/trajectories.csv" | sort | paste -sd' ')"
    [[ "$rows" == 'w16 64 w32 128' ]] || fail "trajectories.csv neurons per size: $rows" "$WORK/study.log"
    # the report: the study's section, every figure it shows, the last cell's groups, roles of its models
    local html="$r/report/index.html" img
    grep -q 'Universality through training' "$html" || fail "no study section in the report" "$WORK/study.log"
    for img in $(grep -o 'src="[^"]*"' "$html" | sed 's/^src="//; s/"$//'); do
        [[ -s "$r/report/$img" ]] || bad+=("report/$img")
    done
    ((${#bad[@]} == 0)) || fail "the report shows missing figures: ${bad[*]}" "$WORK/study.log"
    grep -q 'w32-step10-control' "$html" || fail "the report does not show the last cell's control group" "$WORK/study.log"
    grep -q 'data-key="roles_w32-seed1-step10_prediction"' "$html" && grep -q 'data-key="roles_w32-control_prediction"' "$html" \
        || fail "no roles of the last cell's anchor and control in the report" "$WORK/study.log"
}

@test "study: the mean excess correlation of curves.csv is that of each cell's neurons.csv (float64 recomputed here)" {
    needs_study
    local r="$STUDY/results" size step kind group want got
    while IFS=, read -r size step kind; do
        group="$size-step$step"; [[ "$kind" == control ]] && group+="-control"
        want="$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "excess_corr") c = i; next } { s += $c; n++ } END { printf "%.6f", s / n }' \
            "$r/universality/$group/neurons.csv")"
        got="$(awk -F, -v s="$size" -v t="$step" -v k="$kind" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "mean_excess") c = i; next }
                    $1 == s && $2 == t && $3 == k { printf "%.6f", $c }' "$r/dynamics/curves.csv")"
        [[ -n "$got" && "$got" == "$want" ]] || fail "$group: curves.csv mean_excess $got, neurons.csv mean $want"
    done < <(awk -F, 'NR > 1 { print $1 "," $2 "," $3 }' "$r/dynamics/curves.csv")
}

@test "study: a step added with -resume runs only its cells; TRAIN and step 4's and 10's tasks stay cached" {
    needs_study
    local log="$WORK/study-more.log" ran cached
    run_nf "$STUDY" "$log" "${STUDY_ARGS[@]}" --study_steps 4,8,10 --outdir "$STUDY/results" -resume \
        -with-trace "$WORK/study-2.trace" || fail "the resumed study failed" "$log"
    ran="$(tasks_with COMPLETED "$WORK/study-2.trace" | paste -sd' ')" cached="$(tasks_with CACHED "$WORK/study-2.trace" | paste -sd' ')"
    # new: 2 cells x (2 + 2 pairs) over 2 shards (CORRELATE 16, MERGE 8, FINALISE 8), the 6 new models' extracts
    # (12), the 2 anchors' statistics (STATS_PARTIAL 4, STATS_FINAL 2), 4 tables; then DYNAMICS and REPORT
    [[ "$ran" == 'CORRELATE 16 DYNAMICS 1 EXTRACT 12 FINALISE 8 MERGE 8 REPORT 1 STATS_FINAL 2 STATS_PARTIAL 4 UNIVERSALITY 4' ]] \
        || fail "the resumed study ran: $ran (cached: $cached)" "$log"
    [[ "$cached" == *'TRAIN 8'* && "$cached" == *'UNIVERSALITY 8'* && "$cached" == *'WEIGHTS 4'* ]] \
        || fail "the resumed study cached: $cached (ran: $ran)" "$log"
    [[ -s "$STUDY/results/universality/w32-step8/neurons.csv" ]] || fail "no table of the new cell w32-step8" "$log"
}

@test "study: the tables of step 4 equal those of a separate study of step 4 alone (trained again, from nothing)" {
    needs_study
    local one="$WORK/one" log="$WORK/one.log" diff group
    run_nf "$one" "$log" "${STUDY_ARGS[@]}" --study_steps 4 --outdir "$one/results" --families false --roles false \
        || fail "the study of step 4 alone failed" "$log"
    for group in w16-step4 w16-step4-control w32-step4 w32-step4-control; do
        diff="$(csv_diff "$STUDY/results/universality/$group/neurons.csv" "$one/results/universality/$group/neurons.csv" 1e-9 2>/dev/null)"
        [[ -z "$diff" ]] || fail "$group: $diff" "$log"
    done
}
