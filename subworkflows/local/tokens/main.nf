/*
 * TOKENS: the token shards of a run. Demo: CORPUS makes training and analysis shards from the demo corpus;
 * otherwise TOKENIZE makes analysis shards from params.input. Each shard carries its token-filter ids. Only the
 * first plan.analysisShards analysis shards (by name) are analysed (all when null), the first plan.trainShards
 * training shards trained on. Once the number of shards is known, the plan is checked against it
 * (lib/PlanCosts.groovy): printed again when it differs from the plan printed at the start (all shards, or fewer than
 * max_tokens would make), and the run stops before any shard goes on when the plan does not fit its limits.
 *
 * emit: shards      one item per analysis shard: [[shard: name without .h5, n_shards: S], file]
 *       shard_list  the S analysis shards as one list, sorted by name
 *       train       the demo's training shards as one list (nothing without the demo)
 *       tune        the demo's tune shards as one list: validation loss, never analysed (nothing without the demo)
 */

include { CORPUS              } from '../../../modules/local/corpus/main'
include { TOKENIZE            } from '../../../modules/local/tokenize/main'
include { sortedFiles         } from '../fan_in/main'

workflow TOKENS {
    take:
    plan   // Plan (lib/Plan.groovy)
    jars   // Map: tool name -> task jar

    main:
    def firstOf = { files, Integer n -> def all = sortedFiles(files); n ? all.take(n) : all }
    if (plan.demo) {
        CORPUS(Channel.of([[id: 'demo'], plan.demoTarball ? file(plan.demoTarball, checkIfExists: true) : []]), jars.corpus)
        ch_train    = CORPUS.out.train.map { meta, files -> firstOf(files, plan.trainShards) }
        ch_tune_all = CORPUS.out.tune.map { meta, files -> sortedFiles(files) }
        ch_made     = CORPUS.out.analysis
        ch_timing   = CORPUS.out.timing
        ch_versions = CORPUS.out.versions
    } else {
        TOKENIZE(Channel.of([[id: plan.corpusName], plan.input.collect { file(it, checkIfExists: true) }]), jars.tokenize)
        ch_train    = Channel.empty()
        ch_tune_all = Channel.empty()
        ch_made     = TOKENIZE.out.shards
        ch_timing   = TOKENIZE.out.timing
        ch_versions = TOKENIZE.out.versions
    }
    ch_list   = ch_made.map { meta, files -> firstOf(files, plan.analysisShards) }
        .map { list ->
            def costs = plan.costs(list.size())
            if (list.size() != plan.plannedShards) log.info costs.text()
            if (!costs.fits()) throw new PlanCosts.PlanException(costs.refusal(plan.demo ? 'CORPUS' : 'TOKENIZE'))
            list
        }
    // training waits for the plan check (a refused plan starts no TRAIN), as the analysis shards do
    ch_tune   = ch_tune_all.map { [it] }.combine(ch_list.map { [it] }).map { tune, list -> tune }
    ch_shards = ch_list.flatMap { list ->
        list.collect { f -> [[shard: f.name.replaceFirst(/\.h5$/, ''), n_shards: list.size()], f] }
    }

    emit:
    shards     = ch_shards
    shard_list = ch_list
    train      = ch_train
    tune       = ch_tune
    timing     = ch_timing
    versions   = ch_versions
}
