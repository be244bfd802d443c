#!/usr/bin/env bats
# The plan of a run and its costs (lib/Plan.groovy, lib/PlanCosts.groovy, lib/CheckpointCheck.groovy):
# tests/lib/PlanTest.groovy, run with the Groovy of Nextflow's own jars.

setup_file() {
    ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
    # ./nextflow fetches Nextflow (and its Groovy) into .cache/nextflow/lib, and the JSON Schema validator of
    # lib/ParamsValidator.groovy into lib/, on first use
    "$ROOT/nextflow" -version >/dev/null
}

@test "plan: models, pairs, chunks, blocks, task counts, memory, disk, FLOPs and refusals; the presets at 100M tokens (PlanTest.groovy)" {
    ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
    cd "$ROOT"
    run java -cp ".cache/nextflow/lib/*:lib/*:lib" groovy.ui.GroovyMain tests/lib/PlanTest.groovy
    echo "$output"
    [[ "$status" == 0 ]]
    [[ "$output" == *"ok 1 - "* && "$output" != *"not ok"* ]]
}
