/*
 * MERGE: the partial moments of one model pair over all S shards -> merged moments of the pair.
 * Tool: org.uneurons.merge.MergeTool (java-tasks/merge). The workflow hands the partials over sorted by shard,
 * so the result never depends on which correlate task finished first.
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
    def inputArgs = (partials instanceof Collection ? partials : [partials]).collect { "--input ${it}" }.join(' ')
    """
    export UN_JAVA_OPTS="${TaskJava.opts(task)}"
    export UN_TASK_PROCESS="${task.process}" UN_TASK_TAG="${meta.id}"   # un-task writes timing.tsv
    un-task ${jar} org.uneurons.merge.MergeTool \\
        ${inputArgs} \\
        ${args} \\
        --output ${prefix}.h5

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        merge: "\$(un-task ${jar} org.uneurons.merge.MergeTool --version 2>&1 | head -n 1 | sed 's/^[^ ]* //')"
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch timing.tsv   # an empty timing file: the stub runs no tool
    touch ${prefix}.h5

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        merge: stub
    END_VERSIONS
    """
}
