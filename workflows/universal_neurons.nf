/*
 * The DAG (docs DESIGN §2), so far:
 *
 *   corpus files --TOKENIZE--> token shards k = 1..S
 *   (model m, shard k) --EXTRACT--> activations[m, k]        (fan-out over shards x models)
 *
 * Takes the validated, normalised params (lib/ParamsValidator.groovy): lists are lists, paths are absolute.
 */

include { TOKENIZE } from '../modules/local/tokenize/main'
include { EXTRACT  } from '../modules/local/extract/main'

workflow UNIVERSAL_NEURONS {
    take:
    p          // Map: the normalised params
    task_jars  // directory holding the task jars (java-tasks/dist)

    main:
    ch_versions = Channel.empty()

    // meta maps hold only strings and numbers
    ch_corpus = Channel.of([[id: p.corpus_name], p.input.collect { file(it, checkIfExists: true) }])
    ch_models = Channel.fromList(p.models).map { dir ->
        def checkpoint = file(dir, checkIfExists: true)
        [checkpoint.name, checkpoint]
    }

    TOKENIZE(ch_corpus, file("${task_jars}/tokenize.jar", checkIfExists: true))
    ch_versions = ch_versions.mix(TOKENIZE.out.versions)

    // one (shard, model) pair per extract task; shards sorted by name so the order never depends on timing
    ch_shards = TOKENIZE.out.shards
        .flatMap { meta, shards ->
            (shards instanceof List ? shards : [shards]).sort { it.name }.collect { shard ->
                [[corpus: meta.id, shard: shard.name.replaceFirst(/\.h5$/, '')], shard]
            }
        }
    ch_extract = ch_shards
        .combine(ch_models)
        .map { shard_meta, shard, model, checkpoint ->
            [shard_meta + [id: "${model}.${shard_meta.shard}".toString(), model: model], shard, checkpoint]
        }

    EXTRACT(ch_extract, file("${task_jars}/extract.jar", checkIfExists: true))
    ch_versions = ch_versions.mix(EXTRACT.out.versions)

    // one software_versions.yml per run
    ch_versions
        .map { it.text.trim() + '\n' }
        .unique()
        .collectFile(name: 'software_versions.yml', storeDir: "${p.outdir}/pipeline_info", sort: true)

    emit:
    shards      = ch_shards
    activations = EXTRACT.out.activations
    versions    = ch_versions
}
