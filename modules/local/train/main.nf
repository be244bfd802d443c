/*
 * TRAIN: (seed, training shards) -> a small GPT-2 trained from that seed, as a Hugging Face checkpoint directory
 * named after the model (config.json, model.safetensors, train_log.csv, training.json).
 * Tool: org.uneurons.train.TrainTool (java-tasks/train). Options from params arrive as ext.args
 * (conf/modules.config); the random-init control (meta.control) gets --steps 0. In a study (lib/StudyGrid.groovy)
 * meta.saves lists the steps saved as <id>/steps/stepNNNNNN/ checkpoints and meta.d_model, meta.d_mlp the width.
 * Label process_gpu: under
 * -profile gpu the task gets a GPU (conf/gpu.config) and runs with --device gpu; ext.device overrides it.
 */
process TRAIN {
    tag "${meta.id}"
    // one core: the train tool uses one PyTorch thread by default (faster than two on small models), so two
    // models train side by side on a 2-core machine
    label 'process_single'
    label 'process_gpu'

    input:
    tuple val(meta), path(train, stageAs: 'train/*'), path(valid, stageAs: 'valid/*')
    path jar

    output:
    tuple val(meta), path("${meta.id}"), emit: checkpoint
    path 'versions.yml'                , emit: versions
    path 'timing.tsv'                  , emit: timing

    script:
    def args = task.ext.args ?: ''
    """
    # PyTorch's per-step tensors (up to 32 MB at demo sizes) would otherwise go back to the kernel after every step
    # and be faulted in again on the next: keep them in the process (docs/demo.md, measured there)
    export MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824 MALLOC_TOP_PAD_=268435456
    # MKL picks kernels by the alignment of each buffer, so the same seed could round differently from run to run;
    # a fixed code path makes a seed's checkpoint the same bytes on every run (same speed here, docs/demo.md)
    export MKL_CBWR="\${MKL_CBWR:-AVX2}"
    ${TaskCommand.run(task, jar, 'org.uneurons.train.TrainTool', meta.id)} \\
        ${TaskCommand.repeat('--train', train, true)} \\
        ${TaskCommand.repeat('--valid', valid, true)} \\
        --seed ${meta.seed} \\
        ${meta.saves ? "--save-steps ${meta.saves.join(',')}" : ''} \\
        ${TaskCommand.device(task, args)} \\
        ${args} \\
        --outdir ${meta.id}
    """

    stub:
    """
    ${TaskCommand.stub(task, 'train')}
    echo "save steps: ${meta.saves ? meta.saves.join(',') : 'none'}"
    mkdir ${meta.id}
    echo '{}' > ${meta.id}/config.json
    touch ${meta.id}/model.safetensors
    echo 'step,lr,train_loss,val_loss,grad_norm,tokens,elapsed_s' > ${meta.id}/train_log.csv
    ${(meta.saves ?: []).collect { s -> def d = "${meta.id}/steps/${String.format('step%06d', s as int)}"; "mkdir -p ${d} && echo '{}' > ${d}/config.json && touch ${d}/model.safetensors" }.join('\n    ')}
    """
}
