/*
 * CORRELATE (staged): (pair a-b, shard) + activations of a and b on that shard -> partial Pearson moments.
 * Tool: org.uneurons.correlate.CorrelateTool (java-tasks/correlate). The shard's attributes choose the token
 * filter (BOS/EOS ids). Options from params arrive as ext.args (conf/modules.config): --hook, --gemm, ...
 */
process CORRELATE {
    tag "${meta.id}"
    label 'process_low'

    input:
    tuple val(meta), path(shard, stageAs: 'shard/*'), path(acts_a, stageAs: 'a/*'), path(acts_b, stageAs: 'b/*')
    path jar

    output:
    tuple val(meta), path("${prefix}.h5"), emit: partial
    path 'versions.yml'                  , emit: versions
    path 'timing.tsv'                    , emit: timing

    script:
    def args = task.ext.args ?: ''
    prefix   = task.ext.prefix ?: "${meta.id}"
    // on a GPU (profile gpu) the totals stay on the device; on a CPU the tool's default (no flag, heap totals)
    def device = args.contains('--device') ? '' : (task.ext.device ?: (task.accelerator ? 'gpu' : ''))
    """
    export UN_JAVA_OPTS="${TaskJava.opts(task)}"
    export UN_TASK_PROCESS="${task.process}" UN_TASK_TAG="${meta.id}"   # un-task writes timing.tsv
    un-task ${jar} org.uneurons.correlate.CorrelateTool \\
        --a ${acts_a} \\
        --b ${acts_b} \\
        --shard ${shard} \\
        --threads ${task.cpus} \\
        ${device ? "--device ${device}" : ''} \\
        ${args} \\
        --output ${prefix}.h5

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        correlate: "\$(un-task ${jar} org.uneurons.correlate.CorrelateTool --version 2>&1 | head -n 1 | sed 's/^[^ ]* //')"
    END_VERSIONS
    """

    stub:
    def args = task.ext.args ?: ''
    prefix   = task.ext.prefix ?: "${meta.id}"
    """
    touch timing.tsv   # an empty timing file: the stub runs no tool
    echo "stub: ${args}"
    touch ${prefix}.h5

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        correlate: stub
    END_VERSIONS
    """
}
