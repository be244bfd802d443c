/*
 * STATS_PARTIAL: activations of one model on one shard (mlp_pre and mlp_post) -> partial neuron statistics.
 * Tool: org.uneurons.statspartial.StatsPartialTool (java-tasks/stats-partial). Options: --top-k.
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
    ${TaskCommand.run(task, jar, 'org.uneurons.statspartial.StatsPartialTool', meta.id)} \\
        --activations ${acts} \\
        ${args} \\
        --output ${prefix}.h5
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}.stats-partial"
    """
    ${TaskCommand.stub(task, 'stats-partial')}
    touch ${prefix}.h5
    """
}
