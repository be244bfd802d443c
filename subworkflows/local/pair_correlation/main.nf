/*
 * PAIR_CORRELATION: per pair of models, the correlation summary of every neuron of a with every neuron of b.
 *
 *   (model, shard)  --EXTRACT-->          activations[m, k]           (plan.extractModels: all, or fused: those
 *                                                                      with statistics)
 *   staged: (pair, shard) + activations of a and b --CORRELATE--> partial moments[pair, k]
 *   fused:  shard + checkpoints of plan.pairModels --CORRELATE_FUSED--> partial moments[pair, k] of every pair
 *   partials[pair, *]  --MERGE (fanIn: S partials, sorted by shard)-->  moments[pair]
 *   moments[pair]      --FINALISE (seeded baselines)-->                 summary[pair]
 *
 * emit: summaries    [meta (id: pair id, a, b, group, n_shards), summary file]
 *       activations  EXTRACT's [meta (id, model, shard, n_shards), activations file]
 */

include { EXTRACT         } from '../../../modules/local/extract/main'
include { CORRELATE       } from '../../../modules/local/correlate/main'
include { CORRELATE_FUSED } from '../../../modules/local/correlate_fused/main'
include { MERGE           } from '../../../modules/local/merge/main'
include { FINALISE        } from '../../../modules/local/finalise/main'
include { fanIn; collectSorted; sortedFiles } from '../fan_in/main'

// the meta of one partial: id '<a>__<b>.<shard>' (the partial's file name), pair, a, b, group, shard, n_shards
def partialMeta(Map pair, String shard, n_shards) {
    [id: "${pair.id}.${shard}".toString(), pair: pair.id, a: pair.a, b: pair.b, group: pair.group,
     shard: shard, n_shards: n_shards]
}

workflow PAIR_CORRELATION {
    take:
    plan    // Plan (lib/Plan.groovy)
    jars    // Map: tool name -> task jar
    shards  // [[shard, n_shards], file] per analysis shard
    models  // [name, checkpoint] per model

    main:
    ch_extract = shards
        .combine(models)
        .filter { shard_meta, shard, model, checkpoint -> model in plan.extractModels }
        .map { shard_meta, shard, model, checkpoint ->
            [shard_meta + [id: "${model}.${shard_meta.shard}".toString(), model: model], shard, checkpoint]
        }
    EXTRACT(ch_extract, jars.extract)

    if (plan.fused) {
        // one task per shard for every pair, given the checkpoints of the paired models (sorted by name)
        ch_checkpoints = collectSorted(models.filter { model, checkpoint -> model in plan.pairModels }) { it[0] }
            .map { list -> list.collect { it[1] } }
        ch_fused = shards
            .combine(ch_checkpoints.map { [it] })
            .map { meta, shard, checkpoints ->
                [[id: meta.shard, shard: meta.shard, n_shards: meta.n_shards,
                  pairs: plan.pairs.collect { "${it.a}:${it.b}".toString() }], shard, checkpoints]
            }
        CORRELATE_FUSED(ch_fused, jars['correlate-fused'])
        // one item per pair, as staged CORRELATE emits them: the tool names each file '<a>__<b>.<shard>.h5'
        ch_partials = CORRELATE_FUSED.out.partials.flatMap { meta, files ->
            Map byName = sortedFiles(files).collectEntries { [it.name, it] }
            plan.pairs.collect { pair ->
                def m = partialMeta(pair, meta.shard, meta.n_shards)
                def f = byName["${m.id}.h5".toString()]
                if (f == null) error "CORRELATE_FUSED (${meta.shard}): no ${m.id}.h5 among ${byName.keySet().sort()}"
                [m, f]
            }
        }
        ch_correlate_timing   = CORRELATE_FUSED.out.timing
        ch_correlate_versions = CORRELATE_FUSED.out.versions
    } else {
        // one task per (pair, shard): a's activations on the shard, joined with b's on the same shard
        ch_acts = EXTRACT.out.activations.map { meta, f -> [meta.model, meta.shard, meta, f] }
        ch_correlate = Channel.fromList(plan.pairs)
            .combine(ch_acts)
            .filter { pair, model, shard, meta, f -> model == pair.a }
            .map { pair, model, shard, meta, f -> [pair.b, shard, pair, meta.n_shards, f] }
            .combine(ch_acts, by: [0, 1])
            .map { b, shard, pair, n_shards, fa, meta_b, fb -> [partialMeta(pair, shard, n_shards), fa, fb] }
        CORRELATE(ch_correlate, jars.correlate)
        ch_partials           = CORRELATE.out.partial
        ch_correlate_timing   = CORRELATE.out.timing
        ch_correlate_versions = CORRELATE.out.versions
    }

    ch_merge = fanIn(ch_partials) { m -> [m.pair, m.n_shards, m.shard] }
        .map { pair, metas, files ->
            def m = metas[0]
            [[id: m.pair, a: m.a, b: m.b, group: m.group, n_shards: m.n_shards], files]
        }
    MERGE(ch_merge, jars.merge)
    FINALISE(MERGE.out.moments, jars.finalise)

    emit:
    summaries   = FINALISE.out.summary
    activations = EXTRACT.out.activations
    timing      = EXTRACT.out.timing.mix(ch_correlate_timing, MERGE.out.timing, FINALISE.out.timing)
    versions    = EXTRACT.out.versions.mix(ch_correlate_versions, MERGE.out.versions, FINALISE.out.versions)
}
