/*
 * STATS_FINAL: the partial statistics of one model over all shards + its checkpoint -> the model's neuron
 * statistics (activation moments and frequencies, weight and vocabulary columns), joined by universality.
 * Tool: org.uneurons.stats.StatsTool --mode final (java-tasks/stats); it merges partials in shard-name order.
 */
process STATS_FINAL {
    tag "${meta.id}"
    label 'process_low'

    input:
    tuple val(meta), path(partials, stageAs: 'partials/*'), path(checkpoint)
    path jar

    output:
    tuple val(meta), path("${prefix}.h5"), emit: stats
    path 'versions.yml'                  , emit: versions
    path 'timing.tsv'                    , emit: timing

    script:
    def args = task.ext.args ?: ''
    prefix   = task.ext.prefix ?: "${meta.id}.stats"
    def partialArgs = (partials instanceof Collection ? partials : [partials]).collect { "--partial ${it}" }.join(' ')
    """
    export UN_JAVA_OPTS="${TaskJava.opts(task)}"
    export UN_TASK_PROCESS="${task.process}" UN_TASK_TAG="${meta.id}"   # un-task writes timing.tsv
    un-task ${jar} org.uneurons.stats.StatsTool \\
        --mode final \\
        ${partialArgs} \\
        --checkpoint ${checkpoint} \\
        --threads ${task.cpus} \\
        ${args} \\
        --output ${prefix}.h5

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        stats: "\$(un-task ${jar} org.uneurons.stats.StatsTool --version 2>&1 | head -n 1 | sed 's/^[^ ]* //')"
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}.stats"
    """
    touch timing.tsv   # an empty timing file: the stub runs no tool
    touch ${prefix}.h5

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        stats: stub
    END_VERSIONS
    """
}
