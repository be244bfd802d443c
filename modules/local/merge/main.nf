/*
 * MERGE: the partial moments of one model pair over all S shards -> merged moments of the pair.
 * Tool: org.uneurons.merge.MergeTool (java-tasks/merge). The workflow hands the partials over sorted by shard
 * (fanIn, subworkflows/local/fan_in), so the result never depends on which correlate task finished first.
 */
process MERGE {
    tag "${meta.id}"
    label 'process_single'

    input:
    tuple val(meta), path(partials, stageAs: 'partials/*')
    path jar

    output:
    tuple val(meta), path("${prefix}.h5"), emit: moments
    path 'versions.yml'                  , emit: versions
    path 'timing.tsv'                    , emit: timing

    script:
    def args = task.ext.args ?: ''
    prefix   = task.ext.prefix ?: "${meta.id}"
    """
    ${TaskCommand.run(task, jar, 'org.uneurons.merge.MergeTool', meta.id)} \\
        ${TaskCommand.repeat('--input', partials)} \\
        ${args} \\
        --output ${prefix}.h5
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    ${TaskCommand.stub(task, 'merge')}
    touch ${prefix}.h5
    """
}
