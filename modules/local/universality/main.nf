/*
 * UNIVERSALITY: the correlation summaries of one group (an anchor against the other models; or, with
 * meta.mode 'all', every ordered pair) + the anchors' statistics -> neurons.csv, neurons.h5,
 * layer_fractions.csv, percentiles.csv in a directory named after the group (meta.id); in mode 'all' one such
 * table per model, in meta.id/<model>/. Tool: org.uneurons.universality.UniversalityTool (java-tasks/universality).
 * Options: --threshold, --baseline-kind.
 * emit: tables  the group's directory (published);
 *       table   the table REPORT shows for the group: the group's directory, or in mode 'all' meta.anchor's.
 */
process UNIVERSALITY {
    tag "${meta.id}"
    label 'process_single'

    input:
    tuple val(meta), path(summaries, stageAs: 'summaries/*'), path(stats, stageAs: 'stats/*')
    path jar

    output:
    tuple val(meta), path("${meta.id}")   , emit: tables
    tuple val(meta), path("${reportTable}"), emit: table
    path 'versions.yml'                    , emit: versions
    path 'timing.tsv'                      , emit: timing

    script:
    def args = task.ext.args ?: ''
    reportTable = meta.mode == 'all' ? "${meta.id}/${meta.anchor}" : "${meta.id}"
    """
    ${TaskCommand.run(task, jar, 'org.uneurons.universality.UniversalityTool', meta.id)} \\
        --mode ${meta.mode} \\
        ${TaskCommand.repeat('--summary', summaries)} \\
        ${TaskCommand.repeat('--stats', stats)} \\
        ${args} \\
        --outdir ${meta.id}
    """

    stub:
    reportTable = meta.mode == 'all' ? "${meta.id}/${meta.anchor}" : "${meta.id}"
    """
    ${TaskCommand.stub(task, 'universality')}
    mkdir -p ${reportTable}
    touch ${reportTable}/neurons.csv ${reportTable}/neurons.h5 ${reportTable}/layer_fractions.csv ${reportTable}/percentiles.csv
    """
}
