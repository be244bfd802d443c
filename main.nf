#!/usr/bin/env nextflow
/*
 * universal-neurons: which MLP neurons of language models trained from different seeds are universal
 * (Gurnee et al. 2024). Usage: docs/usage.md. Run:  ./nextflow run main.nf [-profile test] [-params-file x.yaml]
 *
 * Thin entry, before any task starts: check every param against nextflow_schema.json (lib/ParamsValidator.groovy),
 * check every given checkpoint (lib/CheckpointCheck.groovy), decide the plan of the run (lib/Plan.groovy) and its
 * costs (lib/PlanCosts.groovy), print them and write them to pipeline_info/plan.txt and plan.tsv; stop when the plan
 * does not fit its limits (naming the params that would fix it) or with --plan_only; else run the DAG in
 * workflows/universal_neurons.nf.
 */

include { UNIVERSAL_NEURONS } from './workflows/universal_neurons'

workflow {
    if (params.help) {
        println ParamsHelp.text(file("${projectDir}/nextflow_schema.json"), workflow.manifest.version)
        return
    }
    def p
    try {
        p = ParamsValidator.validate(params, file("${projectDir}/nextflow_schema.json"), file(workflow.launchDir.toString()))
    } catch (ParamsValidator.InvalidParamsException e) {
        error(e.message)
    }
    def checked
    try {
        checked = CheckpointCheck.ofRun(p, file(projectDir.toString()))
    } catch (CheckpointCheck.CheckpointException e) {
        error(e.message)
    }
    def plan
    try {
        plan = new Plan(p, checked, workflow.profile.tokenize(',').contains('gpu'))
    } catch (IllegalArgumentException e) {   // a study grid that cannot be analysed (lib/StudyGrid.groovy)
        error(e.message)
    }
    if (plan.demo) {
        log.info "universal-neurons ${workflow.manifest.version}: demo, ${p.seeds} seeds x ${p.train_steps} steps${p.control ? ' + a random-init control' : ''}, pairs ${p.pairs}, outdir ${p.outdir}"
    } else {
        log.info "universal-neurons ${workflow.manifest.version}: ${p.input.size()} input file(s), ${checked.size()} checkpoints (${checked.collect { "${it.name}: ${it.architecture} ${it.n_layers} x ${it.d_mlp}" }.join(', ')}), pairs ${p.pairs}, outdir ${p.outdir}"
    }
    log.info "run: ${plan.summary()}"
    log.info ParamsHelp.nonDefaultsLine(params, file("${projectDir}/nextflow_schema.json"))
    def costs = plan.costs(plan.plannedShards)
    log.info costs.text()
    def info = file("${p.outdir}/pipeline_info")
    info.mkdirs()
    file("${info}/plan.txt").text = "run: ${plan.summary()}\n${costs.text()}\n"
    file("${info}/plan.tsv").text = costs.tsv()
    file("${info}/plan.json").text = costs.json()
    if (!costs.fits()) {
        error(costs.refusal())
    }
    if (p.plan_only) {
        log.info "plan_only: the plan is in ${info}/plan.txt, plan.tsv and plan.json; no task was started"
        return
    }
    def jars = plan.tools.collectEntries { [it, file("${projectDir}/java-tasks/dist/${it}.jar", checkIfExists: true)] }

    UNIVERSAL_NEURONS(plan, jars, p.outdir)
}

// the end of a successful run: where the report is, and the headline numbers of every group
workflow.onComplete {
    if (workflow.success && !params.help && !params.plan_only) {
        def outdir = file(params.outdir.toString().startsWith('/') ? params.outdir.toString()
                                                                   : "${workflow.launchDir}/${params.outdir}")
        try {
            log.info RunEnd.message(outdir)
        } catch (Exception e) {   // a summary that cannot be read never fails a finished run
            log.warn "the run finished; its summary could not be read: ${e.message}"
        }
    }
}
