/*
 * MODELS: the checkpoints of a run. Demo: TRAIN, one task per plan.trainRuns entry (seed1..seedN from their seeds,
 * the control at --steps 0), on the training shards, with the validation loss on the first tune shard (never on
 * the analysis shards, whose figures the run reports). In a study, a TRAIN task of a seed gives one model per
 * analysed step (plan.trainOutputs: [step, model name]), its checkpoint saved under <run>/steps/stepNNNNNN/.
 * Otherwise the given checkpoint directories (plan.checkpoints), named by plan.trained (the directory names, or the
 * samplesheet's names), checked before the run (main.nf, lib/CheckpointCheck.groovy).
 *
 * emit: models  one item per model: [name, checkpoint directory]
 */

include { TRAIN } from '../../../modules/local/train/main'

workflow MODELS {
    take:
    plan        // Plan (lib/Plan.groovy)
    jars        // Map: tool name -> task jar
    train       // the training shards, one list (demo)
    tune        // the tune shards, one list (demo)

    main:
    if (plan.demo) {
        // a run's meta is part of its task's hash: it holds what TRAIN does, never the steps a study analyses
        // (plan.trainOutputs), so a step added to a study leaves TRAIN cached
        ch_train = Channel.fromList(plan.trainRuns.collect { run -> run.findAll { k, v -> k != 'outputs' } })
            .combine(train.map { [it] })
            .combine(tune.map { [[it[0]]] })   // validation loss on the first tune shard
        TRAIN(ch_train, jars.train)
        ch_models   = TRAIN.out.checkpoint.flatMap { meta, dir ->
            def outputs = plan.trainOutputs(meta.id)
            outputs ? outputs.collect { step, name -> [name, dir.resolve(String.format('steps/step%06d', step as int))] }
                    : [[meta.id, dir]]
        }
        ch_timing   = TRAIN.out.timing
        ch_versions = TRAIN.out.versions
    } else {
        ch_models = Channel.fromList([plan.trained, plan.checkpoints].transpose())
            .map { name, dir -> [name, file(dir, checkIfExists: true)] }
        ch_timing   = Channel.empty()
        ch_versions = Channel.empty()
    }

    emit:
    models   = ch_models
    timing   = ch_timing
    versions = ch_versions
}
