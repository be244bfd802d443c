/*
 * CORRELATE_FUSED (correlate_mode 'fused'): one token shard + the checkpoints of every model in a pair -> the
 * partial Pearson moments of every pair on that shard, without activation files: the tool runs the models over
 * the shard in memory. Tool: org.uneurons.correlate.CorrelateTool --fused (java-tasks/correlate, docs/correlate.md).
 * Writes partials/<a>__<b>.<shard>.h5 per pair, the staged format and name, so MERGE takes them as they are.
 * meta.shard is the shard's file name without .h5; meta.pairs lists the pairs as 'a:b'. Options from params arrive as ext.args (conf/modules.config): --hook,
 * --gemm, --batch-size, ... The device follows the task's resources: gpu when the process has an accelerator
 * (profile gpu), else cpu; ext.device overrides it.
 */
process CORRELATE_FUSED {
    tag "${meta.id}"
    label 'process_medium'

    input:
    tuple val(meta), path(shard, stageAs: 'shard/*'), path(checkpoints, stageAs: 'models/*')
    path jar

    output:
    tuple val(meta), path('partials/*.h5'), emit: partials
    path 'versions.yml'                   , emit: versions
    path 'timing.tsv'                     , emit: timing

    script:
    def args   = task.ext.args ?: ''
    def device = args.contains('--device') ? '' : "--device ${task.ext.device ?: (task.accelerator ? 'gpu' : 'cpu')}"
    def checkpointArgs = (checkpoints instanceof Collection ? checkpoints : [checkpoints]).sort(false) { it.name }
        .collect { "--checkpoint ${it}" }.join(' ')
    def pairArgs = meta.pairs.collect { "--pair ${it}" }.join(' ')
    """
    export UN_JAVA_OPTS="${TaskJava.opts(task)}"
    export UN_TASK_PROCESS="${task.process}" UN_TASK_TAG="${meta.id}"   # un-task writes timing.tsv
    un-task ${jar} org.uneurons.correlate.CorrelateTool \\
        --fused \\
        ${checkpointArgs} \\
        ${pairArgs} \\
        --shard ${shard} \\
        --threads ${task.cpus} \\
        ${device} \\
        ${args} \\
        --outdir partials

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        correlate: "\$(un-task ${jar} org.uneurons.correlate.CorrelateTool --version 2>&1 | head -n 1 | sed 's/^[^ ]* //')"
    END_VERSIONS
    """

    stub:
    def args = task.ext.args ?: ''
    def files = meta.pairs.collect { "partials/${it.replace(':', '__')}.${meta.shard}.h5" }.join(' ')
    """
    echo "stub: ${args}"
    mkdir partials
    touch ${files}
    touch timing.tsv   # an empty timing file: the stub runs no tool

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        correlate: stub
    END_VERSIONS
    """
}
