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

    script:
    def args = task.ext.args ?: ''
    prefix   = task.ext.prefix ?: "${meta.id}.stats-partial"
    """
    export UN_JAVA_OPTS="${TaskJava.opts(task)}"
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
    touch ${prefix}.h5

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        stats: stub
    END_VERSIONS
    """
}
