/*
 * TOKENIZE: corpus files (text, jsonl, or token ids) -> token shards NAME.00000.h5, NAME.00001.h5, ...
 * Tool: org.uneurons.tokenize.TokenizeTool (java-tasks/tokenize). Options from params arrive as ext.args
 * (conf/modules.config): --ctx, --seqs-per-shard, --vocab-size, --max-tokens, --format, --text-field.
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
    def args   = task.ext.args ?: ''
    prefix     = task.ext.prefix ?: "${meta.id}"
    // one file arrives as a Path (itself Iterable over its name parts), several as a list
    def inputArgs = (inputs instanceof Collection ? inputs : [inputs]).collect { "--input ${it}" }.join(' ')
    """
    export UN_JAVA_OPTS="${TaskJava.opts(task)}"
    export UN_TASK_PROCESS="${task.process}" UN_TASK_TAG="${meta.id}"   # un-task writes timing.tsv
    un-task ${jar} org.uneurons.tokenize.TokenizeTool \\
        ${inputArgs} \\
        ${args} \\
        --outdir . \\
        --name ${prefix}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        tokenize: "\$(un-task ${jar} org.uneurons.tokenize.TokenizeTool --version 2>&1 | head -n 1 | sed 's/^[^ ]* //')"
    END_VERSIONS
    """

    stub:
    def args = task.ext.args ?: ''
    prefix   = task.ext.prefix ?: "${meta.id}"
    """
    touch timing.tsv   # an empty timing file: the stub runs no tool
    echo "stub: ${args}"
    touch ${prefix}.00000.h5 ${prefix}.00001.h5

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        tokenize: stub
    END_VERSIONS
    """
}
