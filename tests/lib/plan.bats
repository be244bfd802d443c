#!/usr/bin/env bats
# The plan of a run (lib/Plan.groovy): tests/lib/PlanTest.groovy, run with the Groovy of Nextflow's own jars.

setup_file() {
    ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
    # ./nextflow fetches Nextflow (and its Groovy) into .cache/nextflow/lib on first use
    "$ROOT/nextflow" -version >/dev/null
}

@test "plan: models, pairs, groups, tables and task counts of the demo, -profile test and given checkpoints (PlanTest.groovy)" {
    ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
    cd "$ROOT"
    run java -cp ".cache/nextflow/lib/*:lib" groovy.ui.GroovyMain tests/lib/PlanTest.groovy
    echo "$output"
    [[ "$status" == 0 ]]
    [[ "$output" == *"ok 1 - "* && "$output" != *"not ok"* ]]
}
