/*
 * EXTRACT: (checkpoint, token shard) -> MLP activations HDF5 of that model on that shard.
 * Tool: org.uneurons.extract.ExtractTool (java-tasks/extract). Options from params arrive as ext.args
 * (conf/modules.config): --batch-size, --dtype, --hooks, --max-seqs. The device follows the task's
 * resources: gpu when the process has an accelerator (label process_gpu), else cpu; ext.device overrides it.
 */
process EXTRACT {
    tag "${meta.id}"
    label 'process_low'

    input:
    tuple val(meta), path(shard), path(checkpoint)
    path jar

    output:
    tuple val(meta), path("${prefix}.h5"), emit: activations
    path 'versions.yml'                  , emit: versions
    path 'timing.tsv'                    , emit: timing

    script:
    def args   = task.ext.args ?: ''
    prefix     = task.ext.prefix ?: "${meta.id}"
    def device = args.contains('--device') ? '' : "--device ${task.ext.device ?: (task.accelerator ? 'gpu' : 'cpu')}"
    """
    # test hook (tests/pipeline/run.sh): with UN_TEST_FAIL_ONCE set, the first extract task to get here fails once
    if [[ -n "\${UN_TEST_FAIL_ONCE:-}" ]] && mkdir "\$UN_TEST_FAIL_ONCE" 2>/dev/null; then
        echo "extract: failing once on purpose (UN_TEST_FAIL_ONCE=\$UN_TEST_FAIL_ONCE)" >&2
        exit 1
    fi
    export UN_JAVA_OPTS="${TaskJava.opts(task)}"
    export UN_TASK_PROCESS="${task.process}" UN_TASK_TAG="${meta.id}"   # un-task writes timing.tsv
    un-task ${jar} org.uneurons.extract.ExtractTool \\
        --checkpoint ${checkpoint} \\
        --shard ${shard} \\
        --model-name ${meta.model} \\
        ${device} \\
        ${args} \\
        --output ${prefix}.h5

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        extract: "\$(un-task ${jar} org.uneurons.extract.ExtractTool --version 2>&1 | head -n 1 | sed 's/^[^ ]* //')"
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
        extract: stub
    END_VERSIONS
    """
}
