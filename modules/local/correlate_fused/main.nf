/*
 * CORRELATE_FUSED (fused correlation, the default of checkpoint runs): one chunk of consecutive token shards (one
 * token stream) + the checkpoints of every model in a pair -> the partial Pearson moments of every pair over the
 * chunk, for one block of a's layers, without activation files: the tool runs the models over the chunk in memory
 * and keeps every pair's totals resident (on the GPU under -profile gpu) until it writes them once. In the first
 * block of each chunk it also accumulates the partial neuron statistics of the table models (meta.stats_models).
 * Tool: org.uneurons.correlatefused.CorrelateFusedTool (java-tasks/correlate-fused, docs/correlate.md).
 *
 * meta: id (the task's name, --chunk: the chunk 'c00003', or chunk and block 'c00003.L00-03'), chunk, n_chunks,
 * block (index), layers (the block's --layers-a FIRST-LAST, or null: every layer of a), pairs ('a:b'), models (the
 * names of `checkpoints`, in order: a name that is not the directory's is passed as NAME=DIR), stats_models,
 * memory_mb (the plan's request, conf/base.config).
 * Writes partials/<a>__<b>.<id>.h5 per pair and partials/<model>.<id>.stats-partial.h5 per stats model.
 * Options from params arrive as ext.args (conf/modules.config): --hook, --gemm, --batch-size, --no-filter,
 * --stats-top-k. Label process_gpu: under -profile gpu the models and totals run on the GPU (--device gpu), else
 * cpu; ext.device overrides it.
 */
// the tool's inputs and task options: checkpoints (NAME=DIR when the name is not the directory's), pairs, the chunk's
// shards in order, its name, the block of a's layers, the models whose statistics it accumulates
def fusedArgs(meta, shards, checkpoints) {
    [TaskCommand.named('--checkpoint', meta.models, checkpoints),
     meta.pairs.collect { "--pair ${it}" }.join(' '),
     TaskCommand.repeat('--shard', shards, true),
     "--chunk ${meta.id}",
     meta.layers ? "--layers-a ${meta.layers}" : '',
     meta.stats_models.collect { "--stats-model ${it}" }.join(' ')].findAll { it }.join(' ')
}

process CORRELATE_FUSED {
    tag "${meta.id}"
    label 'process_medium'
    label 'process_gpu'

    input:
    tuple val(meta), path(shards, stageAs: 'shards/*'), path(checkpoints, stageAs: 'models/?/*')
    path jar

    output:
    tuple val(meta), path('partials/*.h5'), emit: partials
    path 'versions.yml'                   , emit: versions
    path 'timing.tsv'                     , emit: timing

    script:
    def args = task.ext.args ?: ''
    """
    ${TaskCommand.run(task, jar, 'org.uneurons.correlatefused.CorrelateFusedTool', meta.id)} \\
        ${fusedArgs(meta, shards, checkpoints)} \\
        --threads ${task.cpus} \\
        ${TaskCommand.device(task, args)} \\
        ${args} \\
        --outdir partials
    """

    stub:
    """
    ${TaskCommand.stub(task, 'correlate-fused')}
    echo ${TaskCommand.quote('inputs: ' + fusedArgs(meta, shards, checkpoints))}
    mkdir partials
    touch ${meta.pairs.collect { "partials/${it.replace(':', '__')}.${meta.id}.h5" }.join(' ')} ${meta.stats_models.collect { "partials/${it}.${meta.id}.stats-partial.h5" }.join(' ')}
    """
}
