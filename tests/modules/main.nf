#!/usr/bin/env nextflow
/*
 * Every module alone, on placeholder inputs, as a -stub-run (tests/pipeline/modules.bats):
 *
 *   ./nextflow run tests/modules/main.nf -stub-run -c nextflow.config --fixtures DIR --outdir DIR
 *
 * Each module gets the inputs the DAG would give it (the shapes of its `input:` block) and its outputs are written,
 * one line per emitted item, to outdir/outputs.tsv: PROCESS <tab> emit <tab> meta.id <tab> file names (sorted),
 * so a test can check what each module emits without the rest of the DAG. lib/ links to the repository's lib/
 * (Nextflow loads lib/ from the script's directory).
 */

include { CORPUS          } from '../../modules/local/corpus/main'
include { TOKENIZE        } from '../../modules/local/tokenize/main'
include { TRAIN           } from '../../modules/local/train/main'
include { EXTRACT         } from '../../modules/local/extract/main'
include { CORRELATE       } from '../../modules/local/correlate/main'
include { CORRELATE_FUSED } from '../../modules/local/correlate_fused/main'
include { MERGE           } from '../../modules/local/merge/main'
include { FINALISE        } from '../../modules/local/finalise/main'
include { STATS_PARTIAL   } from '../../modules/local/stats_partial/main'
include { STATS_FINAL     } from '../../modules/local/stats_final/main'
include { UNIVERSALITY    } from '../../modules/local/universality/main'
include { FAMILIES        } from '../../modules/local/families/main'
include { WEIGHTS         } from '../../modules/local/weights/main'
include { INTERVENE       } from '../../modules/local/intervene/main'
include { REPORT          } from '../../modules/local/report/main'
include { DYNAMICS        } from '../../modules/local/dynamics/main'

params.fixtures = null   // a directory of placeholder files, made by tests/pipeline/modules.bats

def fixture(String name) { file("${params.fixtures}/${name}", checkIfExists: true) }

// PROCESS <tab> emit <tab> meta id <tab> the emitted files' names (a directory's: name/ and its files)
def row(String process, String emit, meta, files) {
    def names = (files instanceof Collection ? files : [files]).collect { f ->
        f.isDirectory() ? ([f.name + '/'] + f.listFiles().collect { "${f.name}/${it.name}" }.sort()).join(' ') : f.name
    }.sort()
    "${process}\t${emit}\t${meta?.id}\t${names.join(' ')}"
}

workflow {
    def jar = fixture('tool.jar')
    def seed1 = [id: 'seed1.analysis.00000', model: 'seed1', shard: 'analysis.00000', n_shards: 2]

    CORPUS(Channel.of([[id: 'demo'], []]), jar)
    TOKENIZE(Channel.of([[id: 'corpus'], [fixture('a.txt'), fixture('b.jsonl')]]), jar)
    // the demo's run, and a study's (a width, saving checkpoints at steps 2 and 4)
    TRAIN(Channel.of([[id: 'seed1', seed: 1, control: 0], [fixture('train.00000.h5'), fixture('train.00001.h5')],
                      [fixture('analysis.00000.h5')]],
                     [[id: 'w32-seed1', seed: 1, control: 0, d_model: 32, d_mlp: 128, saves: [2, 4]],
                      [fixture('train.00000.h5'), fixture('train.00001.h5')], [fixture('analysis.00000.h5')]]), jar)
    EXTRACT(Channel.of([seed1, fixture('analysis.00000.h5'), fixture('seed1')]), jar)
    CORRELATE(Channel.of([[id: 'seed1__seed2.analysis.00000', pair: 'seed1__seed2', a: 'seed1', b: 'seed2', group: 'trained',
                           shard: 'analysis.00000', n_shards: 2],
                          fixture('seed1.analysis.00000.h5'), fixture('seed2.analysis.00000.h5')]), jar)
    // a chunk of two shards, the first block of a's layers (with the statistics of seed1); seed2 is named by a
    // samplesheet (its directory is 3f2a9c1e)
    CORRELATE_FUSED(Channel.of([[id: 'c00000.L00-00', chunk: 'c00000', n_chunks: 1, block: 0, layers: '0-0',
                                 pairs: ['seed1:seed2', 'control:seed2'], models: ['seed1', 'seed2', 'control'],
                                 stats_models: ['seed1'], memory_mb: 3072],
                                [fixture('analysis.00001.h5'), fixture('analysis.00000.h5')],
                                [fixture('seed1'), fixture('3f2a9c1e'), fixture('control')]]), jar)
    MERGE(Channel.of([[id: 'seed1__seed2', a: 'seed1', b: 'seed2', group: 'trained', n_shards: 2],
                      [fixture('seed1__seed2.analysis.00000.h5'), fixture('seed1__seed2.analysis.00001.h5')]]), jar)
    FINALISE(Channel.of([[id: 'seed1__seed2'], fixture('seed1__seed2.moments.h5')]), jar)
    STATS_PARTIAL(Channel.of([seed1, fixture('seed1.analysis.00000.h5')]), jar)
    STATS_FINAL(Channel.of([[id: 'seed1', model: 'seed1'],
                            [fixture('seed1.analysis.00000.stats-partial.h5'), fixture('seed1.analysis.00001.stats-partial.h5')],
                            fixture('seed1')]), jar)
    UNIVERSALITY(Channel.of(
        [[id: 'trained', mode: 'anchor', anchor: 'seed1'], [fixture('seed1__seed2.summary.h5')], [fixture('seed1.stats.h5')]],
        [[id: 'all', mode: 'all', anchor: 'seed2'], [fixture('seed1__seed2.summary.h5'), fixture('seed2__seed1.summary.h5')],
         [fixture('seed1.stats.h5'), fixture('seed2.stats.h5')]]), jar)
    REPORT(Channel.of([[id: 'report', groups: ['trained', 'control'], models: ['seed1', 'seed2', 'control'], params: ['seeds=2']],
                       [fixture('tables/trained'), fixture('tables/control')], fixture('seed1.stats.h5'),
                       [fixture('analysis.00000.h5'), fixture('analysis.00001.h5')],
                       [fixture('seed1'), fixture('seed2'), fixture('control')], [fixture('timing.tsv')],
                       fixture('universal.csv'),
                       [fixture('families/trained/families'), fixture('families/control/families')],
                       [fixture('roles/seed1/roles'), fixture('roles/seed2/roles'), fixture('roles/control/roles')],
                       [fixture('interventions/trained/interventions'), fixture('interventions/control/interventions')],
                       fixture('dynamics/dynamics')]), jar)
    // a study's cells: their tables with their keys, in the plan's order
    DYNAMICS(Channel.of([[id: 'dynamics', tables: ['w32,4,trained', 'w32,4,control']],
                         [fixture('tables/trained'), fixture('tables/control')]]), jar)
    FAMILIES(Channel.of([[id: 'trained', model: 'seed1'], fixture('tables/trained'), fixture('seed1'),
                         [fixture('analysis.00000.h5'), fixture('analysis.00001.h5')]]), jar)
    // the plan's memory requests (5,120 and 6,144 MiB; INTERVENE's native memory beside the heap)
    WEIGHTS(Channel.of([[id: 'seed1', model: 'seed1', memory_mb: 5120, native_mb: 0], fixture('seed1')]), jar)
    INTERVENE(Channel.of([[id: 'trained', model: 'seed1', memory_mb: 6144, native_mb: 1024], fixture('seed1'), fixture('roles/seed1/roles'),
                          [fixture('analysis.00000.h5'), fixture('analysis.00001.h5')]]), jar)

    Channel.empty().mix(
        CORPUS.out.train.map { m, f -> row('CORPUS', 'train', m, f) },
        CORPUS.out.tune.map { m, f -> row('CORPUS', 'tune', m, f) },
        CORPUS.out.analysis.map { m, f -> row('CORPUS', 'analysis', m, f) },
        CORPUS.out.vocab.map { m, f -> row('CORPUS', 'vocab', m, f) },
        TOKENIZE.out.shards.map { m, f -> row('TOKENIZE', 'shards', m, f) },
        TRAIN.out.checkpoint.map { m, f -> row('TRAIN', 'checkpoint', m, f) },
        EXTRACT.out.activations.map { m, f -> row('EXTRACT', 'activations', m, f) },
        CORRELATE.out.partial.map { m, f -> row('CORRELATE', 'partial', m, f) },
        CORRELATE_FUSED.out.partials.map { m, f -> row('CORRELATE_FUSED', 'partials', m, f) },
        MERGE.out.moments.map { m, f -> row('MERGE', 'moments', m, f) },
        FINALISE.out.summary.map { m, f -> row('FINALISE', 'summary', m, f) },
        STATS_PARTIAL.out.partial.map { m, f -> row('STATS_PARTIAL', 'partial', m, f) },
        STATS_FINAL.out.stats.map { m, f -> row('STATS_FINAL', 'stats', m, f) },
        UNIVERSALITY.out.tables.map { m, f -> row('UNIVERSALITY', 'tables', m, f) },
        UNIVERSALITY.out.table.map { m, f -> row('UNIVERSALITY', 'table', m, f) },
        FAMILIES.out.families.map { m, f -> row('FAMILIES', 'families', m, f) },
        WEIGHTS.out.roles.map { m, f -> row('WEIGHTS', 'roles', m, f) },
        INTERVENE.out.interventions.map { m, f -> row('INTERVENE', 'interventions', m, f) },
        REPORT.out.report.map { m, f -> row('REPORT', 'report', m, f) },
        DYNAMICS.out.dynamics.map { m, f -> row('DYNAMICS', 'dynamics', m, f) },
    )
        .collectFile(name: 'outputs.tsv', storeDir: params.outdir, sort: true, newLine: true)
}
