#!/usr/bin/env bash
# The project's whole test suite (README "Tests"):
#   1. the Maven reactor: build every module and run all JUnit tests (this also writes java-tasks/dist)
#   2. the pipeline tests (tests/pipeline/run.sh): ./nextflow -version, launcher rebuild, configs, params, stub runs,
#      a real run of -profile test, a resumed run that must be fully cached, a changed jar that must re-run,
#      correlate_mode fused against staged, and -profile test,slurm,gpu on a private one-node SLURM (installed
#      with apt-get as root; skipped where it cannot be)
# Needs Java 17 and Maven; Nextflow is fetched by ./nextflow on first use.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export DJL_OFFLINE=true OPT_OUT_TRACKING=true

commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "== java-tasks: mvn verify (commit $commit)"
(cd java-tasks && mvn -B -ntp -Dgit.commit="$commit" verify)

echo "== pipeline tests"
bash tests/pipeline/run.sh
