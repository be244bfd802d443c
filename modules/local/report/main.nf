/*
 * REPORT: the universality table of every group (UNIVERSALITY's `table`, in meta.groups order: the anchor's group
 * first, e.g. trained, then e.g. control), every group's table model's statistics (same order), the analysis shards, the checkpoints and the
 * timing.tsv of every task before it, the run's plan and an optional reference table -> report/index.html with its
 * figures as PNG and SVG and their data as CSV (offline).
 * Tool: org.uneurons.report.ReportTool (java-tasks/report). meta: groups (labels, in the order of `tables`),
 * models (the models' names, in the order of `checkpoints`, staged as models/N/<directory>), params (KEY=VALUE
 * strings shown in the run summary), plan ([item, value] rows of lib/PlanCosts.groovy, written to plan.tsv).
 * reference: a neuron table to compare the anchor's with (params.reference_table), or [] for none.
 * families: every group's FAMILIES directory (families.h5), in meta.groups order, or [] when families are off.
 * roles: every model's WEIGHTS directory (roles.csv, roles_layers.csv), in meta.models order, or [] when roles are off;
 * meta.control names the random-init control among them (null: none).
 * interventions: every group's INTERVENE directory, in meta.groups order, or [] when interventions are off.
 * dynamics: a study's DYNAMICS directory (the section "Universality through training"), or [] when the run is no study.
 * Options: --threshold, --top.
 */
process REPORT {
    tag "${meta.id}"
    label 'process_single'

    input:
    tuple val(meta), path(tables, stageAs: 'groups/?/*'), path(stats, stageAs: 'stats/*'), path(shards, stageAs: 'shards/*'), path(checkpoints, stageAs: 'models/?/*'), path(timings, stageAs: 'timings/timing*.tsv'), path(reference, stageAs: 'reference/*'), path(families, stageAs: 'families/?/*'), path(roles, stageAs: 'roles/?/*'), path(interventions, stageAs: 'interventions/?/*'), path(dynamics, stageAs: 'dynamics/*')
    path jar

    output:
    tuple val(meta), path('report'), emit: report
    path 'versions.yml'            , emit: versions
    path 'timing.tsv'              , emit: timing

    script:
    def args   = task.ext.args ?: ''
    def table  = TaskCommand.asList(tables)
    def dirs   = TaskCommand.asList(checkpoints)
    def fams   = TaskCommand.asList(families)
    def roleDirs = TaskCommand.asList(roles)
    def ivDirs = TaskCommand.asList(interventions)
    def statFiles = TaskCommand.asList(stats)
    def logArgs = [meta.models, dirs].transpose().collect { m, d -> "\$( [[ -s ${d}/train_log.csv ]] && echo --train-log ${m}=${d}/train_log.csv )" }
    """
    ${TaskCommand.tsv('plan.tsv', [['item', 'value']] + (meta.plan ?: []))}
    ${TaskCommand.run(task, jar, 'org.uneurons.report.ReportTool', meta.id)} \\
        ${meta.groups.withIndex().collect { g, i -> "--neurons ${g}=${table[i]}/neurons.csv" }.join(' ')} \\
        --layer-fractions ${table[0]}/layer_fractions.csv \\
        --percentiles ${table[0]}/percentiles.csv \\
        ${meta.groups.withIndex().collect { g, i -> "--stats ${g}=${statFiles[i]}" }.join(' ')} \\
        ${TaskCommand.repeat('--shard', shards)} \\
        ${[meta.models, dirs].transpose().collect { m, d -> "--model ${m}=${d}" }.join(' ')} \\
        ${logArgs.join(' ')} \\
        ${meta.params.collect { "--param ${TaskCommand.quote(it)}" }.join(' ')} \\
        ${TaskCommand.repeat('--timings', timings)} \\
        --plan plan.tsv \\
        ${reference ? "--reference ${reference}" : ''} \\
        ${fams ? meta.groups.withIndex().collect { g, i -> "--families ${g}=${fams[i]}/families.h5" }.join(' ') : ''} \\
        ${roleDirs ? meta.models.withIndex().collect { m, i -> "--roles ${m}=${roleDirs[i]}" }.join(' ') : ''} \\
        ${roleDirs && meta.control ? "--control ${meta.control}" : ''} \\
        ${ivDirs ? meta.groups.withIndex().collect { g, i -> "--interventions ${g}=${ivDirs[i]}" }.join(' ') : ''} \\
        ${dynamics ? "--dynamics ${dynamics}" : ''} \\
        ${args} \\
        --outdir .
    """

    stub:
    """
    ${TaskCommand.stub(task, 'report')}
    echo "tables: ${TaskCommand.asList(tables).join(' ')}"
    echo "reference: ${reference ?: 'none'}"
    echo "families: ${TaskCommand.asList(families).join(' ') ?: 'none'}"
    echo "roles: ${TaskCommand.asList(roles).join(' ') ?: 'none'}"
    echo "interventions: ${TaskCommand.asList(interventions).join(' ') ?: 'none'}"
    echo "dynamics: ${dynamics ?: 'none'}"
    ${TaskCommand.tsv('plan.tsv', [['item', 'value']] + (meta.plan ?: []))}
    mkdir report
    echo '<html></html>' > report/index.html
    """
}
