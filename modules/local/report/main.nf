/*
 * REPORT: the universality tables of every group (the first group is the anchor's, e.g. trained; then e.g.
 * control), the anchor's statistics, the analysis shards, the checkpoints and the timing.tsv of every other task
 * (bin/un-task) -> report/index.html with its PNG figures (offline). Tool: org.uneurons.report.ReportTool.
 * meta: groups (labels, in order), anchor (model name), mode (anchor|all), models (names, in the order of
 * `checkpoints`), params (KEY=VALUE strings shown in the run summary).
 */
process REPORT {
    tag "${meta.id}"
    label 'process_single'

    input:
    tuple val(meta), path(tables, stageAs: 'groups/*'), path(stats, stageAs: 'stats/*'), path(shards, stageAs: 'shards/*'), path(checkpoints, stageAs: 'models/*'), path(timings, stageAs: 'timings/timing*.tsv')
    path jar

    output:
    tuple val(meta), path('report'), emit: report
    path 'versions.yml'            , emit: versions

    script:
    def args = task.ext.args ?: ''
    // in mode 'all' a group's directory holds one table per anchor model: the report shows meta.anchor's
    def table = { g -> meta.mode == 'all' && g != 'control' ? "groups/${g}/${meta.anchor}" : "groups/${g}" }
    def neuronArgs = meta.groups.collect { g -> "--neurons ${g}=${table(g)}/neurons.csv" }.join(' ')
    def first = table(meta.groups[0])
    def modelArgs = meta.models.collect { m -> "--model ${m}=models/${m}" }.join(' ')
    def logArgs = meta.models.collect { m -> "\$( [[ -s models/${m}/train_log.csv ]] && echo --train-log ${m}=models/${m}/train_log.csv )" }.join(' ')
    def shardArgs = (shards instanceof Collection ? shards : [shards]).collect { "--shard ${it}" }.join(' ')
    def paramArgs = meta.params.collect { "--param '${it}'" }.join(' ')
    def timingArgs = (timings instanceof Collection ? timings : [timings]).collect { "--timings ${it}" }.join(' ')
    """
    export UN_JAVA_OPTS="${TaskJava.opts(task)}"
    un-task ${jar} org.uneurons.report.ReportTool \\
        ${neuronArgs} \\
        --layer-fractions ${first}/layer_fractions.csv \\
        --percentiles ${first}/percentiles.csv \\
        --stats ${stats} \\
        ${shardArgs} \\
        ${modelArgs} \\
        ${logArgs} \\
        ${paramArgs} \\
        ${timingArgs} \\
        ${args} \\
        --outdir .

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        report: "\$(un-task ${jar} org.uneurons.report.ReportTool --version 2>&1 | head -n 1 | sed 's/^[^ ]* //')"
    END_VERSIONS
    """

    stub:
    def args = task.ext.args ?: ''
    """
    echo "stub: ${args}"
    mkdir report
    echo '<html></html>' > report/index.html

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        report: stub
    END_VERSIONS
    """
}
