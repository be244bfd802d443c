/*
 * FINALISE: merged moments of one pair -> per-neuron correlation summary with seeded baselines.
 * Tool: org.uneurons.finalise.FinaliseTool (java-tasks/finalise). Options from params arrive as ext.args
 * (conf/modules.config): --baseline, --baseline-seed, --baseline-samples, --top-k.
 */
process FINALISE {
    tag "${meta.id}"
    label 'process_low'

    input:
    tuple val(meta), path(moments)
    path jar

    output:
    tuple val(meta), path("${prefix}.h5"), emit: summary
    path 'versions.yml'                  , emit: versions
    path 'timing.tsv'                    , emit: timing

    script:
    def args = task.ext.args ?: ''
    prefix   = task.ext.prefix ?: "${meta.id}.summary"
    """
    ${TaskCommand.run(task, jar, 'org.uneurons.finalise.FinaliseTool', meta.id)} \\
        --input ${moments} \\
        --threads ${task.cpus} \\
        ${args} \\
        --output ${prefix}.h5
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}.summary"
    """
    ${TaskCommand.stub(task, 'finalise')}
    touch ${prefix}.h5
    """
}
