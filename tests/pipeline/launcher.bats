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

# `run main.nf --help` goes through the launcher's build like any run but starts no task: the check of the build
# does not depend on a stub run (whose rare hang in Nextflow's local executor would cost a timeout and a retry)
@test "launcher: a source file newer than the last build makes ./nextflow rebuild, once; jars whose bytes did not change keep their time" {
    local log="$WORK/rebuild.log" src jar="$ROOT/java-tasks/dist/tokenize.jar" stamp="$ROOT/java-tasks/dist/.built"
    local sum_before time_before
    src="$(find "$ROOT/java-tasks/tokenize/src/main" -name '*.java' | head -n 1)"
    if [[ -f "$jar" ]]; then sum_before="$(sha256sum <"$jar")" time_before="$(stat -c %.9Y "$jar")"; fi
    touch "$src"
    mkdir -p "$WORK/rebuild"
    (cd "$WORK/rebuild" && timeout 1200 "$NF" run "$MAIN" --help) >"$log" 2>&1 \
        || fail "./nextflow run main.nf --help after touching ${src#"$ROOT"/} failed" "$log"
    grep -q '^nextflow launcher: building task jars' "$log" || fail "no rebuild after touching ${src#"$ROOT"/}" "$log"
    grep -q -- '--outdir' "$log" || fail "no parameter help after the rebuild" "$log"
    [[ -f "$stamp" && ! "$stamp" -ot "$src" ]] || fail "dist/.built is older than ${src#"$ROOT"/}" "$log"
    # the builds are reproducible: a touched source gives the same bytes, and the jar keeps its time (so -resume
    # keeps the tasks that take it)
    if [[ -n "${sum_before:-}" && "$(sha256sum <"$jar")" == "$sum_before" ]]; then
        [[ "$(stat -c %.9Y "$jar")" == "$time_before" ]] || fail "tokenize.jar has the same bytes but a new time" "$log"
    fi
    (cd "$WORK/rebuild" && timeout 300 "$NF" run "$MAIN" --help) >"$log.2" 2>&1 || fail "the next run failed" "$log.2"
    ! grep -q '^nextflow launcher: building' "$log.2" || fail "the next run rebuilt again" "$log.2"
}

# The README's first command on a fresh machine: a checkout without java-tasks/dist builds every jar, then runs
# (the launcher's bookkeeping of jar times must not end it under set -e when there was no jar before)
@test "launcher: a checkout with no task jars builds them and goes on (the first run on a fresh machine)" {
    local copy="$WORK/fresh" log="$WORK/fresh.log"
    rm -rf "$copy" && mkdir -p "$copy"
    (cd "$ROOT" && git ls-files -co --exclude-standard -z | grep -zv '^java-tasks/dist/' | tar --null -T - -cf -) \
        | tar -C "$copy" -xf -
    # Nextflow and the schema validator as they are (their first fetch is tested above)
    mkdir -p "$copy/.cache" "$copy/lib"
    [[ ! -d "$ROOT/.cache/nextflow" ]] || ln -s "$ROOT/.cache/nextflow" "$copy/.cache/nextflow"
    cp "$ROOT"/lib/*.jar "$copy/lib/" 2>/dev/null || true
    [[ ! -e "$copy/java-tasks/dist" ]] || fail "the copy has a java-tasks/dist"
    (cd "$copy" && timeout 1200 ./nextflow run main.nf --help) >"$log" 2>&1 \
        || fail "./nextflow run main.nf --help in a checkout without task jars failed" "$log"
    grep -q '^nextflow launcher: building task jars (java-tasks/dist/.* is missing)' "$log" || fail "no build" "$log"
    grep -q -- '--outdir' "$log" || fail "no parameter help after the first build" "$log"
    [[ -f "$copy/java-tasks/dist/.built" && -f "$copy/java-tasks/dist/extract.jar" ]] || fail "no jars built" "$log"
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
@test "config: -profile podman resolves"     { config_profile podman "containerOptions = '--network none'"; }

# GPU processes are chosen by their label, which only -profile gpu configures
@test "config: process_gpu is configured by -profile gpu only, and carried by TRAIN, EXTRACT, CORRELATE, CORRELATE_FUSED, FAMILIES, INTERVENE" {
    local log="$WORK/config-gpu-label.log" std="$WORK/config-standard-label.log" got
    got="$(gpu_processes | paste -sd' ')"
    [[ "$got" == 'CORRELATE CORRELATE_FUSED EXTRACT FAMILIES INTERVENE TRAIN' ]] || fail "modules with label process_gpu: $got"
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

# --- GPU plumbing: the build flavour, -profile gpu on a CPU build, one GPU per task, SLURM not capped --------------

# fake_root DIR: a copy of the launcher over a one-module java-tasks/ whose jar is older than its source, a stand-in
# Nextflow jar and an empty lib/.jars (so nothing is fetched) and a fake `mvn` that records its arguments in
# DIR/mvn.args and builds nothing
fake_root() {
    local d="$1"
    mkdir -p "$d/java-tasks/tok/src/main" "$d/java-tasks/dist/lib" "$d/.cache/nextflow/lib" "$d/fakebin" "$d/lib"
    : >"$d/lib/.jars"
    cp "$ROOT/nextflow" "$d/nextflow"
    echo '<project><artifactId>uneurons-tasks</artifactId></project>' >"$d/java-tasks/pom.xml"
    echo '<project><parent><artifactId>task-parent</artifactId></parent><artifactId>tok</artifactId></project>' \
        >"$d/java-tasks/tok/pom.xml"
    touch "$d/.cache/nextflow/lib/nextflow-24.10.0.jar"
    touch -d '1 hour ago' "$d/java-tasks/dist/tok.jar"
    touch "$d/java-tasks/tok/src/main/Tok.java"
    printf '#!/usr/bin/env bash\necho "$*" >>"%s/mvn.args"\n' "$d" >"$d/fakebin/mvn"
    chmod +x "$d/fakebin/mvn"
}

# launch_fake DIR args...: the fake root's launcher (Nextflow itself then fails: its jar is empty); output in DIR/out
launch_fake() {
    local d="$1"
    shift
    (cd "$d" && PATH="$d/fakebin:$PATH" ./nextflow "$@") >"$d/out" 2>&1 || true
}

# UN_BUILD_ONLY=1 (tools/build-image.sh): the launcher builds the task jars of UN_BUILD_PROFILE and stops
@test "launcher: UN_BUILD_ONLY=1 builds the task jars and starts nothing" {
    local d="$BATS_TEST_TMPDIR/buildonly" rc=0
    fake_root "$d"
    (cd "$d" && PATH="$d/fakebin:$PATH" UN_BUILD_ONLY=1 UN_BUILD_PROFILE=cuda ./nextflow run main.nf) >"$d/out" 2>&1 || rc=$?
    ((rc == 0)) || fail "exit $rc" "$d/out"
    grep -q -- '-Pcuda package' "$d/mvn.args" || fail "no mvn -Pcuda package" "$d/out"
    grep -q '^nextflow launcher: building task jars' "$d/out" || fail "no build line" "$d/out"
    ! grep -q 'N E X T F L O W' "$d/out" || fail "Nextflow started" "$d/out"
}

# lib/*.jar (Nextflow loads them with the pipeline): the JSON Schema validator of the params check, fetched with Maven
# when lib/.jars is missing or older than tools/json-schema/pom.xml; a fetch replaces exactly the last fetch's jars
@test "launcher: fetches the JSON Schema validator into lib/ on first use and when its pom changes, replacing only its own jars" {
    local d="$BATS_TEST_TMPDIR/libjars"
    fake_root "$d"
    mkdir -p "$d/tools/json-schema"
    cp "$ROOT/tools/json-schema/pom.xml" "$d/tools/json-schema/pom.xml"
    # a fake mvn that "fetches" json-schema-validator-$FAKE_V.jar and a dependency into -Djars.dir (fails with FAKE_FAIL)
    cat >"$d/fakebin/mvn" <<'SH'
#!/usr/bin/env bash
echo "$*" >>"$(dirname "$0")/../mvn.args"
[[ -z "${FAKE_FAIL:-}" ]] || { echo "fake mvn: no network" >&2; exit 1; }
for a in "$@"; do
    if [[ "$a" == -Djars.dir=* ]]; then
        mkdir -p "${a#-Djars.dir=}"
        echo "$FAKE_V" >"${a#-Djars.dir=}/json-schema-validator-$FAKE_V.jar"
        echo dep >"${a#-Djars.dir=}/itu-1.0.jar"
    fi
done
SH
    chmod +x "$d/fakebin/mvn"
    rm "$d/lib/.jars"
    echo other >"$d/lib/other.jar"
    FAKE_V=2.0.4 launch_fake "$d" -version
    grep -q '^nextflow launcher: fetching the JSON Schema validator with Maven into lib/' "$d/out" || fail "no fetch" "$d/out"
    grep -q -- '-f .*tools/json-schema/pom.xml dependency:copy-dependencies' "$d/mvn.args" || fail "mvn: $(cat "$d/mvn.args")" "$d/out"
    [[ "$(paste -sd' ' "$d/lib/.jars")" == 'itu-1.0.jar json-schema-validator-2.0.4.jar' ]] || fail "lib/.jars: $(cat "$d/lib/.jars")" "$d/out"
    [[ -f "$d/lib/json-schema-validator-2.0.4.jar" && -f "$d/lib/itu-1.0.jar" ]] || fail "the jars are not in lib/" "$d/out"
    # up to date: no fetch
    : >"$d/mvn.args"
    FAKE_V=2.0.4 launch_fake "$d" -version
    [[ ! -s "$d/mvn.args" ]] || fail "fetched again: $(cat "$d/mvn.args")" "$d/out"
    # the pom is newer than the last fetch: a failed fetch stops with one line and leaves lib/ as it was
    touch -d '1 hour ago' "$d/lib/.jars"
    FAKE_FAIL=1 FAKE_V=2.0.5 launch_fake "$d" -version
    grep -q '^nextflow launcher: error: Maven could not fetch the JSON Schema validator' "$d/out" || fail "no error line" "$d/out"
    [[ -f "$d/lib/json-schema-validator-2.0.4.jar" && "$(wc -l <"$d/lib/.jars")" == 2 ]] || fail "a failed fetch changed lib/" "$d/out"
    # then a good one replaces the old version; jars it did not fetch stay; no temporary directory is left
    FAKE_V=2.0.5 launch_fake "$d" -version
    [[ -f "$d/lib/json-schema-validator-2.0.5.jar" && ! -e "$d/lib/json-schema-validator-2.0.4.jar" ]] \
        || fail "2.0.4 was not replaced by 2.0.5: $(ls "$d/lib")" "$d/out"
    [[ -f "$d/lib/other.jar" && -f "$d/lib/itu-1.0.jar" ]] || fail "a jar the fetch did not put there went: $(ls "$d/lib")" "$d/out"
    [[ -z "$(find "$d/lib" -name '*.tmp-*')" ]] || fail "a temporary directory is left: $(ls -a "$d/lib")" "$d/out"
}

@test "launcher: a stale CUDA build is rebuilt with -Pcuda (dist/.flavour, or the CUDA native jar), never as the CPU build" {
    local d="$BATS_TEST_TMPDIR/cuda"
    fake_root "$d"
    echo cuda >"$d/java-tasks/dist/.flavour"
    launch_fake "$d" run main.nf
    grep -q -- '-Pcuda' "$d/mvn.args" || fail "the rebuild of a CUDA build did not pass -Pcuda: $(cat "$d/mvn.args")" "$d/out"
    grep -q 'building task jars.*(cuda build)' "$d/out" || fail "the build line does not name the cuda build" "$d/out"
    [[ "$(cat "$d/java-tasks/dist/.flavour")" == cuda ]] || fail "dist/.flavour is not cuda after the build" "$d/out"
    # no flavour file (a build by hand with mvn -Pcuda): the CUDA native jar in dist/lib tells
    d="$BATS_TEST_TMPDIR/cuda-jar"
    fake_root "$d"
    touch "$d/java-tasks/dist/lib/pytorch-native-cu124-2.5.1-linux-x86_64.jar"
    launch_fake "$d" run main.nf
    grep -q -- '-Pcuda' "$d/mvn.args" || fail "dist/lib's CUDA native jar did not keep -Pcuda: $(cat "$d/mvn.args")" "$d/out"
    # a CPU build stays a CPU build, and UN_BUILD_PROFILE=cuda turns an up-to-date CPU build into the CUDA one
    d="$BATS_TEST_TMPDIR/cpu"
    fake_root "$d"
    echo cpu >"$d/java-tasks/dist/.flavour"
    launch_fake "$d" run main.nf
    ! grep -q -- '-Pcuda' "$d/mvn.args" || fail "a CPU build was rebuilt with -Pcuda" "$d/out"
    touch "$d/java-tasks/dist/tok.jar" "$d/java-tasks/dist/.built"
    : >"$d/mvn.args"
    UN_BUILD_PROFILE=cuda launch_fake "$d" run main.nf
    grep -q -- '-Pcuda' "$d/mvn.args" || fail "UN_BUILD_PROFILE=cuda did not rebuild with -Pcuda" "$d/out"
    grep -q 'the jars are the cpu build, UN_BUILD_PROFILE asks for cuda' "$d/out" || fail "no reason given" "$d/out"
}

@test "launcher: -profile gpu on a CPU-only build stops before any task with one line; docker,gpu, podman,gpu and apptainer,gpu pass" {
    local d="$BATS_TEST_TMPDIR/gpu-check" line
    fake_root "$d"
    echo cpu >"$d/java-tasks/dist/.flavour"
    UN_SKIP_BUILD=1 launch_fake "$d" run main.nf -profile test,gpu
    line="$(grep 'error' "$d/out")"
    [[ "$line" == "nextflow launcher: error: -profile gpu needs the CUDA build of the task jars, but java-tasks/dist is the cpu build: run UN_BUILD_PROFILE=cuda ./nextflow run ... (mvn -Pcuda), or add -profile docker, podman or apptainer for the GPU image" ]] \
        || fail "not the one line expected: $line" "$d/out"
    [[ "$(wc -l <"$d/out")" == 1 ]] || fail "more than one line" "$d/out"
    UN_SKIP_BUILD=1 launch_fake "$d" run main.nf -profile=gpu
    grep -q 'needs the CUDA build' "$d/out" || fail "-profile=gpu was not checked" "$d/out"
    for p in docker,gpu podman,gpu gpu,apptainer; do
        UN_SKIP_BUILD=1 launch_fake "$d" run main.nf -profile "$p"
        ! grep -q 'needs the CUDA build' "$d/out" || fail "-profile $p (the GPU image) was refused" "$d/out"
    done
    UN_GPU_BUILD_CHECK=off UN_SKIP_BUILD=1 launch_fake "$d" run main.nf -profile gpu
    ! grep -q 'needs the CUDA build' "$d/out" || fail "UN_GPU_BUILD_CHECK=off did not skip the check" "$d/out"
    echo cuda >"$d/java-tasks/dist/.flavour"
    UN_SKIP_BUILD=1 launch_fake "$d" run main.nf -profile gpu
    ! grep -q 'needs the CUDA build' "$d/out" || fail "a CUDA build was refused" "$d/out"
}

# maxForks under withLabel:process_gpu in the resolved configuration of a profile
gpu_max_forks() {
    "$NF" config -profile "$1" "$ROOT" 2>&1 | awk '/withLabel:process_gpu/ { g = 1 } g && /maxForks = / { print $3; exit }'
}

@test "config: -profile gpu caps GPU tasks at params.max_gpu_tasks (local executor); -profile slurm,gpu does not" {
    local forks
    forks="$(gpu_max_forks gpu)"
    [[ "$forks" == 1 ]] || fail "-profile gpu: maxForks '$forks', expected 1 (params.max_gpu_tasks)"
    for p in slurm,gpu gpu,slurm; do
        forks="$(gpu_max_forks "$p")"
        [[ "$forks" == 0 ]] || fail "-profile $p: maxForks '$forks', expected 0 (no cap: the scheduler places GPU jobs)"
    done
    "$NF" config -profile gpu "$ROOT" 2>&1 | grep -q "UN_GPUS = '1'" || fail "-profile gpu sets no UN_GPUS for un-task"
}

# untask_in TASKDIR args...: bin/un-task run in a task directory with the fake java, in the background
untask_in() {
    local dir="$1"
    shift
    mkdir -p "$dir/lib"
    echo jar >"$dir/task.jar"
    (cd "$dir" && PATH="$FAKE:$PATH" UN_LIB="$dir/lib" "$ROOT/bin/un-task" task.jar Fake "$@" >"$dir/gpu.txt" 2>"$dir/err")
}

@test "un-task: concurrent --device gpu tasks take distinct GPUs under a lock each, released at exit; others are left alone" {
    local w="$BATS_TEST_TMPDIR/untask/work" g1 g2 g3
    FAKE="$BATS_TEST_TMPDIR/fakebin"
    mkdir -p "$FAKE" "$w"
    ln -sf "$ROOT/tests/pipeline/gpu/fakejava" "$FAKE/java"
    export UN_GPUS=2 FAKE_JAVA_SLEEP=2
    unset CUDA_VISIBLE_DEVICES UN_GPU_LOCKS
    untask_in "$w/aa/t1" --device gpu &
    untask_in "$w/aa/t2" --device gpu &
    sleep 0.5
    untask_in "$w/bb/t3" --device gpu & # both GPUs taken: waits for the first to end
    wait
    g1="$(cut -d' ' -f1 "$w/aa/t1/gpu.txt")" g2="$(cut -d' ' -f1 "$w/aa/t2/gpu.txt")" g3="$(cut -d' ' -f1 "$w/bb/t3/gpu.txt")"
    [[ "$(printf '%s\n' "$g1" "$g2" | sort | paste -sd,)" == 0,1 ]] || fail "two concurrent tasks got GPUs '$g1' and '$g2'"
    [[ "$g3" == 0 || "$g3" == 1 ]] || fail "the third task got '$g3'"
    awk -v s="$(cut -d' ' -f2 "$w/bb/t3/gpu.txt")" -v e1="$(cut -d' ' -f3 "$w/aa/t1/gpu.txt")" \
        -v e2="$(cut -d' ' -f3 "$w/aa/t2/gpu.txt")" 'BEGIN { exit !(s >= e1 || s >= e2) }' \
        || fail "the third task started before either GPU was released"
    [[ -f "$w/.gpu-locks/gpu0.lock" ]] || fail "no lock in the work directory's .gpu-locks"
    grep -q '^un-task: GPU [01] of 2' "$w/aa/t1/err" || fail "no assignment line on stderr" "$w/aa/t1/err"
    # --device cpu, an explicit gpu:N and a scheduler's CUDA_VISIBLE_DEVICES are left alone
    untask_in "$w/cc/t4" --device cpu
    [[ "$(cut -d' ' -f1 "$w/cc/t4/gpu.txt")" == none ]] || fail "--device cpu was given a GPU"
    untask_in "$w/cc/t5" --device gpu:1
    [[ "$(cut -d' ' -f1 "$w/cc/t5/gpu.txt")" == none ]] || fail "--device gpu:1 was given CUDA_VISIBLE_DEVICES"
    CUDA_VISIBLE_DEVICES=7 untask_in "$w/cc/t6" --device gpu
    [[ "$(cut -d' ' -f1 "$w/cc/t6/gpu.txt")" == 7 ]] || fail "SLURM's CUDA_VISIBLE_DEVICES was overridden"
}

# In a container, UN_IMAGE_JARS: the image's jar of the same name runs; a differing one is named on stderr, a
# missing one is an error in one line
@test "un-task: with UN_IMAGE_JARS it runs the image's jar, says so (and when it differs from the staged one); a missing one is one error line" {
    local d="$BATS_TEST_TMPDIR/imagejars" out
    mkdir -p "$d/fakebin" "$d/image" "$d/lib"
    printf '#!/usr/bin/env bash\necho "$@"\n' >"$d/fakebin/java" && chmod +x "$d/fakebin/java"
    echo same >"$d/extract.jar" && echo same >"$d/image/extract.jar"
    out="$(cd "$d" && PATH="$d/fakebin:$PATH" UN_LIB="$d/lib" UN_IMAGE_JARS="$d/image" "$ROOT/bin/un-task" extract.jar Main --x 2>"$d/err")"
    [[ "$out" == *"-cp $d/image/extract.jar:$d/lib/* Main --x" ]] || fail "not run from the image's jar: $out" "$d/err"
    [[ "$(cat "$d/err")" == "un-task: jar $d/image/extract.jar (image)" ]] || fail "no line naming the jar" "$d/err"
    echo newer >"$d/image/extract.jar"
    (cd "$d" && PATH="$d/fakebin:$PATH" UN_LIB="$d/lib" UN_IMAGE_JARS="$d/image" "$ROOT/bin/un-task" extract.jar Main) >/dev/null 2>"$d/err"
    grep -q "^un-task: jar $d/image/extract.jar (image); it differs from the staged extract.jar" "$d/err" || fail "no difference named" "$d/err"
    rm "$d/image/extract.jar"
    local rc=0
    (cd "$d" && PATH="$d/fakebin:$PATH" UN_LIB="$d/lib" UN_IMAGE_JARS="$d/image" "$ROOT/bin/un-task" extract.jar Main) >/dev/null 2>"$d/err" || rc=$?
    ((rc == 1)) || fail "a missing image jar exited $rc, not 1" "$d/err"
    [[ "$(cat "$d/err")" == "un-task: error: $d/image/extract.jar: the image has no such task jar (UN_IMAGE_JARS; rebuild the image)" ]] \
        || fail "not the one error line expected" "$d/err"
}

@test "local executor: tasks with an accelerator each see their own GPU (-profile gpu, 2 fake GPUs, 4 tasks)" {
    local d="$WORK/gpu-assign" log="$WORK/gpu-assign.log" rows
    mkdir -p "$d/fakebin"
    ln -sf "$ROOT/tests/pipeline/gpu/fakejava" "$d/fakebin/java"
    # the node's limits for the test; GPU processes keep their label's accelerator and maxForks
    printf 'process {\n    withLabel: process_gpu {\n        cpus = 1\n        memory = "200 MB"\n    }\n}\n' >"$d/limits.config"
    (cd "$d" && UN_GPU_BUILD_CHECK=off FAKE_JAVA_SLEEP=3 timeout 600 "$NF" run "$ROOT/tests/pipeline/gpu/assign.nf" \
        -ansi-log false -c "$ROOT/nextflow.config" -profile gpu -c "$d/limits.config" --max_gpu_tasks 2 \
        --untask "$ROOT/bin/un-task" --fakebin "$d/fakebin") >"$log" 2>&1 || fail "the run failed" "$log"
    rows="$(cat "$d/out/gpus.txt")"
    [[ "$(wc -l <<<"$rows")" == 4 ]] || fail "expected 4 rows: $rows" "$log"
    # every two tasks that ran at the same time had different GPUs, and never more than 2 ran at once
    awk '{ g[NR] = $1; s[NR] = $2; e[NR] = $3 }
         END { for (i = 1; i <= NR; i++) { if (g[i] != 0 && g[i] != 1) bad = bad " task on GPU " g[i]
                 for (j = i + 1; j <= NR; j++) if (s[i] < e[j] && s[j] < e[i] && g[i] == g[j]) bad = bad " overlap on GPU " g[i] }
               if (bad) { print bad; exit 1 } }' <<<"$rows" || fail "GPUs shared: $rows" "$log"
}
