/*
 * STATS_PARTIAL: activations of one model on one shard (mlp_pre and mlp_post) -> partial neuron statistics.
 * Tool: org.uneurons.stats.StatsTool --mode partial (java-tasks/stats).
 */
process STATS_PARTIAL {
    tag "${meta.id}"
    label 'process_single'

    input:
    tuple val(meta), path(acts)
    path jar

    output:
    tuple val(meta), path("${prefix}.h5"), emit: partial
    path 'versions.yml'                  , emit: versions
    path 'timing.tsv'                    , emit: timing

    script:
    def args = task.ext.args ?: ''
    prefix   = task.ext.prefix ?: "${meta.id}.stats-partial"
    """
    export UN_JAVA_OPTS="${TaskJava.opts(task)}"
    export UN_TASK_PROCESS="${task.process}" UN_TASK_TAG="${meta.id}"   # un-task writes timing.tsv
    un-task ${jar} org.uneurons.stats.StatsTool \\
        --mode partial \\
        --activations ${acts} \\
        ${args} \\
        --output ${prefix}.h5

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        stats: "\$(un-task ${jar} org.uneurons.stats.StatsTool --version 2>&1 | head -n 1 | sed 's/^[^ ]* //')"
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}.stats-partial"
    """
    touch timing.tsv   # an empty timing file: the stub runs no tool
    touch ${prefix}.h5

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        stats: stub
    END_VERSIONS
    """
}
