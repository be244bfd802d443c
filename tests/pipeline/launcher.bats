#!/usr/bin/env bats
# The launcher (./nextflow), the task jars it builds, the configuration of every profile, params/demo.yaml.

load helpers

setup_file() {
    export WORK
    WORK="$(work_dir launcher)"
}

@test "launcher: ./nextflow -version works (fetches Nextflow 24.10.0 on first use)" {
    local log="$WORK/version.log"
    "$NF" -version >"$log" 2>&1 || fail "./nextflow -version failed" "$log"
    grep -q 'version 24.10.0' "$log" || fail "no 'version 24.10.0' in the output" "$log"
}

# every task shares java-tasks/dist/lib: one version per library, or a task may load the wrong one
@test "launcher: java-tasks/dist/lib holds one version of each library" {
    local dups
    dups="$(ls "$ROOT/java-tasks/dist/lib" | sed -E 's/-[0-9][0-9A-Za-z.]*(-[0-9][0-9A-Za-z.]*)*(-linux-x86_64)?\.jar$/\2/' | sort | uniq -d)"
    [[ -z "$dups" ]] || fail "several versions of: ${dups//$'\n'/, }"
}

@test "launcher: a source file newer than the last build makes ./nextflow rebuild, once; jars whose bytes did not change keep their time" {
    local log="$WORK/rebuild.log" src jar="$ROOT/java-tasks/dist/tokenize.jar" stamp="$ROOT/java-tasks/dist/.built"
    local sum_before time_before
    src="$(find "$ROOT/java-tasks/tokenize/src/main" -name '*.java' | head -n 1)"
    if [[ -f "$jar" ]]; then sum_before="$(sha256sum <"$jar")" time_before="$(stat -c %.9Y "$jar")"; fi
    touch "$src"
    # the first run builds every task jar before it starts
    STUB_TIMEOUT=1200 run_stub "$WORK/rebuild" "$log" --outdir "$WORK/rebuild/results" \
        || fail "the run after touching ${src#"$ROOT"/} failed" "$log"
    grep -q '^nextflow launcher: building task jars' "$log" || fail "no rebuild after touching ${src#"$ROOT"/}" "$log"
    [[ -f "$stamp" && ! "$stamp" -ot "$src" ]] || fail "dist/.built is older than ${src#"$ROOT"/}" "$log"
    # the builds are reproducible: a touched source gives the same bytes, and the jar keeps its time (so -resume
    # keeps the tasks that take it)
    if [[ -n "${sum_before:-}" && "$(sha256sum <"$jar")" == "$sum_before" ]]; then
        [[ "$(stat -c %.9Y "$jar")" == "$time_before" ]] || fail "tokenize.jar has the same bytes but a new time" "$log"
    fi
    run_stub "$WORK/rebuild" "$log.2" --outdir "$WORK/rebuild/results" || fail "the next run failed" "$log.2"
    ! grep -q '^nextflow launcher: building' "$log.2" || fail "the next run rebuilt again" "$log.2"
}

# config_profile PROFILE PATTERN: the configuration of PROFILE resolves and holds PATTERN
config_profile() {
    local log="$WORK/config-${1/,/-}.log"
    "$NF" config -profile "$1" "$ROOT" >"$log" 2>&1 || fail "./nextflow config -profile $1 failed" "$log"
    grep -q -- "$2" "$log" || fail "no '$2' in the resolved config of -profile $1" "$log"
}

@test "config: -profile standard resolves"   { config_profile standard 'resourceLimits = \[cpus:'; }
@test "config: -profile test resolves"       { config_profile test 'resourceLimits = \[cpus:'; }
@test "config: -profile gpu resolves"        { config_profile gpu 'accelerator = 1'; }
@test "config: -profile slurm,gpu resolves"  { config_profile slurm,gpu "executor = 'slurm'"; }
@test "config: -profile docker resolves"     { config_profile docker 'enabled = true'; }
@test "config: -profile apptainer resolves"  { config_profile apptainer 'enabled = true'; }

# GPU processes are chosen by their label, which only -profile gpu configures
@test "config: process_gpu is configured by -profile gpu only, and carried by TRAIN, EXTRACT, CORRELATE, CORRELATE_FUSED" {
    local log="$WORK/config-gpu-label.log" std="$WORK/config-standard-label.log" got
    got="$(gpu_processes | paste -sd' ')"
    [[ "$got" == 'CORRELATE CORRELATE_FUSED EXTRACT TRAIN' ]] || fail "modules with label process_gpu: $got"
    "$NF" config -profile gpu "$ROOT" >"$log" 2>&1 || fail "./nextflow config -profile gpu failed" "$log"
    awk '/withLabel:process_gpu/ { in_gpu = 1 } in_gpu && /accelerator = 1/ { found = 1 } in_gpu && /^   *}/ { in_gpu = 0 }
         END { exit !found }' "$log" || fail "-profile gpu: no accelerator = 1 under withLabel:process_gpu" "$log"
    ! grep -q 'withName:' "$ROOT/conf/gpu.config" || fail "conf/gpu.config selects processes by name"
    "$NF" config -profile standard "$ROOT" >"$std" 2>&1 || fail "./nextflow config -profile standard failed" "$std"
    ! grep -q 'process_gpu\|accelerator' "$std" || fail "-profile standard configures process_gpu or an accelerator" "$std"
}

# params/demo.yaml states the defaults: every key it sets equals nextflow.config's value
@test "params/demo.yaml holds exactly the defaults of nextflow.config" {
    local log="$WORK/demo_params.log" line key value got bad=()
    "$NF" config -flat "$ROOT" >"$log" 2>&1 || fail "./nextflow config -flat failed" "$log"
    while IFS= read -r line; do
        [[ "$line" =~ ^([a-z_0-9]+):\ (.*)$ ]] || continue
        key="${BASH_REMATCH[1]}" value="${BASH_REMATCH[2]}"
        got="$(grep -m1 "^params.$key = " "$log" | sed "s/^params.$key = //")"
        value="$(tr -d "[]' " <<<"$value")" got="$(tr -d "[]' " <<<"$got")"
        [[ "$got" == "$value" ]] || bad+=("$key: demo.yaml '$value', default '$got'")
    done <"$ROOT/params/demo.yaml"
    ((${#bad[@]} == 0)) || fail "differs: ${bad[*]}" "$log"
}
