#!/usr/bin/env bash
# The project's whole test suite (README "Tests"):
#   1. the Maven reactor: build every module and run all JUnit tests (this also writes java-tasks/dist)
#   2. the plan unit tests (tests/lib/plan.bats: tests/lib/PlanTest.groovy)
#   3. the pipeline tests, Bats files in tests/pipeline, in this order: launcher and configs, parameter checks,
#      every module alone (stub), stub runs of the DAG, the build's dependency rule, then one real run of
#      -profile test shared by the tests that need it
#      (resumed: all cached; a changed jar; a failure and -resume; fused = staged; -profile test,slurm,gpu on a
#      private one-node SLURM, installed with apt-get as root, skipped where it cannot be), the study tests, and
#      the container tests (the CPU image built offline with podman, -profile test,podman; skipped where podman
#      cannot run containers)
# Prints bats' TAP output, then "N passed, M failed, K skipped". Work goes to a temporary directory, removed when
# every test passed, kept (and named) otherwise.
# Needs Java 17, Maven and bats (Debian package bats; .ci/run installs it); Nextflow is fetched by ./nextflow.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export DJL_OFFLINE=true OPT_OUT_TRACKING=true

commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "== java-tasks: mvn verify (commit $commit)"
(cd java-tasks && mvn -B -ntp -Dgit.commit="$commit" verify)

echo "== plan and pipeline tests (bats)"
command -v bats >/dev/null 2>&1 || { echo "bats not found: apt-get install bats (.ci/run does)" >&2; exit 1; }
UN_TEST_WORK="$(mktemp -d "${TMPDIR:-/tmp}/un-pipeline-tests.XXXXXX")"
export UN_TEST_WORK
tap="$UN_TEST_WORK/tests.tap"
rc=0
bats --tap tests/lib/plan.bats tests/pipeline/launcher.bats tests/pipeline/params.bats tests/pipeline/modules.bats \
    tests/pipeline/stub.bats tests/pipeline/build.bats tests/pipeline/real.bats tests/pipeline/study.bats \
    tests/pipeline/containers.bats | tee "$tap" || rc=$?

# TAP: "1..N", "ok N name", "ok N name # skip reason", "not ok N name"
planned="$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$tap" | head -n 1)"
skipped="$(grep -cE '^ok [0-9]+ .* # skip' "$tap" || true)"
passed=$(($(grep -cE '^ok [0-9]+' "$tap" || true) - skipped))
failed="$(grep -cE '^not ok [0-9]+' "$tap" || true)"
[[ -n "$planned" ]] || { echo "bats printed no test plan: counted as a failure"; failed=$((failed + 1)); }
missing=$((${planned:-0} - passed - failed - skipped))
if ((missing > 0)); then
    echo "bats stopped before $missing of ${planned} tests: counted as failed"
    failed=$((failed + missing))
fi
grep -E '^ok [0-9]+ .* # skip' "$tap" | sed 's/^ok [0-9]* /skipped: /' || true
if ((failed == 0 && rc == 0)); then
    rm -rf "$UN_TEST_WORK"
else
    grep -E '^not ok' "$tap" | sed 's/^/failed: /' || true
    echo "work kept in $UN_TEST_WORK"
fi
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0 && rc == 0))
