/*
 * FINALISE: merged moments of one pair -> per-neuron correlation summary with seeded baselines.
 * Tool: org.uneurons.merge.FinaliseTool (java-tasks/merge). Options from params arrive as ext.args
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
    export UN_JAVA_OPTS="${TaskJava.opts(task)}"
    export UN_TASK_PROCESS="${task.process}" UN_TASK_TAG="${meta.id}"   # un-task writes timing.tsv
    un-task ${jar} org.uneurons.merge.FinaliseTool \\
        --input ${moments} \\
        --threads ${task.cpus} \\
        ${args} \\
        --output ${prefix}.h5

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        finalise: "\$(un-task ${jar} org.uneurons.merge.FinaliseTool --version 2>&1 | head -n 1 | sed 's/^[^ ]* //')"
    END_VERSIONS
    """

    stub:
    def args = task.ext.args ?: ''
    prefix   = task.ext.prefix ?: "${meta.id}.summary"
    """
    touch timing.tsv   # an empty timing file: the stub runs no tool
    echo "stub: ${args}"
    touch ${prefix}.h5

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        finalise: stub
    END_VERSIONS
    """
}
