/*
 * UNIVERSALITY: the correlation summaries of one group (an anchor against the other models; or, with
 * meta.mode 'all', every ordered pair) + the anchors' statistics -> neurons.csv, neurons.h5,
 * layer_fractions.csv, percentiles.csv in a directory named after the group (meta.id).
 * Tool: org.uneurons.universality.UniversalityTool (java-tasks/universality). Options: --threshold, --baseline-kind.
 */
process UNIVERSALITY {
    tag "${meta.id}"
    label 'process_single'

    input:
    tuple val(meta), path(summaries, stageAs: 'summaries/*'), path(stats, stageAs: 'stats/*')
    path jar

    output:
    tuple val(meta), path("${meta.id}"), emit: tables
    path 'versions.yml'                , emit: versions
    path 'timing.tsv'                  , emit: timing

    script:
    def args = task.ext.args ?: ''
    def summaryArgs = (summaries instanceof Collection ? summaries : [summaries]).collect { "--summary ${it}" }.join(' ')
    def statsArgs   = (stats instanceof Collection ? stats : [stats]).collect { "--stats ${it}" }.join(' ')
    """
    export UN_JAVA_OPTS="${TaskJava.opts(task)}"
    export UN_TASK_PROCESS="${task.process}" UN_TASK_TAG="${meta.id}"   # un-task writes timing.tsv
    un-task ${jar} org.uneurons.universality.UniversalityTool \\
        --mode ${meta.mode} \\
        ${summaryArgs} \\
        ${statsArgs} \\
        ${args} \\
        --outdir ${meta.id}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        universality: "\$(un-task ${jar} org.uneurons.universality.UniversalityTool --version 2>&1 | head -n 1 | sed 's/^[^ ]* //')"
    END_VERSIONS
    """

    stub:
    def args = task.ext.args ?: ''
    def dir  = meta.mode == 'all' ? "${meta.id}/${meta.anchor}" : "${meta.id}"
    """
    touch timing.tsv   # an empty timing file: the stub runs no tool
    echo "stub: ${args}"
    mkdir -p ${dir}
    touch ${dir}/neurons.csv ${dir}/neurons.h5 ${dir}/layer_fractions.csv ${dir}/percentiles.csv

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        universality: stub
    END_VERSIONS
    """
}
