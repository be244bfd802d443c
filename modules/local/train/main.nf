/*
 * TRAIN: (seed, training shards) -> a small GPT-2 trained from that seed, as a Hugging Face checkpoint directory
 * named after the model (config.json, model.safetensors, train_log.csv, training.json).
 * Tool: org.uneurons.train.TrainTool (java-tasks/train). Options from params arrive as ext.args
 * (conf/modules.config); the random-init control (meta.control) gets --steps 0. The device follows the task's
 * resources: gpu when the process has an accelerator (profile gpu), else cpu; ext.device overrides it.
 */
process TRAIN {
    tag "${meta.id}"
    // one core: the train tool uses one PyTorch thread by default (faster than two on small models), so two
    // models train side by side on a 2-core machine
    label 'process_single'

    input:
    tuple val(meta), path(train, stageAs: 'train/*'), path(valid, stageAs: 'valid/*')
    path jar

    output:
    tuple val(meta), path("${meta.id}"), emit: checkpoint
    path 'versions.yml'                , emit: versions

    script:
    def args   = task.ext.args ?: ''
    def device = args.contains('--device') ? '' : "--device ${task.ext.device ?: (task.accelerator ? 'gpu' : 'cpu')}"
    def trainArgs = (train instanceof Collection ? train : [train]).sort(false) { it.name }.collect { "--train ${it}" }.join(' ')
    def validArgs = (valid instanceof Collection ? valid : [valid]).sort(false) { it.name }.collect { "--valid ${it}" }.join(' ')
    """
    export UN_JAVA_OPTS="${TaskJava.opts(task)}"
    un-task ${jar} org.uneurons.train.TrainTool \\
        ${trainArgs} \\
        ${validArgs} \\
        --seed ${meta.seed} \\
        ${device} \\
        ${args} \\
        --outdir ${meta.id}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        train: "\$(un-task ${jar} org.uneurons.train.TrainTool --version 2>&1 | head -n 1 | sed 's/^[^ ]* //')"
    END_VERSIONS
    """

    stub:
    def args = task.ext.args ?: ''
    """
    echo "stub: ${args}"
    mkdir ${meta.id}
    echo '{}' > ${meta.id}/config.json
    touch ${meta.id}/model.safetensors
    echo 'step,lr,train_loss,val_loss,grad_norm,tokens,elapsed_s' > ${meta.id}/train_log.csv

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        train: stub
    END_VERSIONS
    """
}
