/*
 * Unit tests of lib/Plan.groovy, with task counts worked out by hand. Offline, with the Groovy of Nextflow's own
 * jars (./nextflow fetches them into .cache/nextflow/lib):
 *
 *   java -cp ".cache/nextflow/lib/*:lib" groovy.ui.GroovyMain tests/lib/PlanTest.groovy
 *
 * Params start from the defaults in nextflow_schema.json and go through lib/ParamsValidator.groovy, as in a run.
 * Prints TAP ("ok N - name" / "not ok N - name" with the failed assertion); exits 1 when a case fails.
 */
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths

Path root = Paths.get(System.getProperty('user.dir')).toAbsolutePath()
while (root != null && !Files.exists(root.resolve('nextflow_schema.json'))) root = root.parent
assert root != null : 'run from inside the repository'
Path schema = root.resolve('nextflow_schema.json')
Path hf = root.resolve('java-tasks/testdata/hf')
Path ids = root.resolve('assets/demo/ids.npy')

/** The plan of a run with the schema's defaults changed by overrides (as given on the command line). */
Plan plan(Map overrides) {
    Map params = [:]
    ParamsValidator.properties(binding.schema).each { name, spec -> if (spec.containsKey('default')) params[name] = spec.default }
    params.outdir = 'results'
    params.putAll(overrides)
    new Plan(ParamsValidator.validate(params, binding.schema, binding.root))
}
binding.schema = schema
binding.root = root

List results = []
def check = { String name, Closure body ->
    try {
        body()
        results << [name, null]
    } catch (Throwable e) {
        results << [name, e.message ?: e.toString()]
    }
}
def counts = { Map m -> m.collect { k, v -> "${k} ${v}" }.join(', ') }

// --- the demo: 4 seeds + control, 2 analysis shards (the defaults) --------------------------------------------
check('demo, staged: models, anchor, control, pairs, groups') {
    Plan p = plan([:])
    assert p.demo && !p.fused && !p.allPairs
    assert p.trained == ['seed1', 'seed2', 'seed3', 'seed4']
    assert p.anchor == 'seed1' && p.control == 'control'
    assert p.models == ['seed1', 'seed2', 'seed3', 'seed4', 'control']
    assert p.pairs*.id == ['seed1__seed2', 'seed1__seed3', 'seed1__seed4', 'control__seed2', 'control__seed3', 'control__seed4']
    assert p.pairs*.group == ['trained'] * 3 + ['control'] * 3
    assert p.groups == ['trained', 'control']
    assert p.pairsPerGroup == [trained: 3, control: 3]
    assert p.tableModels == [trained: ['seed1'], control: ['control']]
    assert p.statsModels == ['seed1', 'control']
    assert p.extractModels == p.models
    assert p.universalityMode('trained') == 'anchor' && p.universalityMode('control') == 'anchor'
    assert p.groupOf('control') == 'control' && p.groupOf('seed1') == 'trained'
    assert p.trainRuns == [[id: 'seed1', seed: 1, control: 0], [id: 'seed2', seed: 2, control: 0],
                           [id: 'seed3', seed: 3, control: 0], [id: 'seed4', seed: 4, control: 0],
                           [id: 'control', seed: 1000, control: 1]]
    assert p.analysisShards == 2 && p.checkpoints == [] && p.input == []
    assert p.tools == ['corpus', 'train', 'extract', 'correlate', 'merge', 'finalise', 'stats-partial', 'stats-final',
                       'universality', 'report']
}

// extract 5 models x 2 shards; correlate 6 pairs x 2 shards; statistics of seed1 and control
check('demo, staged, S = 2: 49 tasks') {
    Plan p = plan([:])
    assert counts(p.tasks(2)) == 'CORPUS 1, TRAIN 5, EXTRACT 10, CORRELATE 12, MERGE 6, FINALISE 6, STATS_PARTIAL 4, STATS_FINAL 2, UNIVERSALITY 2, REPORT 1'
    assert p.totalTasks(2) == 49
    assert p.describe(2) == 'plan: 2 analysis shards, 49 tasks: CORPUS 1, TRAIN 5, EXTRACT 10, CORRELATE 12, MERGE 6, FINALISE 6, STATS_PARTIAL 4, STATS_FINAL 2, UNIVERSALITY 2, REPORT 1'
}

// fused: extract only seed1 and control (their statistics), one fused task per shard for all 6 pairs
check('demo, fused, S = 2: 33 tasks') {
    Plan p = plan([correlate_mode: 'fused'])
    assert p.fused
    assert p.extractModels == ['seed1', 'control']
    assert p.pairModels == ['seed1', 'seed2', 'seed3', 'seed4', 'control']
    assert counts(p.tasks(2)) == 'CORPUS 1, TRAIN 5, EXTRACT 4, CORRELATE_FUSED 2, MERGE 6, FINALISE 6, STATS_PARTIAL 4, STATS_FINAL 2, UNIVERSALITY 2, REPORT 1'
    assert p.totalTasks(2) == 33
    assert 'correlate-fused' in p.tools && !('correlate' in p.tools)
}

check('demo, S unknown: counts per shard') {
    assert plan([analysis_shards: null]).describe(null) ==
        'plan: S analysis shards (S known once the shards are made): CORPUS 1, TRAIN 5, EXTRACT 5 x S, CORRELATE 6 x S, MERGE 6, FINALISE 6, STATS_PARTIAL 2 x S, STATS_FINAL 2, UNIVERSALITY 2, REPORT 1'
    assert plan([analysis_shards: null]).analysisShards == null
}

// 4 x 3 = 12 ordered trained pairs + 3 control pairs; a table (and statistics) for every model
check('demo, pairs all, staged, S = 2: 94 tasks') {
    Plan p = plan([pairs: 'all'])
    assert p.allPairs
    assert p.pairs.size() == 15 && p.pairsPerGroup == [trained: 12, control: 3]
    assert p.pairs.findAll { it.group == 'trained' }*.id == ['seed1__seed2', 'seed1__seed3', 'seed1__seed4',
        'seed2__seed1', 'seed2__seed3', 'seed2__seed4', 'seed3__seed1', 'seed3__seed2', 'seed3__seed4',
        'seed4__seed1', 'seed4__seed2', 'seed4__seed3']
    assert p.tableModels == [trained: ['seed1', 'seed2', 'seed3', 'seed4'], control: ['control']]
    assert p.statsModels == ['seed1', 'seed2', 'seed3', 'seed4', 'control']
    assert p.universalityMode('trained') == 'all' && p.universalityMode('control') == 'anchor'
    assert counts(p.tasks(2)) == 'CORPUS 1, TRAIN 5, EXTRACT 10, CORRELATE 30, MERGE 15, FINALISE 15, STATS_PARTIAL 10, STATS_FINAL 5, UNIVERSALITY 2, REPORT 1'
    assert p.totalTasks(2) == 94
}

check('demo, pairs all, fused, S = 2: 66 tasks') {
    Plan p = plan([pairs: 'all', correlate_mode: 'fused'])
    assert p.extractModels == p.models
    assert counts(p.tasks(2)) == 'CORPUS 1, TRAIN 5, EXTRACT 10, CORRELATE_FUSED 2, MERGE 15, FINALISE 15, STATS_PARTIAL 10, STATS_FINAL 5, UNIVERSALITY 2, REPORT 1'
    assert p.totalTasks(2) == 66
}

check('demo without control: one group') {
    Plan p = plan([control: 'false', seeds: 3])
    assert p.control == null && p.groups == ['trained'] && p.models == ['seed1', 'seed2', 'seed3']
    assert p.pairs*.id == ['seed1__seed2', 'seed1__seed3']
    assert p.trainRuns*.id == ['seed1', 'seed2', 'seed3']
    assert counts(p.tasks(1)) == 'CORPUS 1, TRAIN 3, EXTRACT 3, CORRELATE 2, MERGE 2, FINALISE 2, STATS_PARTIAL 1, STATS_FINAL 1, UNIVERSALITY 1, REPORT 1'
}

// -profile test (conf/test.config): 2 seeds + control, 2 analysis shards; pairs seed1__seed2 and control__seed2
check('-profile test, staged: 27 tasks') {
    Plan p = plan([seeds: 2, analysis_shards: 2, train_shards: 2])
    assert p.pairs*.id == ['seed1__seed2', 'control__seed2']
    assert p.trainShards == 2
    assert p.describe(2) == 'plan: 2 analysis shards, 27 tasks: CORPUS 1, TRAIN 3, EXTRACT 6, CORRELATE 4, MERGE 2, FINALISE 2, STATS_PARTIAL 4, STATS_FINAL 2, UNIVERSALITY 2, REPORT 1'
}

check('-profile test, fused: 23 tasks') {
    Plan p = plan([seeds: 2, correlate_mode: 'fused'])
    assert p.describe(2) == 'plan: 2 analysis shards, 23 tasks: CORPUS 1, TRAIN 3, EXTRACT 4, CORRELATE_FUSED 2, MERGE 2, FINALISE 2, STATS_PARTIAL 4, STATS_FINAL 2, UNIVERSALITY 2, REPORT 1'
}

// --- given checkpoints ----------------------------------------------------------------------------------------
check('user checkpoints: named after their directories, the first anchors, no control, no training') {
    Plan p = plan([input: ids.toString(), models: "${hf}/neox-tiny,${hf}/gpt2-tiny".toString(), corpus_name: 'demo'])
    assert !p.demo
    assert p.trained == ['neox-tiny', 'gpt2-tiny'] && p.anchor == 'neox-tiny'
    assert p.control == null      // params.control is true by default: a demo-only setting
    assert p.models == ['neox-tiny', 'gpt2-tiny']
    assert p.checkpoints == [hf.resolve('neox-tiny').toString(), hf.resolve('gpt2-tiny').toString()]
    assert p.input == [ids.toString()] && p.corpusName == 'demo'
    assert p.pairs == [[id: 'neox-tiny__gpt2-tiny', a: 'neox-tiny', b: 'gpt2-tiny', group: 'trained']]
    assert p.groups == ['trained'] && p.statsModels == ['neox-tiny']
    assert p.trainRuns == []
    assert p.tools == ['tokenize', 'extract', 'correlate', 'merge', 'finalise', 'stats-partial', 'stats-final',
                       'universality', 'report']
    // tokenize 1; extract 2 models x 3 shards; correlate 1 pair x 3; statistics of the anchor on 3 shards
    assert p.describe(3) == 'plan: 3 analysis shards, 18 tasks: TOKENIZE 1, EXTRACT 6, CORRELATE 3, MERGE 1, FINALISE 1, STATS_PARTIAL 3, STATS_FINAL 1, UNIVERSALITY 1, REPORT 1'
}

// the paper's layout: 5 checkpoints, anchor against 4, fused over 8 shards
check('user checkpoints, 5 models, fused, S = 8: 36 tasks') {
    List dirs = ['gpt2-tiny', 'neox-tiny', 'gpt2-tiny-b', 'gpt2-tiny-c', 'gpt2-tiny-d'].collect { hf.resolve(it) }
    Path tmp = Files.createTempDirectory('plan-test')
    try {
        List made = dirs.collect { d -> Files.createDirectories(tmp.resolve(d.fileName.toString())).toString() }
        Plan p = plan([input: ids.toString(), models: made, correlate_mode: 'fused', analysis_shards: null])
        assert p.pairs*.id == ['gpt2-tiny__neox-tiny', 'gpt2-tiny__gpt2-tiny-b', 'gpt2-tiny__gpt2-tiny-c', 'gpt2-tiny__gpt2-tiny-d']
        assert p.extractModels == ['gpt2-tiny']
        // tokenize 1; extract the anchor on 8 shards; 8 fused tasks; 4 pairs merged and finalised; stats 8 + 1
        assert counts(p.tasks(8)) == 'TOKENIZE 1, EXTRACT 8, CORRELATE_FUSED 8, MERGE 4, FINALISE 4, STATS_PARTIAL 8, STATS_FINAL 1, UNIVERSALITY 1, REPORT 1'
        assert p.totalTasks(8) == 36
        assert p.analysisShards == null
    } finally {
        tmp.toFile().deleteDir()
    }
}

check('user checkpoints, pairs all: one table per model') {
    Plan p = plan([input: ids.toString(), models: "${hf}/neox-tiny,${hf}/gpt2-tiny".toString(), pairs: 'all'])
    assert p.pairs*.id == ['neox-tiny__gpt2-tiny', 'gpt2-tiny__neox-tiny']
    assert p.tableModels == [trained: ['neox-tiny', 'gpt2-tiny']] && p.universalityMode('trained') == 'all'
    assert counts(p.tasks(2)) == 'TOKENIZE 1, EXTRACT 4, CORRELATE 4, MERGE 2, FINALISE 2, STATS_PARTIAL 4, STATS_FINAL 2, UNIVERSALITY 1, REPORT 1'
}

check('report params: the set ones, sorted') {
    Plan p = plan([seeds: 2])
    assert p.reportParams.contains('seeds=2') && p.reportParams.contains('pairs=anchor')
    assert p.reportParams == p.reportParams.sort(false)
    assert !p.reportParams.any { it.startsWith('outdir=') || it.startsWith('lr=') }
}

// --- TAP ------------------------------------------------------------------------------------------------------
println "1..${results.size()}"
results.eachWithIndex { r, i ->
    println "${r[1] == null ? 'ok' : 'not ok'} ${i + 1} - ${r[0]}"
    if (r[1] != null) r[1].readLines().each { println "# ${it}" }
}
System.exit(results.any { it[1] != null } ? 1 : 0)
