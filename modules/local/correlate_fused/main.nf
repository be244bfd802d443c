/*
 * CORRELATE_FUSED (correlate_mode 'fused'): one token shard + the checkpoints of every model in a pair -> the
 * partial Pearson moments of every pair on that shard, without activation files: the tool runs the models over
 * the shard in memory. Tool: org.uneurons.correlatefused.CorrelateFusedTool (java-tasks/correlate-fused,
 * docs/correlate.md). Writes partials/<a>__<b>.<shard>.h5 per pair, the staged format and name, so MERGE takes
 * them as they are. meta.shard is the shard's file name without .h5; meta.pairs lists the pairs as 'a:b'.
 * Options from params arrive as ext.args (conf/modules.config): --hook, --gemm, --batch-size, --no-filter.
 * Label process_gpu: under -profile gpu the models and totals run on the GPU (--device gpu), else cpu;
 * ext.device overrides it.
 */
process CORRELATE_FUSED {
    tag "${meta.id}"
    label 'process_medium'
    label 'process_gpu'

    input:
    tuple val(meta), path(shard, stageAs: 'shard/*'), path(checkpoints, stageAs: 'models/*')
    path jar

    output:
    tuple val(meta), path('partials/*.h5'), emit: partials
    path 'versions.yml'                   , emit: versions
    path 'timing.tsv'                     , emit: timing

    script:
    def args = task.ext.args ?: ''
    """
    ${TaskCommand.run(task, jar, 'org.uneurons.correlatefused.CorrelateFusedTool', meta.id)} \\
        ${TaskCommand.repeat('--checkpoint', checkpoints, true)} \\
        ${meta.pairs.collect { "--pair ${it}" }.join(' ')} \\
        --shard ${shard} \\
        --threads ${task.cpus} \\
        ${TaskCommand.device(task, args)} \\
        ${args} \\
        --outdir partials
    """

    stub:
    """
    ${TaskCommand.stub(task, 'correlate-fused')}
    mkdir partials
    touch ${meta.pairs.collect { "partials/${it.replace(':', '__')}.${meta.shard}.h5" }.join(' ')}
    """
}
