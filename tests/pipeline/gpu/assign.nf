#!/usr/bin/env nextflow
/*
 * tests/pipeline/launcher.bats: GPU assignment on the local executor with fake GPUs. Four tasks labelled
 * process_gpu (conf/gpu.config: accelerator 1, maxForks params.max_gpu_tasks, UN_GPUS) each run bin/un-task with
 * --device gpu and a fake `java` (params.fakebin) that prints CUDA_VISIBLE_DEVICES with its start and end times.
 * Run with -c nextflow.config -profile gpu -c <test config> --max_gpu_tasks 2 --untask <bin/un-task> --fakebin DIR.
 */
nextflow.enable.dsl = 2

params.untask  = ''
params.fakebin = ''
params.tasks   = 4

process GPU_TASK {
    tag "${i}"
    label 'process_gpu'

    input:
    val i

    output:
    path 'gpu.txt'

    script:
    """
    echo jar > task.jar
    mkdir -p lib
    PATH="${params.fakebin}:\$PATH" UN_LIB="\$PWD/lib" ${params.untask} task.jar Fake --device gpu > gpu.txt
    """
}

workflow {
    GPU_TASK(Channel.of(1..params.tasks)).collectFile(name: 'gpus.txt', storeDir: "${launchDir}/out")
}
