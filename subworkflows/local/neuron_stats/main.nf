/*
 * NEURON_STATS: the neuron statistics of the models that get a table (plan.statsModels).
 *
 *   activations[m, k]  --STATS_PARTIAL-->                                      partial stats[m, k]
 *   partial stats[m, *] + checkpoint[m]  --STATS_FINAL (fanIn: S partials, sorted by shard)-->  stats[m]
 *
 * emit: stats  [meta (id, model), statistics file]
 */

include { STATS_PARTIAL } from '../../../modules/local/stats_partial/main'
include { STATS_FINAL   } from '../../../modules/local/stats_final/main'
include { fanIn         } from '../fan_in/main'

workflow NEURON_STATS {
    take:
    plan         // Plan (lib/Plan.groovy)
    jars         // Map: tool name -> task jar
    activations  // EXTRACT's [meta (id, model, shard, n_shards), activations]
    models       // [name, checkpoint] per model

    main:
    STATS_PARTIAL(activations.filter { meta, f -> meta.model in plan.statsModels }, jars['stats-partial'])
    ch_final = fanIn(STATS_PARTIAL.out.partial) { m -> [m.model, m.n_shards, m.shard] }
        .map { model, metas, partials -> [model, partials] }
        .join(models)
        .map { model, partials, checkpoint -> [[id: model, model: model], partials, checkpoint] }
    STATS_FINAL(ch_final, jars['stats-final'])

    emit:
    stats    = STATS_FINAL.out.stats
    timing   = STATS_PARTIAL.out.timing.mix(STATS_FINAL.out.timing)
    versions = STATS_PARTIAL.out.versions.mix(STATS_FINAL.out.versions)
}
