/*
 * EXTRACT: (checkpoint, token shard) -> MLP activations HDF5 of that model on that shard, with the shard's
 * token-filter ids copied in (so correlate needs no shard). Tool: org.uneurons.extract.ExtractTool
 * (java-tasks/extract). Options from params arrive as ext.args (conf/modules.config): --batch-size, --dtype,
 * --hooks, --max-seqs. Label process_gpu: under -profile gpu the task gets a GPU (conf/gpu.config) and runs with
 * --device gpu, else cpu; ext.device overrides it.
 */
process EXTRACT {
    tag "${meta.id}"
    label 'process_low'
    label 'process_gpu'

    input:
    tuple val(meta), path(shard), path(checkpoint)
    path jar

    output:
    tuple val(meta), path("${prefix}.h5"), emit: activations
    path 'versions.yml'                  , emit: versions
    path 'timing.tsv'                    , emit: timing

    script:
    def args = task.ext.args ?: ''
    prefix   = task.ext.prefix ?: "${meta.id}"
    """
    # test hook (tests/pipeline/real.bats): with UN_TEST_FAIL_ONCE set, the first extract task to get here fails once
    if [[ -n "\${UN_TEST_FAIL_ONCE:-}" ]] && mkdir "\$UN_TEST_FAIL_ONCE" 2>/dev/null; then
        echo "extract: failing once on purpose (UN_TEST_FAIL_ONCE=\$UN_TEST_FAIL_ONCE)" >&2
        exit 1
    fi
    ${TaskCommand.run(task, jar, 'org.uneurons.extract.ExtractTool', meta.id)} \\
        --checkpoint ${checkpoint} \\
        --shard ${shard} \\
        --model-name ${meta.model} \\
        ${TaskCommand.device(task, args)} \\
        ${args} \\
        --output ${prefix}.h5
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    ${TaskCommand.stub(task, 'extract')}
    touch ${prefix}.h5
    """
}
