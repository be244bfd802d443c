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
    path 'timing.tsv'                  , emit: timing

    script:
    def args   = task.ext.args ?: ''
    def device = args.contains('--device') ? '' : "--device ${task.ext.device ?: (task.accelerator ? 'gpu' : 'cpu')}"
    def trainArgs = (train instanceof Collection ? train : [train]).sort(false) { it.name }.collect { "--train ${it}" }.join(' ')
    def validArgs = (valid instanceof Collection ? valid : [valid]).sort(false) { it.name }.collect { "--valid ${it}" }.join(' ')
    """
    export UN_JAVA_OPTS="${TaskJava.opts(task)}"
    # PyTorch's per-step tensors (up to 32 MB at demo sizes) would otherwise go back to the kernel after every step
    # and be faulted in again on the next: keep them in the process (docs/demo.md, measured there)
    export MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824 MALLOC_TOP_PAD_=268435456
    # MKL picks kernels by the alignment of each buffer, so the same seed could round differently from run to run;
    # a fixed code path makes a seed's checkpoint the same bytes on every run (same speed here, docs/demo.md)
    export MKL_CBWR="\${MKL_CBWR:-AVX2}"
    export UN_TASK_PROCESS="${task.process}" UN_TASK_TAG="${meta.id}"   # un-task writes timing.tsv
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
    touch timing.tsv   # an empty timing file: the stub runs no tool
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
