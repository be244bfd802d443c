/*
 * NEURON_STATS: the neuron statistics of the models that get a table (plan.statsModels).
 *
 *   staged: activations[m, k]  --STATS_PARTIAL-->  partial stats[m, k]                       (U = S shards)
 *   fused:  partial stats[m, c], made by CORRELATE_FUSED in the same pass as the correlations  (U = C chunks)
 *   partial stats[m, *] + checkpoint[m]  --STATS_FINAL (fanIn: the U partials, sorted by shard or chunk)-->  stats[m]
 *
 * emit: stats  [meta (id, model), statistics file]
 */

include { STATS_PARTIAL } from '../../../modules/local/stats_partial/main'
include { STATS_FINAL   } from '../../../modules/local/stats_final/main'
include { fanIn         } from '../fan_in/main'

workflow NEURON_STATS {
    take:
    plan            // Plan (lib/Plan.groovy)
    jars            // Map: tool name -> task jar
    activations     // staged: EXTRACT's [meta (id, model, shard, n_shards), activations]
    stats_partials  // fused: CORRELATE_FUSED's [meta (id, model, unit, n_units), partial statistics]
    models          // [name, checkpoint] per model

    main:
    if (plan.fused) {
        ch_partials = stats_partials
        ch_timing   = Channel.empty()
        ch_versions = Channel.empty()
    } else {
        STATS_PARTIAL(activations.filter { meta, f -> meta.model in plan.statsModels }
                          .map { meta, f -> [meta + [unit: meta.shard, n_units: meta.n_shards], f] },
                      jars['stats-partial'])
        ch_partials = STATS_PARTIAL.out.partial
        ch_timing   = STATS_PARTIAL.out.timing
        ch_versions = STATS_PARTIAL.out.versions
    }
    ch_final = fanIn(ch_partials) { m -> [m.model, m.n_units, m.unit] }
        .map { model, metas, partials -> [model, partials] }
        .join(models)
        // the request the plan computes for the model's shape (weights and statistics in float64; lib/PlanCosts.groovy)
        .map { model, partials, checkpoint ->
            [[id: model, model: model, memory_mb: plan.statsFinalMemoryMb(model), native_mb: 0L], partials, checkpoint] }
    STATS_FINAL(ch_final, jars['stats-final'])

    emit:
    stats    = STATS_FINAL.out.stats
    timing   = ch_timing.mix(STATS_FINAL.out.timing)
    versions = ch_versions.mix(STATS_FINAL.out.versions)
}
