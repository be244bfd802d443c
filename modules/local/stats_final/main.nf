/*
 * STATS_FINAL: the partial statistics of one model over all shards + its checkpoint -> the model's neuron
 * statistics (activation moments and frequencies, weight and vocabulary columns), joined by universality. The
 * partials come one per shard (staged: stats-partial) or one per chunk (fused: correlate-fused), in that order.
 * Tool: org.uneurons.statsfinal.StatsFinalTool (java-tasks/stats-final); it merges them one at a time.
 * Options: --top-k.
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
    """
    ${TaskCommand.run(task, jar, 'org.uneurons.statsfinal.StatsFinalTool', meta.id)} \\
        ${TaskCommand.repeat('--partial', partials)} \\
        ${TaskCommand.named('--checkpoint', meta.model, checkpoint)} \\
        --threads ${task.cpus} \\
        ${args} \\
        --output ${prefix}.h5
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}.stats"
    """
    ${TaskCommand.stub(task, 'stats-final')}
    touch ${prefix}.h5
    """
}
