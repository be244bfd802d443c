#!/usr/bin/env bash
# Writes docs/parameters.md from nextflow_schema.json (lib/ParamsHelp.groovy), with the Groovy of Nextflow's own jars
# (./nextflow fetches them on first use). tests/lib/PlanTest.groovy fails when the file and the schema differ.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ -d .cache/nextflow/lib ]] || ./nextflow -version >/dev/null
java -cp ".cache/nextflow/lib/*:lib/*:lib" groovy.ui.GroovyMain -e \
    'new File("docs/parameters.md").text = ParamsHelp.markdown(java.nio.file.Paths.get("nextflow_schema.json"))'
echo "wrote docs/parameters.md"
