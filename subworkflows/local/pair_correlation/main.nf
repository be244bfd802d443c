/*
 * PAIR_CORRELATION: per pair of models and block of a's layers (plan.blocks: one block of all layers unless
 * layers_per_task splits them), the correlation summary of every neuron of a in the block with every neuron of b.
 *
 *   staged: (model, shard) --EXTRACT--> activations[m, k]
 *           (pair, shard, block) + activations of a and b on the shard --CORRELATE--> partial[pair, k, block]
 *   fused:  (chunk c of consecutive shards, block, unit) + the checkpoints of the unit's models
 *             --CORRELATE_FUSED--> partial[pair, c, block] of every pair of the unit, and in the first block the
 *                                  partial statistics[m, c] of its table models (no activation files); a unit
 *                                  (plan.fusedUnits) is every pair, or in a study one cell's pairs
 *   partials[pair, *, block] --MERGE (fanIn: the U partials, sorted by shard or chunk)--> moments[pair, block]
 *                            (U = 1: the one partial is the moments, no MERGE task)
 *   moments[pair, block]     --FINALISE (seeded baselines)--> summary[pair, block]
 *
 * MERGE, FINALISE and CORRELATE_FUSED ask for the memory the plan computes from the shapes (meta.memory_mb,
 * conf/base.config).
 *
 * emit: summaries       [meta (id: 'a__b' or 'a__b.L00-03', pair, a, b, group, block), summary file]
 *       activations     staged: EXTRACT's [meta (id, model, shard, n_shards), activations file]
 *       stats_partials  fused: [meta (id, model, unit: chunk, n_units: C), partial statistics file]
 */

include { EXTRACT         } from '../../../modules/local/extract/main'
include { CORRELATE       } from '../../../modules/local/correlate/main'
include { CORRELATE_FUSED } from '../../../modules/local/correlate_fused/main'
include { MERGE           } from '../../../modules/local/merge/main'
include { FINALISE        } from '../../../modules/local/finalise/main'
include { fanIn; collectSorted; sortedFiles } from '../fan_in/main'

// the meta of one partial: id (its file name without .h5), key (the pair and block it is merged into), the pair,
// the block (index), the unit (shard or chunk) and how many units the pair and block have
def partialMeta(plan, Map pair, Map block, String unit, n_units, String task = null) {
    [id: "${pair.id}.${task ?: plan.taskName(unit, block)}".toString(), key: plan.pairBlockId(pair, block), pair: pair.id,
     a: pair.a, b: pair.b, group: pair.group, block: block.index, layers: block.layers, unit: unit, n_units: n_units]
}

workflow PAIR_CORRELATION {
    take:
    plan        // Plan (lib/Plan.groovy)
    jars        // Map: tool name -> task jar
    shards      // [[shard, n_shards], file] per analysis shard
    shard_list  // the analysis shards, one sorted list
    models      // [name, checkpoint] per model

    main:
    if (plan.fused) {
        // the paired models' names and checkpoints, in plan.models order
        ch_pair_models = collectSorted(models.filter { name, checkpoint -> name in plan.pairModels }) { plan.models.indexOf(it[0]) }
            .map { list -> [list.collect { it[0] }, list.collect { it[1] }] }
        // one task per (chunk, block), every pair; the table models' statistics in the first block of each chunk
        ch_fused = shard_list
            .flatMap { list -> plan.chunksOf(list) }
            .combine(Channel.fromList(plan.blocks))
            .combine(Channel.fromList(plan.fusedUnits.withIndex().collect { u, i -> [i] }))
            .combine(ch_pair_models)
            .map { chunk, files, block, u, names, checkpoints ->
                def unit = plan.fusedUnits[u]
                def mine = [names, checkpoints].transpose().findAll { it[0] in unit.models }
                def meta = [id: plan.taskName(chunk.chunk, block, unit.id), chunk: chunk.chunk, n_chunks: chunk.n_chunks,
                            block: block.index, layers: block.layers, pairs: unit.pairs.collect { "${it.a}:${it.b}".toString() },
                            models: mine.collect { it[0] }, stats_models: block.index == 0 ? unit.statsModels : [],
                            memory_mb: plan.memoryMb('CORRELATE_FUSED', null, block, unit),
                            native_mb: plan.nativeMb('CORRELATE_FUSED', null, block, unit)]
                if (unit.id) meta.unit = unit.id    // a study's cell; absent otherwise, so a run's task hashes stay as they were
                [meta, files, mine.collect { it[1] }]
            }
        CORRELATE_FUSED(ch_fused, jars['correlate-fused'])
        // the tool names each pair's file '<a>__<b>.<task>.h5' and each model's statistics '<model>.<task>.stats-partial.h5'
        ch_fused_files = CORRELATE_FUSED.out.partials.map { meta, files -> [meta, sortedFiles(files).collectEntries { [it.name, it] }] }
        ch_partials = ch_fused_files.flatMap { meta, byName ->
            plan.fusedUnits.find { it.id == meta.unit }.pairs.collect { pair ->
                def m = partialMeta(plan, pair, plan.blocks[meta.block], meta.chunk, meta.n_chunks, meta.id)
                def f = byName["${m.id}.h5".toString()]
                if (f == null) error "CORRELATE_FUSED (${meta.id}): no ${m.id}.h5 among ${byName.keySet().sort()}"
                [m, f]
            }
        }
        ch_stats_partials = ch_fused_files.flatMap { meta, byName ->
            meta.stats_models.collect { model ->
                def name = "${model}.${meta.id}.stats-partial.h5".toString()
                if (byName[name] == null) error "CORRELATE_FUSED (${meta.id}): no ${name} among ${byName.keySet().sort()}"
                [[id: "${model}.${meta.chunk}".toString(), model: model, unit: meta.chunk, n_units: meta.n_chunks], byName[name]]
            }
        }
        ch_activations        = Channel.empty()
        ch_correlate_timing   = CORRELATE_FUSED.out.timing
        ch_correlate_versions = CORRELATE_FUSED.out.versions
    } else {
        ch_extract = shards
            .combine(models)
            .filter { shard_meta, shard, model, checkpoint -> model in plan.extractModels }
            .map { shard_meta, shard, model, checkpoint ->
                [shard_meta + [id: "${model}.${shard_meta.shard}".toString(), model: model], shard, checkpoint]
            }
        EXTRACT(ch_extract, jars.extract)
        // one task per (pair, shard, block): a's activations on the shard, joined with b's on the same shard
        ch_acts = EXTRACT.out.activations.map { meta, f -> [meta.model, meta.shard, meta, f] }
        ch_correlate = Channel.fromList(plan.pairs)
            .combine(ch_acts)
            .filter { pair, model, shard, meta, f -> model == pair.a }
            .map { pair, model, shard, meta, f -> [pair.b, shard, pair, meta.n_shards, f] }
            .combine(ch_acts, by: [0, 1])
            .combine(Channel.fromList(plan.blocks))
            .map { b, shard, pair, n_shards, fa, meta_b, fb, block -> [partialMeta(plan, pair, block, shard, n_shards), fa, fb] }
        CORRELATE(ch_correlate, jars.correlate)
        ch_partials           = CORRELATE.out.partial
        ch_stats_partials     = Channel.empty()
        ch_activations        = EXTRACT.out.activations
        ch_correlate_timing   = EXTRACT.out.timing.mix(CORRELATE.out.timing)
        ch_correlate_versions = EXTRACT.out.versions.mix(CORRELATE.out.versions)
    }

    // per (pair, block): its U partials, sorted by unit; MERGE when there are several
    ch_units = fanIn(ch_partials) { m -> [m.key, m.n_units, m.unit] }
        .map { key, metas, files ->
            def m = metas[0]
            def pair = plan.pairs.find { it.id == m.pair }
            [[id: key, pair: m.pair, a: m.a, b: m.b, group: m.group, block: m.block, n_units: m.n_units,
              memory_mb: plan.memoryMb('MERGE', pair, plan.blocks[m.block]),
              native_mb: plan.nativeMb('MERGE', pair, plan.blocks[m.block])], files]
        }
        .branch { meta, files ->
            one: files.size() == 1
            many: true
        }
    MERGE(ch_units.many, jars.merge)
    ch_moments = MERGE.out.moments
        .mix(ch_units.one.map { meta, files -> [meta, files[0]] })
        .map { meta, f ->
            def pair = plan.pairs.find { it.id == meta.pair }
            [meta + [memory_mb: plan.memoryMb('FINALISE', pair, plan.blocks[meta.block]),
                     native_mb: plan.nativeMb('FINALISE', pair, plan.blocks[meta.block])], f]
        }
    FINALISE(ch_moments, jars.finalise)

    emit:
    summaries      = FINALISE.out.summary
    activations    = ch_activations
    stats_partials = ch_stats_partials
    timing         = ch_correlate_timing.mix(MERGE.out.timing, FINALISE.out.timing)
    versions       = ch_correlate_versions.mix(MERGE.out.versions, FINALISE.out.versions)
}
