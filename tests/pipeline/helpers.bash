# Shared by the pipeline tests (tests/pipeline/*.bats; `load helpers`). Runs Nextflow through ./nextflow on the
# repository's own small inputs and reads what it did: trace files, run logs (the `plan:` line), published results.
#
# Work goes to $UN_TEST_WORK/<name> when set (.ci/test.sh sets it and keeps it when a test fails), else to bats'
# per-file temporary directory. The repository is not written to except by ./nextflow's own caches (.cache,
# .nxf-home) and the java-tasks build.

ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
NF="$ROOT/nextflow"
MAIN="$ROOT/main.nf"
export DJL_OFFLINE=true OPT_OUT_TRACKING=true

# work_dir NAME: a directory for this test file's runs
work_dir() {
    local d="${UN_TEST_WORK:-$BATS_FILE_TMPDIR}/$1"
    mkdir -p "$d"
    echo "$d"
}

# run_nf DIR LOG args...: ./nextflow run main.nf in launch directory DIR, output in LOG; returns Nextflow's exit
# code, or 124 when the run takes longer than NF_TIMEOUT seconds (default 1800: no test run takes a tenth of it)
run_nf() {
    local dir="$1" log="$2"
    shift 2
    mkdir -p "$dir"
    (cd "$dir" && timeout -k 30 "${NF_TIMEOUT:-1800}" "$NF" run "$MAIN" -ansi-log false "$@") >"$log" 2>&1
}

# run_stub DIR LOG args...: run_nf for a -stub-run. Stub tasks end within milliseconds, and now and then Nextflow
# 24.10's local executor then stops submitting: tasks stay queued with nothing running, and the run never ends
# (seen once in many stub runs here, never in a real run). So a stub run gets STUB_TIMEOUT seconds (default 300),
# and one more try if it hangs.
run_stub() {
    local rc=0
    NF_TIMEOUT="${STUB_TIMEOUT:-300}" run_nf "$@" -stub-run || rc=$?
    if ((rc == 124)); then
        echo "run_stub: the stub run hung (tasks queued, none running); trying once more" >>"$2.hung"
        cat "$2" >>"$2.hung"
        rc=0
        NF_TIMEOUT="${STUB_TIMEOUT:-300}" run_nf "$@" -stub-run || rc=$?
    fi
    return "$rc"
}

# fail MESSAGE [LOG]: the test fails with MESSAGE and the last lines of LOG
fail() {
    echo "$1" >&2
    if [[ -n "${2:-}" && -f "${2:-}" ]]; then
        echo "---- last lines of $2:" >&2
        tail -n 25 "$2" | sed 's/^/    /' >&2
        echo "----" >&2
    fi
    return 1
}

# newest_trace RESULTS: the trace of the last run that published into RESULTS (pipeline_info/execution_trace_*.txt,
# written by every run: nextflow.config)
newest_trace() {
    ls -t "$1"/pipeline_info/execution_trace_*.txt 2>/dev/null | head -n 1
}

# status_counts TRACE: "STATUS count" lines of a trace file (by column name, not position)
status_counts() {
    awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "status") c = i; next } { n[$c]++ }
                END { for (s in n) print s, n[s] }' "$1" | sort
}

# tasks_with STATUS TRACE: "PROCESS count" of the tasks with that status (process names without the workflow prefix)
tasks_with() {
    awk -F'\t' -v s="$1" 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "status") c = i; if ($i == "process") p = i }; next }
                          $c == s { q = $p; sub(/.*:/, "", q); n[q]++ } END { for (q in n) print q, n[q] }' "$2" | sort
}

# plan_tasks LOG [PROCESS...]: "PROCESS count" per process of the last `plan:` line of a run log (lib/Plan.groovy),
# sorted by name; with PROCESS names, only those
plan_tasks() {
    local log="$1" line
    shift
    line="$(grep '^plan: [0-9]* analysis shards\?, [0-9]* tasks: ' "$log" | tail -n 1)"
    [[ -n "$line" ]] || { echo "no plan line with task counts in $log" >&2; return 1; }
    tr ',' '\n' <<<"${line#*tasks: }" | sed 's/^ *//' | awk -v only="$*" '
        BEGIN { n = split(only, w, " "); for (i = 1; i <= n; i++) keep[w[i]] = 1 }
        n == 0 || ($1 in keep)' | sort
}

# plan_total LOG: the number of tasks of the last `plan:` line
plan_total() {
    grep '^plan: [0-9]* analysis shards\?, [0-9]* tasks: ' "$1" | tail -n 1 | sed 's/^plan: [0-9]* analysis shards\?, \([0-9]*\) tasks: .*/\1/'
}

# plan_without LOG PROCESS...: plan_tasks LOG less the named processes
plan_without() {
    local log="$1"
    shift
    plan_tasks "$log" | awk -v drop="$*" 'BEGIN { n = split(drop, w, " "); for (i = 1; i <= n; i++) d[w[i]] = 1 } !($1 in d)'
}

# checksums DIR: sha256 of every published result except the per-run reports
checksums() {
    (cd "$1" && find . -type f -not -path './pipeline_info/*' | sort | xargs -r sha256sum)
}

# published_checksums DIR: checksums of every published result but the per-run reports (pipeline_info), with
# report/index.html hashed without its Timings table: the wall and CPU seconds the tasks took are a measurement of
# the run, the one part of a result that differs between runs by design
published_checksums() {
    (cd "$1" && find . -type f -not -path './pipeline_info/*' -not -path './report/index.html' | sort | xargs -r sha256sum
     if [[ -f report/index.html ]]; then
         sed '/^<h3>Timings<\/h3>$/,/^<h3>Training<\/h3>$/{/^<h3>Training<\/h3>$/!d}' report/index.html \
             | sha256sum | sed 's|  -$|  ./report/index.html (without its Timings table)|'
     fi)
}

# finished_task WORK MARKER PROCESS: some task of PROCESS has finished (written its .exitcode) in WORK since MARKER
# was touched
finished_task() {
    local f
    while IFS= read -r f; do
        grep -q "^### name: '.*:$3[ ']" "${f%/.exitcode}/.command.run" 2>/dev/null && return 0
    done < <(find "$1" -name .exitcode -newer "$2" 2>/dev/null)
    return 1
}

is_hdf5() { [[ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" == "894844460d0a1a0a" ]]; }

# demo_outputs N: DEMO_OUTPUTS = the published files of the demo DAG with seeds 1..N and the control
demo_outputs() {
    local n="$1" i
    DEMO_OUTPUTS=(corpus/analysis.00000.h5 corpus/analysis.00001.h5 corpus/vocab.json
                  models/control/config.json models/control/model.safetensors
                  stats/seed1.stats.h5 stats/control.stats.h5
                  universality/trained/neurons.csv universality/trained/neurons.h5
                  universality/trained/layer_fractions.csv universality/trained/percentiles.csv
                  universality/control/neurons.csv report/index.html
                  families/trained/families.csv families/trained/families.h5
                  families/control/families.csv families/control/families.h5
                  roles/control/roles.csv roles/control/roles_layers.csv roles/control/attention_scores.h5
                  interventions/trained/entropy.csv interventions/trained/attention.csv
                  interventions/trained/attention_points.h5 interventions/trained/prediction.csv
                  interventions/control/entropy.csv interventions/control/attention.csv
                  interventions/control/attention_points.h5 interventions/control/prediction.csv)
    for ((i = 1; i <= n; i++)); do
        DEMO_OUTPUTS+=("models/seed$i/config.json" "models/seed$i/train_log.csv" "roles/seed$i/roles.csv"
                       "roles/seed$i/roles_layers.csv" "roles/seed$i/attention_scores.h5")
    done
    for ((i = 2; i <= n; i++)); do
        DEMO_OUTPUTS+=("correlations/seed1__seed$i.summary.h5" "correlations/control__seed$i.summary.h5")
    done
}

# missing_outputs DIR FILE...: the files that DIR does not hold
missing_outputs() {
    local dir="$1" f
    shift
    for f in "$@"; do [[ -e "$dir/$f" ]] || echo "$f"; done
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
    # the roles and interventions the run made reached the report: counts per model, the unchanged run's numbers
    grep -q 'data-key="roles_seed1_prediction"' "$html" && grep -q 'data-key="roles_control_prediction"' "$html" \
        || problems+=("no roles section with seed1 and control")
    grep -q 'Unchanged run over' "$html" || problems+=("no interventions section")
    echo "${problems[*]}"
}

# report_timings DIR: "PROCESS tasks" per row of the report's Timings table (process names without the workflow prefix)
report_timings() {
    grep -o '<tr data-timing="[^"]*"><td>[^<]*</td><td class="n">[0-9,]*' "$1/report/index.html" \
        | sed 's/^<tr data-timing="\([^"]*\)".*<td class="n">\([0-9,]*\)$/\1 \2/; s/^[^ ]*://; s/,//g' | sort
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

# gpu_processes: the processes whose module carries the process_gpu label, one per line, sorted
gpu_processes() {
    local f
    for f in $(grep -l "^ *label 'process_gpu'" "$ROOT"/modules/local/*/main.nf); do
        sed -n 's/^process \([A-Z_]*\) {.*/\1/p' "$f"
    done | sort
}

# python_with_selenium: a python3 with h5py, pandas and selenium, when chromium and chromedriver are installed
python_with_selenium() {
    local py
    command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || return 1
    py="$(python_with_h5py)" || return 1
    "$py" -c 'import selenium' 2>/dev/null || return 1
    echo "$py"
}

# python_with_h5py: a python3 that imports h5py and pandas (Debian's /usr/bin/python3 first), or fail
python_with_h5py() {
    local py
    for py in /usr/bin/python3 "$(command -v python3 2>/dev/null)"; do
        [[ -n "$py" && -x "$py" ]] && "$py" -c 'import h5py, pandas' 2>/dev/null && { echo "$py"; return 0; }
    done
    return 1
}
