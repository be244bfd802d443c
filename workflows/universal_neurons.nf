/*
 * The DAG (docs/architecture.md §2, docs/usage.md "What runs"). Everything it needs to know about the run - the
 * models, anchor, control, pairs, groups, which models get tables, staged or fused, the chunks of shards and the
 * blocks of a's layers - comes from the plan (lib/Plan.groovy), decided once from the validated params and the
 * checked checkpoints.
 *
 *   TOKENS            token shards k = 1..S (demo: CORPUS, else TOKENIZE), filter ids stored with each shard
 *   MODELS            checkpoints (demo: TRAIN per seed + the random-init control, else the given ones)
 *   PAIR_CORRELATION  staged: EXTRACT, CORRELATE per (pair, shard, block); fused: CORRELATE_FUSED per (chunk,
 *                     block), which also makes the table models' partial statistics; MERGE, FINALISE -> summary per
 *                     (pair, block)
 *   NEURON_STATS      staged: STATS_PARTIAL; STATS_FINAL -> statistics per table model
 *   UNIVERSALITY      per group: its summaries (pairs x blocks) + its table models' statistics -> tables
 *   DYNAMICS          a study (lib/StudyGrid.groovy): every cell's tables -> universality against step and size
 *   FAMILIES          per group (params.families): its report table + its table model's checkpoint + the analysis
 *                     shards -> the families of its most universal neurons
 *   WEIGHTS           per model (params.roles): its checkpoint -> its functional roles from the weights
 *   INTERVENE         per group (params.intervene): its table model's checkpoint + that model's roles + the analysis
 *                     shards -> the causal checks of the roles
 *   REPORT            every group's table (and families) + every group's statistics + shards + checkpoints +
 *                     timings + the plan (+ the reference table, when given) -> report
 *
 * A study's cells are groups like any other; FAMILIES, WEIGHTS, INTERVENE and the report's sections take its last
 * cell (plan.reportGroups, plan.reportModels), DYNAMICS all of them.
 *
 * Every fan-in is keyed and sized, its items sorted by name (fanIn, subworkflows/local/fan_in), so results never
 * depend on the order in which tasks complete.
 */

include { TOKENS           } from '../subworkflows/local/tokens/main'
include { MODELS           } from '../subworkflows/local/models/main'
include { PAIR_CORRELATION } from '../subworkflows/local/pair_correlation/main'
include { NEURON_STATS     } from '../subworkflows/local/neuron_stats/main'
include { UNIVERSALITY     } from '../modules/local/universality/main'
include { DYNAMICS         } from '../modules/local/dynamics/main'
include { FAMILIES         } from '../modules/local/families/main'
include { WEIGHTS          } from '../modules/local/weights/main'
include { INTERVENE        } from '../modules/local/intervene/main'
include { REPORT           } from '../modules/local/report/main'
include { fanIn; collectSorted } from '../subworkflows/local/fan_in/main'

workflow UNIVERSAL_NEURONS {
    take:
    plan     // Plan (lib/Plan.groovy)
    jars     // Map: tool name -> task jar (java-tasks/dist/<name>.jar)
    outdir   // where pipeline_info/software_versions.yml goes

    main:
    // TOKENS prints the plan again once S is known (unless main.nf printed it for this S) and stops a plan that
    // does not fit
    TOKENS(plan, jars)
    MODELS(plan, jars, TOKENS.out.train, TOKENS.out.tune)
    PAIR_CORRELATION(plan, jars, TOKENS.out.shards, TOKENS.out.shard_list, MODELS.out.models)
    NEURON_STATS(plan, jars, PAIR_CORRELATION.out.activations, PAIR_CORRELATION.out.stats_partials, MODELS.out.models)

    // --- universality per group: all its summaries (pairs x blocks) and its table models' statistics -----------
    ch_summaries = fanIn(PAIR_CORRELATION.out.summaries) { m -> [m.group, plan.pairsPerGroup[m.group] * plan.blocks.size(), m.id] }
    // a model's statistics go to every group it is a table model of (a study's control: one group per step)
    ch_stats = fanIn(NEURON_STATS.out.stats.flatMap { meta, f -> plan.groupsOfTable(meta.model).collect { g -> [meta + [group: g], f] } }) { m ->
        [m.group, plan.tableModels[m.group].size(), m.model]
    }
    ch_universality = ch_summaries.join(ch_stats)
        .map { g, summary_metas, summaries, stats_metas, stats ->
            [[id: g, mode: plan.universalityMode(g), anchor: plan.tableModels[g][0]], summaries, stats]
        }
    UNIVERSALITY(ch_universality, jars.universality)

    // --- a study: every cell's table -> universality against step and size --------------------------------------
    if (plan.study != null) {
        ch_dynamics_in = collectSorted(UNIVERSALITY.out.table) { plan.groups.indexOf(it[0].id) }
            .map { list -> [[id: 'dynamics', tables: list.collect { plan.dynamicsKey(it[0].id) }], list.collect { it[1] }] }
        DYNAMICS(ch_dynamics_in, jars.dynamics)
        ch_dynamics     = DYNAMICS.out.dynamics.map { meta, dir -> dir }
        ch_dyn_timing   = DYNAMICS.out.timing
        ch_dyn_versions = DYNAMICS.out.versions
    } else {
        ch_dynamics     = Channel.value([])
        ch_dyn_timing   = Channel.empty()
        ch_dyn_versions = Channel.empty()
    }

    // --- families per group: its report table, its table model's checkpoint, the (first families_shards) shards ---
    if (plan.families) {
        ch_families_in = UNIVERSALITY.out.table
            .filter { meta, table -> meta.id in plan.reportGroups }
            .map { meta, table -> [plan.tableModels[meta.id][0], meta.id, table] }
            .combine(MODELS.out.models, by: 0)
            .combine(TOKENS.out.shard_list.map { [it] })
            .map { model, group, table, checkpoint, shards ->
                [[id: group, model: model], table, checkpoint,
                 plan.familiesShards ? shards.take(plan.familiesShards) : shards]
            }
        FAMILIES(ch_families_in, jars.families)
        ch_families  = collectSorted(FAMILIES.out.families) { plan.reportGroups.indexOf(it[0].id) }.map { list -> list.collect { it[1] } }
        ch_fam_timing   = FAMILIES.out.timing
        ch_fam_versions = FAMILIES.out.versions
    } else {
        ch_families     = Channel.value([])
        ch_fam_timing   = Channel.empty()
        ch_fam_versions = Channel.empty()
    }

    // --- functional roles per model; their causal checks per group, on its table model ---------------------------
    if (plan.roles) {
        ch_weights_in = MODELS.out.models.filter { model, checkpoint -> model in plan.rolesModels }.map { model, checkpoint ->
            [[id: model, model: model, memory_mb: plan.modelMemoryMb('WEIGHTS', model),
              native_mb: plan.modelNativeMb('WEIGHTS', model)], checkpoint]
        }
        WEIGHTS(ch_weights_in, jars.weights)
        ch_roles = collectSorted(WEIGHTS.out.roles) { plan.reportModels.indexOf(it[0].id) }.map { list -> list.collect { it[1] } }
        ch_roles_timing   = WEIGHTS.out.timing
        ch_roles_versions = WEIGHTS.out.versions
    } else {
        ch_roles          = Channel.value([])
        ch_roles_timing   = Channel.empty()
        ch_roles_versions = Channel.empty()
    }
    if (plan.intervene) {
        ch_intervene_in = Channel.fromList(plan.reportGroups.collect { g -> [plan.tableModels[g][0], g] })
            .combine(MODELS.out.models, by: 0)
            .combine(WEIGHTS.out.roles.map { meta, roles -> [meta.id, roles] }, by: 0)
            .combine(TOKENS.out.shard_list.map { [it] })
            .map { model, group, checkpoint, roles, shards ->
                [[id: group, model: model, memory_mb: plan.modelMemoryMb('INTERVENE', model),
                  native_mb: plan.modelNativeMb('INTERVENE', model)], checkpoint, roles, shards]
            }
        INTERVENE(ch_intervene_in, jars.intervene)
        ch_interventions = collectSorted(INTERVENE.out.interventions) { plan.reportGroups.indexOf(it[0].id) }.map { list -> list.collect { it[1] } }
        ch_iv_timing     = INTERVENE.out.timing
        ch_iv_versions   = INTERVENE.out.versions
    } else {
        ch_interventions = Channel.value([])
        ch_iv_timing     = Channel.empty()
        ch_iv_versions   = Channel.empty()
    }

    // --- report: every group's table and statistics (in plan.groups order), shards, checkpoints, the plan,
    //     the reference table
    ch_tables = collectSorted(UNIVERSALITY.out.table.filter { meta, t -> meta.id in plan.reportGroups }) {
        plan.reportGroups.indexOf(it[0].id)
    }.map { list -> list.collect { it[1] } }
    // each report group's table model's statistics, in plan.reportGroups order (the browser's histograms and contexts)
    def statsGroup = { model -> plan.reportGroups.find { g -> plan.tableModels[g][0] == model } }
    ch_group_stats = collectSorted(NEURON_STATS.out.stats.filter { meta, f -> statsGroup(meta.model) != null }) {
        plan.reportGroups.indexOf(statsGroup(it[0].model))
    }.map { list -> list.collect { it[1] } }
    ch_checkpoints = collectSorted(MODELS.out.models.filter { m, dir -> m in plan.reportModels }) { plan.reportModels.indexOf(it[0]) }.map { list -> list.collect { it[1] } }
    // every task's timing.tsv, sorted by content and path: the order of completion does not matter
    ch_timings = collectSorted(TOKENS.out.timing.mix(MODELS.out.timing, PAIR_CORRELATION.out.timing,
                                                     NEURON_STATS.out.timing, UNIVERSALITY.out.timing, ch_dyn_timing,
                                                     ch_fam_timing, ch_roles_timing, ch_iv_timing)) { f ->
        f.text + '\u0000' + f.toString()
    }
    // an optional reference table (params.reference_table); [] stages nothing
    def reference = plan.params.reference_table ? file(plan.params.reference_table, checkIfExists: true) : []
    ch_report = ch_tables.map { [it] }
        .combine(ch_group_stats.map { [it] })
        .combine(TOKENS.out.shard_list.map { [it] })
        .combine(ch_checkpoints.map { [it] })
        .combine(ch_timings.map { [it] })
        .combine(ch_families.map { [it] })
        .combine(ch_roles.map { [it] })
        .combine(ch_interventions.map { [it] })
        .combine(ch_dynamics.map { [it] })
        .map { tables, stats, shards, checkpoints, timings, families, roles, interventions, dynamics ->
            [[id: 'report', groups: plan.reportGroups, models: plan.reportModels, control: plan.control, params: plan.reportParams,
              memory_mb: plan.reportMemoryMb(),
              plan: plan.costs(shards.size()).rows()],
             tables, stats, shards, checkpoints, timings, reference, families, roles, interventions, dynamics]
        }
    REPORT(ch_report, jars.report)

    // one software_versions.yml per run
    TOKENS.out.versions.mix(MODELS.out.versions, PAIR_CORRELATION.out.versions, NEURON_STATS.out.versions,
                            UNIVERSALITY.out.versions, ch_dyn_versions, ch_fam_versions, ch_roles_versions, ch_iv_versions,
                            REPORT.out.versions)
        .map { it.text.trim() + '\n' }
        .unique()
        .collectFile(name: 'software_versions.yml', storeDir: "${outdir}/pipeline_info", sort: true)

    emit:
    shards      = TOKENS.out.shards
    activations = PAIR_CORRELATION.out.activations
    tables      = UNIVERSALITY.out.tables
    report      = REPORT.out.report
}
