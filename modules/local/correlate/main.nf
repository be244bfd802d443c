/*
 * CORRELATE (staged): the activations of models a and b on one shard -> partial Pearson moments of the pair, for
 * one block of a's layers (meta.layers, --layers-a FIRST-LAST; null: every layer). Tool:
 * org.uneurons.correlate.CorrelateTool (java-tasks/correlate); the token filter comes from the activation files
 * (extract copies the shard's filter ids into them). Options from params arrive as ext.args
 * (conf/modules.config): --hook, --gemm, --no-filter. Label process_gpu: under -profile gpu the totals stay on the
 * GPU (--device gpu); on a CPU the tool's default (heap totals); ext.device overrides it.
 */
process CORRELATE {
    tag "${meta.id}"
    label 'process_low'
    label 'process_gpu'

    input:
    tuple val(meta), path(acts_a, stageAs: 'a/*'), path(acts_b, stageAs: 'b/*')
    path jar

    output:
    tuple val(meta), path("${prefix}.h5"), emit: partial
    path 'versions.yml'                  , emit: versions
    path 'timing.tsv'                    , emit: timing

    script:
    def args = task.ext.args ?: ''
    prefix   = task.ext.prefix ?: "${meta.id}"
    """
    ${TaskCommand.run(task, jar, 'org.uneurons.correlate.CorrelateTool', meta.id)} \\
        --a ${acts_a} \\
        --b ${acts_b} \\
        --threads ${task.cpus} \\
        ${TaskCommand.device(task, args, '')} \\
        ${args} \\
        --output ${prefix}.h5
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    ${TaskCommand.stub(task, 'correlate')}
    touch ${prefix}.h5
    """
}
