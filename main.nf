#!/usr/bin/env nextflow
/*
 * universal-neurons: which MLP neurons of language models trained from different seeds are universal
 * (Gurnee et al. 2024). Usage: docs/usage.md. Run:  ./nextflow run main.nf [-profile test] [-params-file x.yaml]
 *
 * Thin entry: check every param against nextflow_schema.json (lib/ParamsValidator.groovy) before any task
 * starts, decide the plan of the run (lib/Plan.groovy) and print it, then run the DAG in
 * workflows/universal_neurons.nf.
 */

include { UNIVERSAL_NEURONS } from './workflows/universal_neurons'

workflow {
    def p
    try {
        p = ParamsValidator.validate(params, file("${projectDir}/nextflow_schema.json"), file(workflow.launchDir.toString()))
    } catch (ParamsValidator.InvalidParamsException e) {
        error(e.message)
    }
    def plan = new Plan(p)
    if (plan.demo) {
        log.info "universal-neurons ${workflow.manifest.version}: demo, ${p.seeds} seeds x ${p.train_steps} steps${p.control ? ' + a random-init control' : ''}, pairs ${p.pairs}, outdir ${p.outdir}"
    } else {
        log.info "universal-neurons ${workflow.manifest.version}: ${p.input.size()} input file(s), pairs ${p.pairs}, outdir ${p.outdir}"
    }
    log.info "run: ${plan.summary()}"
    log.info plan.describe(plan.analysisShards)
    def jars = plan.tools.collectEntries { [it, file("${projectDir}/java-tasks/dist/${it}.jar", checkIfExists: true)] }

    UNIVERSAL_NEURONS(plan, jars, p.outdir)
}
