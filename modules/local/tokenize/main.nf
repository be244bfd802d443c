/*
 * TOKENIZE: corpus files (text, jsonl, or token ids) -> token shards NAME.00000.h5, NAME.00001.h5, ..., each carrying
 * its token-filter ids. Tool: org.uneurons.tokenize.TokenizeTool (java-tasks/tokenize); it decides whether the
 * inputs are text or ids. Options from params arrive as ext.args (conf/modules.config): --ctx, --seqs-per-shard,
 * --vocab-size, --bos-id, --eos-id, --max-tokens, --format, --text-field.
 */
process TOKENIZE {
    tag "${meta.id}"
    label 'process_single'

    input:
    tuple val(meta), path(inputs, stageAs: 'input*/*')
    path jar

    output:
    tuple val(meta), path("${prefix}.*.h5"), emit: shards
    path 'versions.yml'                    , emit: versions
    path 'timing.tsv'                      , emit: timing

    script:
    def args = task.ext.args ?: ''
    prefix   = task.ext.prefix ?: "${meta.id}"
    """
    ${TaskCommand.run(task, jar, 'org.uneurons.tokenize.TokenizeTool', meta.id)} \\
        ${TaskCommand.repeat('--input', inputs)} \\
        ${args} \\
        --outdir . \\
        --name ${prefix}
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    ${TaskCommand.stub(task, 'tokenize')}
    touch ${prefix}.00000.h5 ${prefix}.00001.h5
    """
}
