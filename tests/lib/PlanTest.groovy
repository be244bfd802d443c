/*
 * Unit tests of lib/Plan.groovy and lib/PlanCosts.groovy, with task counts, chunks, blocks, sizes, memory, FLOPs
 * and refusals worked out by hand (the arithmetic is in the comments), the params presets planned at full scale
 * from their models' config.json (tests/lib/configs), and the params check (lib/ParamsValidator.groovy). Offline,
 * with the Groovy of Nextflow's own jars and the JSON Schema validator in lib/ (./nextflow fetches them into
 * .cache/nextflow/lib and lib/):
 *
 *   java -cp ".cache/nextflow/lib/*:lib/*:lib" groovy.ui.GroovyMain tests/lib/PlanTest.groovy
 *
 * Params start from the defaults in nextflow_schema.json and go through lib/ParamsValidator.groovy and, for given
 * checkpoints, lib/CheckpointCheck.groovy, as in a run.
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
// The presets' checkpoints here are config.json files with empty weights (the plan needs shapes only), which the
// checkpoints tool would refuse; the check reads config.json alone (its own cases are below and in params.bats).
CheckpointCheck.CHECK_CLASS = null

/** The plan of a run with the schema's defaults changed by overrides (as given on the command line); gpu: -profile gpu. */
Plan plan(Map overrides, boolean gpu = false) {
    Map params = [:]
    ParamsValidator.properties(binding.schema).each { name, spec -> if (spec.containsKey('default')) params[name] = spec.default }
    params.outdir = 'results'
    params.putAll(overrides)
    Map p = ParamsValidator.validate(params, binding.schema, binding.root)
    new Plan(p, CheckpointCheck.ofRun(p, binding.root), gpu)
}

/** Checkpoint directories named `names` in tmp, each with the config.json of tests/lib/configs/<config> and an empty weights file. */
List<String> checkpoints(Path tmp, List<String> names, String config) {
    Path from = config.contains('/') ? Paths.get(config) : binding.root.resolve("tests/lib/configs/${config}/config.json")
    names.collect { n ->
        Path d = Files.createDirectories(tmp.resolve(n))
        Files.copy(from, d.resolve('config.json'), java.nio.file.StandardCopyOption.REPLACE_EXISTING)
        if (!Files.exists(d.resolve('model.safetensors'))) Files.createFile(d.resolve('model.safetensors'))
        d.toString()
    }
}

/** The plan of a params preset (params/NAME.yaml) with its models as config-only checkpoints of tests/lib/configs/<config>. */
Plan preset(String name, String config, Map overrides = [:], boolean gpu = true) {
    Map yaml = (Map) new org.yaml.snakeyaml.Yaml().load(binding.root.resolve("params/${name}.yaml").text)
    List names = yaml.models.collect { Paths.get(it.toString()).fileName.toString() }
    plan(yaml + [models: checkpoints(binding.tmp, names, config), input: binding.ids.toString()] + overrides, gpu)
}
binding.schema = schema
// The hand-worked cases below fix the data setting they were worked out for: 100M tokens in rows of 1,024, 16 rows
// per shard (16,384 tokens), batches of 8 rows, whatever the presets' data settings are; the presets as shipped are planned in the
// "presets at 100M tokens" case.
binding.rows1024 = [ctx: 1024, max_tokens: 100000000, seqs_per_shard: 16, batch_size: 8]
binding.root = root
binding.ids = ids
binding.tmp = Files.createTempDirectory('plan-test')
Runtime.runtime.addShutdownHook { binding.tmp.toFile().deleteDir() }

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
check('demo, staged (correlate_mode auto): models, anchor, control, pairs, groups') {
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
    assert p.groupsOfTable('control') == ['control'] && p.groupsOfTable('seed1') == ['trained'] && p.groupsOfTable('seed2') == []
    assert p.study == null && p.reportGroups == p.groups && p.reportModels == p.models && p.rolesModels == p.models
    assert p.trainRuns == [[id: 'seed1', seed: 1, control: 0], [id: 'seed2', seed: 2, control: 0],
                           [id: 'seed3', seed: 3, control: 0], [id: 'seed4', seed: 4, control: 0],
                           [id: 'control', seed: 1000, control: 1]]
    assert p.analysisShards == 2 && p.plannedShards == 2 && p.checkpoints == [] && p.input == []
    assert p.tools == ['corpus', 'train', 'extract', 'correlate', 'merge', 'finalise', 'stats-partial', 'stats-final',
                       'universality', 'families', 'weights', 'intervene', 'report']
    // the demo's shapes come from its params (2 layers x 256 neurons, vocabulary 1023 + unknown)
    assert p.shapes.seed1.subMap(['n_layers', 'd_model', 'd_mlp', 'n_heads', 'vocab_size', 'n_ctx']) ==
           [n_layers: 2, d_model: 64, d_mlp: 256, n_heads: 4, vocab_size: 1024, n_ctx: 128]
    assert p.blocks == [[index: 0, first: 0, last: 1, label: null, layers: null]]
    assert p.shardsPerChunk == 1 && p.chunks(2) == 2
}

// extract 5 models x 2 shards; correlate 6 pairs x 2 shards; statistics of seed1 and control
check('demo, staged, S = 2: 58 tasks') {
    Plan p = plan([:])
    assert counts(p.tasks(2)) == 'CORPUS 1, TRAIN 5, EXTRACT 10, CORRELATE 12, MERGE 6, FINALISE 6, STATS_PARTIAL 4, STATS_FINAL 2, UNIVERSALITY 2, FAMILIES 2, WEIGHTS 5, INTERVENE 2, REPORT 1'
    assert p.totalTasks(2) == 58
    assert p.describe(2) == 'plan: 2 analysis shards, 58 tasks: CORPUS 1, TRAIN 5, EXTRACT 10, CORRELATE 12, MERGE 6, FINALISE 6, STATS_PARTIAL 4, STATS_FINAL 2, UNIVERSALITY 2, FAMILIES 2, WEIGHTS 5, INTERVENE 2, REPORT 1'
}

// roles off: neither WEIGHTS nor INTERVENE (which reads the roles), nor their jars; intervene off: WEIGHTS only
check('demo without roles: no WEIGHTS, no INTERVENE; without interventions: WEIGHTS per model only') {
    Plan off = plan([roles: false])
    assert !off.roles && !off.intervene
    assert counts(off.tasks(2)) == 'CORPUS 1, TRAIN 5, EXTRACT 10, CORRELATE 12, MERGE 6, FINALISE 6, STATS_PARTIAL 4, STATS_FINAL 2, UNIVERSALITY 2, FAMILIES 2, REPORT 1'
    assert !('weights' in off.tools) && !('intervene' in off.tools)
    Plan noIv = plan([intervene: false])
    assert noIv.roles && !noIv.intervene
    assert counts(noIv.tasks(2)) == 'CORPUS 1, TRAIN 5, EXTRACT 10, CORRELATE 12, MERGE 6, FINALISE 6, STATS_PARTIAL 4, STATS_FINAL 2, UNIVERSALITY 2, FAMILIES 2, WEIGHTS 5, REPORT 1'
    assert 'weights' in noIv.tools && !('intervene' in noIv.tools)
}

// fused: no extract, no stats-partial (CORRELATE_FUSED makes the statistics); 131,072 tokens < tokens_per_task 10M:
// one chunk of both shards, so one partial per pair, which FINALISE takes as it is (no MERGE)
check('demo, fused, S = 2: one chunk, 27 tasks') {
    Plan p = plan([correlate_mode: 'fused'])
    assert p.fused
    assert p.extractModels == []
    assert p.pairModels == ['seed1', 'seed2', 'seed3', 'seed4', 'control']
    assert p.shardsPerChunk == 152     // 10,000,000 / (512 x 128) = 152.6
    assert counts(p.tasks(2)) == 'CORPUS 1, TRAIN 5, CORRELATE_FUSED 1, FINALISE 6, STATS_FINAL 2, UNIVERSALITY 2, FAMILIES 2, WEIGHTS 5, INTERVENE 2, REPORT 1'
    assert p.totalTasks(2) == 27
    assert p.tools == ['corpus', 'train', 'correlate-fused', 'merge', 'finalise', 'stats-final', 'universality', 'families', 'weights', 'intervene', 'report']
}

// 1 shard per chunk (tokens_per_task 65,536 = 512 x 128) and 1 layer per block: 2 chunks x 2 blocks
check('demo, fused, chunks x blocks, S = 2: 4 CORRELATE_FUSED, MERGE and FINALISE per (pair, block)') {
    Plan p = plan([correlate_mode: 'fused', tokens_per_task: 65536, layers_per_task: 1])
    assert p.shardsPerChunk == 1 && p.chunks(2) == 2
    assert p.blocks*.label == ['L00-00', 'L01-01'] && p.blocks*.layers == ['0-0', '1-1']
    // CORRELATE_FUSED 2 chunks x 2 blocks; MERGE and FINALISE 6 pairs x 2 blocks
    assert counts(p.tasks(2)) == 'CORPUS 1, TRAIN 5, CORRELATE_FUSED 4, MERGE 12, FINALISE 12, STATS_FINAL 2, UNIVERSALITY 2, FAMILIES 2, WEIGHTS 5, INTERVENE 2, REPORT 1'
    assert p.totalTasks(2) == 48
    assert p.taskName('c00001', p.blocks[1]) == 'c00001.L01-01'
    assert p.pairBlockId(p.pairs[0], p.blocks[1]) == 'seed1__seed2.L01-01'
    assert p.describe(null) == 'plan: S analysis shards (S known once the shards are made; C = S / 1 chunks, rounded up): CORPUS 1, TRAIN 5, CORRELATE_FUSED 2 x C, MERGE 12, FINALISE 12, STATS_FINAL 2, UNIVERSALITY 2, FAMILIES 2, WEIGHTS 5, INTERVENE 2, REPORT 1'
}

check('demo, S unknown: counts per shard') {
    assert plan([demo_analysis_shards: null]).describe(null) ==
        'plan: S analysis shards (S known once the shards are made): CORPUS 1, TRAIN 5, EXTRACT 5 x S, CORRELATE 6 x S, MERGE 6, FINALISE 6, STATS_PARTIAL 2 x S, STATS_FINAL 2, UNIVERSALITY 2, FAMILIES 2, WEIGHTS 5, INTERVENE 2, REPORT 1'
    assert plan([demo_analysis_shards: null]).analysisShards == null
    assert plan([demo_analysis_shards: null]).plannedShards == null
}

// the demo analyses its first 2 shards by default; a checkpoint run every shard its input makes, unless
// analysis_shards is given, which both honour
check('analysis shards: demo 2 by default, checkpoint runs all; analysis_shards caps both') {
    assert plan([:]).analysisShards == 2 && plan([analysis_shards: 3]).analysisShards == 3
    List<String> made = checkpoints(binding.tmp, ['cap-a', 'cap-b'], hf.resolve('gpt2-tiny/config.json').toString())
    Map run = [input: ids.toString(), models: made, ctx: 64, intervene_after_pos: 16, seqs_per_shard: 4, max_tokens: 64 * 4 * 6]
    assert plan(run).analysisShards == null && plan(run).plannedShards == 6
    assert plan(run + [analysis_shards: 2]).plannedShards == 2
    assert plan(run + [demo_analysis_shards: 1]).plannedShards == 6
}

// 4 x 3 = 12 ordered trained pairs + 3 control pairs; a table (and statistics) for every model
check('demo, pairs all, staged, S = 2: 103 tasks') {
    Plan p = plan([pairs: 'all'])
    assert p.allPairs
    assert p.pairs.size() == 15 && p.pairsPerGroup == [trained: 12, control: 3]
    assert p.pairs.findAll { it.group == 'trained' }*.id == ['seed1__seed2', 'seed1__seed3', 'seed1__seed4',
        'seed2__seed1', 'seed2__seed3', 'seed2__seed4', 'seed3__seed1', 'seed3__seed2', 'seed3__seed4',
        'seed4__seed1', 'seed4__seed2', 'seed4__seed3']
    assert p.tableModels == [trained: ['seed1', 'seed2', 'seed3', 'seed4'], control: ['control']]
    assert p.statsModels == ['seed1', 'seed2', 'seed3', 'seed4', 'control']
    assert p.universalityMode('trained') == 'all' && p.universalityMode('control') == 'anchor'
    assert counts(p.tasks(2)) == 'CORPUS 1, TRAIN 5, EXTRACT 10, CORRELATE 30, MERGE 15, FINALISE 15, STATS_PARTIAL 10, STATS_FINAL 5, UNIVERSALITY 2, FAMILIES 2, WEIGHTS 5, INTERVENE 2, REPORT 1'
    assert p.totalTasks(2) == 103
}

check('demo, pairs all, fused, S = 2: 39 tasks') {
    Plan p = plan([pairs: 'all', correlate_mode: 'fused'])
    assert p.extractModels == []
    assert counts(p.tasks(2)) == 'CORPUS 1, TRAIN 5, CORRELATE_FUSED 1, FINALISE 15, STATS_FINAL 5, UNIVERSALITY 2, FAMILIES 2, WEIGHTS 5, INTERVENE 2, REPORT 1'
    assert p.totalTasks(2) == 39
}

// staged with blocks: CORRELATE per (pair, shard, block), one MERGE and FINALISE per (pair, block); one shard: no MERGE
check('demo without control, staged, 2 blocks: per (pair, shard, block); S = 1 needs no MERGE') {
    Plan p = plan([control: 'false', seeds: 3, layers_per_task: 1])
    assert p.control == null && p.groups == ['trained'] && p.models == ['seed1', 'seed2', 'seed3']
    assert p.pairs*.id == ['seed1__seed2', 'seed1__seed3']
    assert p.trainRuns*.id == ['seed1', 'seed2', 'seed3']
    assert counts(p.tasks(1)) == 'CORPUS 1, TRAIN 3, EXTRACT 3, CORRELATE 4, FINALISE 4, STATS_PARTIAL 1, STATS_FINAL 1, UNIVERSALITY 1, FAMILIES 1, WEIGHTS 3, INTERVENE 1, REPORT 1'
    assert counts(p.tasks(2)) == 'CORPUS 1, TRAIN 3, EXTRACT 6, CORRELATE 8, MERGE 4, FINALISE 4, STATS_PARTIAL 2, STATS_FINAL 1, UNIVERSALITY 1, FAMILIES 1, WEIGHTS 3, INTERVENE 1, REPORT 1'
}

// -profile test (conf/test.config): 2 seeds + control, 2 analysis shards; pairs seed1__seed2 and control__seed2
check('-profile test, staged: 34 tasks') {
    Plan p = plan([seeds: 2, analysis_shards: 2, train_shards: 2])
    assert p.pairs*.id == ['seed1__seed2', 'control__seed2']
    assert p.trainShards == 2
    assert p.describe(2) == 'plan: 2 analysis shards, 34 tasks: CORPUS 1, TRAIN 3, EXTRACT 6, CORRELATE 4, MERGE 2, FINALISE 2, STATS_PARTIAL 4, STATS_FINAL 2, UNIVERSALITY 2, FAMILIES 2, WEIGHTS 3, INTERVENE 2, REPORT 1'
}

// tokens_per_task 1024 = one shard of 32 x 32 per chunk: 2 chunks, merged per pair
check('-profile test, fused, 2 chunks: 22 tasks') {
    Plan p = plan([seeds: 2, ctx: 32, intervene_after_pos: 16, seqs_per_shard: 32, correlate_mode: 'fused', tokens_per_task: 1024])
    assert p.describe(2) == 'plan: 2 analysis shards, 22 tasks: CORPUS 1, TRAIN 3, CORRELATE_FUSED 2, MERGE 2, FINALISE 2, STATS_FINAL 2, UNIVERSALITY 2, FAMILIES 2, WEIGHTS 3, INTERVENE 2, REPORT 1'
}

// --- chunks and blocks ----------------------------------------------------------------------------------------
check("blocks of a's layers: 12 in blocks of 5, 24 in blocks of 3, all, more than all") {
    assert Plan.blocksOf(12, 5) == [[index: 0, first: 0, last: 4, label: 'L00-04', layers: '0-4'],
                                    [index: 1, first: 5, last: 9, label: 'L05-09', layers: '5-9'],
                                    [index: 2, first: 10, last: 11, label: 'L10-11', layers: '10-11']]
    assert Plan.blocksOf(24, 3)*.label == ['L00-02', 'L03-05', 'L06-08', 'L09-11', 'L12-14', 'L15-17', 'L18-20', 'L21-23']
    assert Plan.blocksOf(12, null) == [[index: 0, first: 0, last: 11, label: null, layers: null]]
    assert Plan.blocksOf(12, 12) == Plan.blocksOf(12, null) && Plan.blocksOf(12, 40) == Plan.blocksOf(12, null)
    assert Plan.blocksOf(120, 50)*.label == ['L000-049', 'L050-099', 'L100-119']
}

// 100M tokens in rows of 1024: 97,656 rows, 6,104 shards of 16 rows (the last of 8); tokens_per_task 12.6M = 769
// shards of 16,384 tokens; 6,104 / 769 = 7.94: 8 chunks, 7 x 769 = 5,383 shards, the last chunk 721
check('chunks: 6,104 shards in chunks of 769, a list of 5 shards in chunks of 2') {
    Plan p = preset('gpt2-small-5seeds', 'gpt2-small', binding.rows1024 + [tokens_per_task: 12600000])
    assert p.maxRows == 97656 && p.plannedShards == 6104 && p.tokens(6104) == 99999744
    assert p.shardsPerChunk == 769 && p.chunks(6104) == 8
    assert p.chunksOf((1..6104).collect { it })*.get(1)*.size() == [769] * 7 + [721]
    Plan q = plan([correlate_mode: 'fused', tokens_per_task: 131072])   // 2 shards of 65,536 tokens
    assert q.chunksOf(['a', 'b', 'c', 'd', 'e']) == [[[chunk: 'c00000', n_chunks: 3], ['a', 'b']],
                                                     [[chunk: 'c00001', n_chunks: 3], ['c', 'd']],
                                                     [[chunk: 'c00002', n_chunks: 3], ['e']]]
    // tokens_per_task below one shard: one shard per chunk
    assert plan([correlate_mode: 'fused', tokens_per_task: 1000]).shardsPerChunk == 1
}

// --- given checkpoints ----------------------------------------------------------------------------------------
check('user checkpoints: named after their directories, the first anchors, no control, fused by default') {
    Plan p = plan([input: ids.toString(), models: "${hf}/neox-tiny,${hf}/gpt2-tiny".toString(), corpus_name: 'demo', ctx: 64, intervene_after_pos: 16])
    assert !p.demo && p.fused
    assert p.trained == ['neox-tiny', 'gpt2-tiny'] && p.anchor == 'neox-tiny'
    assert p.control == null      // params.control is true by default: a demo-only setting
    assert p.models == ['neox-tiny', 'gpt2-tiny']
    assert p.checkpoints == [hf.resolve('neox-tiny').toString(), hf.resolve('gpt2-tiny').toString()]
    assert p.input == [ids.toString()] && p.corpusName == 'demo'
    assert p.pairs == [[id: 'neox-tiny__gpt2-tiny', a: 'neox-tiny', b: 'gpt2-tiny', group: 'trained']]
    assert p.groups == ['trained'] && p.statsModels == ['neox-tiny']
    assert p.trainRuns == []
    assert p.tools == ['tokenize', 'correlate-fused', 'merge', 'finalise', 'stats-final', 'universality', 'families', 'weights', 'intervene', 'report']
    // the shapes checked from config.json
    assert p.shapes['neox-tiny'] == [name: 'neox-tiny', path: hf.resolve('neox-tiny').toString(), architecture: 'gpt_neox',
        n_layers: 2, d_model: 64, d_mlp: 256, n_heads: 4, vocab_size: 900, n_ctx: 128, format: 'safetensors', dtype: 'float32']
    assert p.shapes['gpt2-tiny'].subMap(['architecture', 'n_layers', 'd_mlp', 'n_ctx']) == [architecture: 'gpt2', n_layers: 2, d_mlp: 192, n_ctx: 64]
    // tokenize 1; 3 shards in one chunk; one pair, finalised from its one partial; statistics of the anchor
    assert p.describe(3) == 'plan: 3 analysis shards, 10 tasks: TOKENIZE 1, CORRELATE_FUSED 1, FINALISE 1, STATS_FINAL 1, UNIVERSALITY 1, FAMILIES 1, WEIGHTS 2, INTERVENE 1, REPORT 1'
}

check('user checkpoints, staged: extract, correlate and stats-partial per shard') {
    Plan p = plan([input: ids.toString(), models: "${hf}/neox-tiny,${hf}/gpt2-tiny".toString(), correlate_mode: 'staged', ctx: 64, intervene_after_pos: 16])
    assert !p.fused && p.extractModels == ['neox-tiny', 'gpt2-tiny']
    // tokenize 1; extract 2 models x 3 shards; correlate 1 pair x 3; statistics of the anchor on 3 shards
    assert p.describe(3) == 'plan: 3 analysis shards, 22 tasks: TOKENIZE 1, EXTRACT 6, CORRELATE 3, MERGE 1, FINALISE 1, STATS_PARTIAL 3, STATS_FINAL 1, UNIVERSALITY 1, FAMILIES 1, WEIGHTS 2, INTERVENE 1, REPORT 1'
}

// the paper's layout: 5 checkpoints, anchor against 4; 8 shards in chunks of 2, 2 blocks of the 2 layers
check('user checkpoints, 5 models, fused, S = 8, 4 chunks x 2 blocks: 35 tasks') {
    List names = ['gpt2-tiny', 'neox-tiny', 'gpt2-tiny-b', 'gpt2-tiny-c', 'gpt2-tiny-d']
    List made = checkpoints(binding.tmp.resolve('five'), names, hf.resolve('gpt2-tiny/config.json').toString())
    Plan p = plan([input: ids.toString(), models: made, analysis_shards: null, ctx: 64, intervene_after_pos: 16, tokens_per_task: 65536, layers_per_task: 1])
    assert p.pairs*.id == ['gpt2-tiny__neox-tiny', 'gpt2-tiny__gpt2-tiny-b', 'gpt2-tiny__gpt2-tiny-c', 'gpt2-tiny__gpt2-tiny-d']
    assert p.shardsPerChunk == 2 && p.blocks.size() == 2     // 65,536 / (512 x 64) = 2
    // tokenize 1; 4 chunks x 2 blocks; 4 pairs x 2 blocks merged and finalised; the anchor's statistics
    assert counts(p.tasks(8)) == 'TOKENIZE 1, CORRELATE_FUSED 8, MERGE 8, FINALISE 8, STATS_FINAL 1, UNIVERSALITY 1, FAMILIES 1, WEIGHTS 5, INTERVENE 1, REPORT 1'
    assert p.totalTasks(8) == 35
    assert p.analysisShards == null && p.plannedShards == null
}

check('user checkpoints, pairs all: one table per model') {
    Plan p = plan([input: ids.toString(), models: "${hf}/neox-tiny,${hf}/gpt2-tiny".toString(), pairs: 'all', ctx: 64, intervene_after_pos: 16])
    assert p.pairs*.id == ['neox-tiny__gpt2-tiny', 'gpt2-tiny__neox-tiny']
    assert p.tableModels == [trained: ['neox-tiny', 'gpt2-tiny']] && p.universalityMode('trained') == 'all'
    assert counts(p.tasks(2)) == 'TOKENIZE 1, CORRELATE_FUSED 1, FINALISE 2, STATS_FINAL 2, UNIVERSALITY 1, FAMILIES 1, WEIGHTS 2, INTERVENE 1, REPORT 1'
}

check("user checkpoints: a samplesheet names them; a context longer than a model's is refused") {
    Path sheet = binding.tmp.resolve('models.csv')
    sheet.text = "name,path\nanchor,${hf}/neox-tiny\nother,${hf}/gpt2-tiny\n"
    Plan p = plan([input: ids.toString(), models: sheet.toString(), ctx: 64, intervene_after_pos: 16])
    assert p.trained == ['anchor', 'other'] && p.pairs*.id == ['anchor__other']
    assert p.shapes.anchor.architecture == 'gpt_neox' && p.shapes.other.architecture == 'gpt2'
    try {
        plan([input: ids.toString(), models: sheet.toString(), ctx: 128])
        assert false : 'ctx 128 > gpt2-tiny n_ctx 64 was accepted'
    } catch (RuntimeException e) {
        assert e.class.simpleName == 'CheckpointException'
        assert e.message == '--ctx: 128 is longer than the context of other (n_ctx 64)'
    }
}

// --- studies (lib/StudyGrid.groovy): universality within each (size, step) cell ---------------------------------
check('demo study, 2 widths x 2 steps x 3 seeds + a control per width, S = 2: 137 tasks') {
    Plan p = plan([seeds: 3, study_steps: '4,2', study_widths: '32,64'])
    assert p.study != null && p.demo && !p.fused && p.tools.contains('dynamics') && !plan([:]).tools.contains('dynamics')
    assert p.cells*.id == ['w32-step2', 'w32-step4', 'w64-step2', 'w64-step4']
    assert p.groups == ['w32-step2', 'w32-step2-control', 'w32-step4', 'w32-step4-control',
                        'w64-step2', 'w64-step2-control', 'w64-step4', 'w64-step4-control']
    assert p.groupKind['w32-step4'] == 'trained' && p.groupKind['w32-step4-control'] == 'control'
    assert p.trained.take(3) == ['w32-seed1-step2', 'w32-seed2-step2', 'w32-seed3-step2'] && p.trained.size() == 12
    assert p.controls == ['w32-control', 'w64-control'] && p.models.size() == 14
    // within a cell: the anchor seed against the others at the same step; the width's control against the same
    assert p.pairs.findAll { it.group == 'w64-step4' }*.id == ['w64-seed1-step4__w64-seed2-step4', 'w64-seed1-step4__w64-seed3-step4']
    assert p.pairs.findAll { it.group == 'w64-step4-control' }*.id == ['w64-control__w64-seed2-step4', 'w64-control__w64-seed3-step4']
    assert p.tableModels['w32-step2'] == ['w32-seed1-step2'] && p.tableModels['w32-step2-control'] == ['w32-control']
    assert p.groupsOfTable('w32-control') == ['w32-step2-control', 'w32-step4-control']
    assert p.statsModels == ['w32-seed1-step2', 'w32-control', 'w32-seed1-step4', 'w64-seed1-step2', 'w64-control', 'w64-seed1-step4']
    // the report's sections show the last cell; DYNAMICS gets every cell's key
    assert p.anchor == 'w64-seed1-step4' && p.control == 'w64-control'
    assert p.reportGroups == ['w64-step4', 'w64-step4-control']
    assert p.reportModels == ['w64-seed1-step4', 'w64-seed2-step4', 'w64-seed3-step4', 'w64-control'] && p.rolesModels == p.reportModels
    assert p.dynamicsKey('w32-step4-control') == 'w32,4,control' && p.dynamicsKey('w64-step2') == 'w64,2,trained'
    // one TRAIN per width x seed, saving every power of two below train_steps and train_steps; its meta holds no study step
    List<Integer> saves = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 640]
    assert p.trainRuns.size() == 8
    assert p.trainRuns[0] == [id: 'w32-seed1', seed: 1, control: 0, d_model: 32, d_mlp: 128, saves: saves,
                              outputs: [[2, 'w32-seed1-step2'], [4, 'w32-seed1-step4']]]
    assert p.trainRuns[3] == [id: 'w32-control', seed: 1000, control: 1, d_model: 32, d_mlp: 128, saves: [], outputs: []]
    assert p.trainOutputs('w64-seed2') == [[2, 'w64-seed2-step2'], [4, 'w64-seed2-step4']] && p.trainOutputs('w64-control') == null
    assert p.shapes['w32-seed2-step4'].subMap(['d_model', 'd_mlp', 'n_heads']) == [d_model: 32, d_mlp: 128, n_heads: 4]
    assert p.shapes['w64-control'].d_mlp == 256
    // CORPUS 1; TRAIN 8; EXTRACT 14 models x 2; CORRELATE 16 pairs x 2; MERGE, FINALISE 16; STATS_PARTIAL 6 x 2;
    // STATS_FINAL 6; UNIVERSALITY 8 groups; DYNAMICS 1; FAMILIES, INTERVENE 2 (the last cell); WEIGHTS 4; REPORT 1
    assert p.describe(2) == 'plan: 2 analysis shards, 137 tasks: CORPUS 1, TRAIN 8, EXTRACT 28, CORRELATE 32, MERGE 16, FINALISE 16, STATS_PARTIAL 12, STATS_FINAL 6, UNIVERSALITY 8, DYNAMICS 1, FAMILIES 2, WEIGHTS 4, INTERVENE 2, REPORT 1'
    assert p.summary().startsWith('demo study, 4 cells (sizes w32, w64; steps 2, 4), 14 models')
    // a step added to the study adds cells; the TRAIN tasks (their meta, without outputs) stay the same
    Plan more = plan([seeds: 3, study_steps: '2,4,8', study_widths: '32,64'])
    assert more.cells.size() == 6
    assert more.trainRuns.collect { it.findAll { k, v -> k != 'outputs' } } == p.trainRuns.collect { it.findAll { k, v -> k != 'outputs' } }
    // fused: one CORRELATE_FUSED per cell (chunk and block), holding that cell's models; each control's statistics
    // come from its width's first cell only
    Plan f = plan([seeds: 3, study_steps: '4,2', study_widths: '32,64', correlate_mode: 'fused'])
    assert f.fusedUnits*.id == ['w32-step2', 'w32-step4', 'w64-step2', 'w64-step4']
    assert f.fusedUnits[1].models == ['w32-seed1-step4', 'w32-seed2-step4', 'w32-seed3-step4', 'w32-control']
    assert f.fusedUnits*.statsModels == [['w32-seed1-step2', 'w32-control'], ['w32-seed1-step4'], ['w64-seed1-step2', 'w64-control'], ['w64-seed1-step4']]
    assert f.taskName('c00000', f.blocks[0], 'w32-step4') == 'w32-step4.c00000'
    assert counts(f.tasks(2)).startsWith('CORPUS 1, TRAIN 8, CORRELATE_FUSED 4, FINALISE 16, STATS_FINAL 6, UNIVERSALITY 8, DYNAMICS 1')
    // a study of widths only analyses train_steps
    assert plan([seeds: 2, study_widths: '32']).cells*.id == ['w32-step640']
}

check('demo study refusals: a step TRAIN does not save, save steps beyond train_steps, widths, pairs all, demo params with checkpoints') {
    Closure refused = { Map o ->
        try { plan(o); return null } catch (RuntimeException e) { assert e.class.simpleName == "InvalidParamsException"; return e.message }
    }
    assert refused([study_steps: '3,4,100']) == '--study_steps: 3, 100 not among the steps TRAIN saves (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 640); add them to --train_save_steps (or set train_steps to the step)'
    assert refused([study_steps: '3', train_save_steps: '3,640']) == null
    assert refused([study_steps: '3', train_save_steps: '3,700']) == '--train_save_steps: 700 beyond train_steps 640'
    assert refused([study_widths: '30']) == '--study_widths: n_head 4 does not divide width 30'
    assert refused([study_widths: '36', d_mlp: 100]) == '--study_widths: width 36 gives d_mlp 100 x 36 / 64, not a whole number'
    assert refused([study_steps: '2', pairs: 'all']) == "--pairs: 'all' is not available in a study (each cell correlates its anchor with the other seeds); use --pairs anchor"
    assert refused([study_steps: '2', input: ids.toString(), models: "${hf}/neox-tiny,${hf}/gpt2-tiny".toString(), ctx: 64, intervene_after_pos: 16]) ==
        '--study_steps: the demo\'s study; a study of given checkpoints takes seeds and steps (and sizes) from a samplesheet with the columns name,path,seed,step[,size]'
}

check('samplesheet study: seed, step and size columns make the cells; the anchor seed is the first row\'s') {
    List<String> dirs = checkpoints(binding.tmp, ['a1', 'a2', 'b1', 'b2', 'c1', 'c2', 'c3'], 'gpt2-small')
    Path sheet = binding.tmp.resolve('study.csv')
    sheet.text = "name,path,seed,step,size\n" +
        "s7-1k,${dirs[0]},7,1000,small\ns8-1k,${dirs[1]},8,1000,small\ns8-0,${dirs[2]},8,0,small\ns7-0,${dirs[3]},7,0,small\n" +
        "m7-0,${dirs[4]},7,0,medium\nm8-0,${dirs[5]},8,0,medium\nm9-0,${dirs[6]},9,0,medium\n"
    Plan p = plan([input: ids.toString(), models: sheet.toString(), intervene_after_pos: 16])
    assert p.study != null && !p.demo
    assert p.cells*.id == ['small-step0', 'small-step1000', 'medium-step0']
    assert p.cells[0].anchor == 's7-0' && p.cells[0].trained == ['s7-0', 's8-0']
    assert p.groups == ['small-step0', 'small-step1000', 'medium-step0'] && p.controls == []
    assert p.pairs*.id == ['s7-0__s8-0', 's7-1k__s8-1k', 'm7-0__m8-0', 'm7-0__m9-0']
    assert p.reportGroups == ['medium-step0'] && p.reportModels == ['m7-0', 'm8-0', 'm9-0']
    assert p.dynamicsKey('small-step1000') == 'small,1000,trained'
    // no size column: cells step<t>, DYNAMICS's size 'all'
    Path noSize = binding.tmp.resolve('steps.csv')
    noSize.text = "name,path,seed,step\nx1,${dirs[0]},1,10\nx2,${dirs[1]},2,10\n"
    Plan q = plan([input: ids.toString(), models: noSize.toString(), intervene_after_pos: 16])
    assert q.cells*.id == ['step10'] && q.dynamicsKey('step10') == 'all,10,trained'
    // refusals: a cell without the anchor seed; a second checkpoint of one (size, step, seed); a bad step; no seed column
    Path noAnchor = binding.tmp.resolve('no-anchor.csv')
    noAnchor.text = "name,path,seed,step\nx1,${dirs[0]},1,10\nx2,${dirs[1]},2,10\ny2,${dirs[2]},2,20\ny3,${dirs[3]},3,20\n"
    try {
        plan([input: ids.toString(), models: noAnchor.toString()])
        assert false : 'a cell without the anchor seed was accepted'
    } catch (IllegalArgumentException e) {
        assert e.message == '--models: study cell step20 has no checkpoint of the anchor seed 1 (the first row\'s seed); every (size, step) needs it'
    }
    Path bad = binding.tmp.resolve('bad.csv')
    bad.text = "name,path,seed,step\nx1,${dirs[0]},1,10\nx2,${dirs[1]},1,10\nx3,${dirs[2]},2,ten\n"
    try {
        plan([input: ids.toString(), models: bad.toString()])
        assert false : 'a bad study sheet was accepted'
    } catch (RuntimeException e) {
        assert e.message == "--models: ${bad} line 3: a second checkpoint of size '', step 10, seed 1 (also line 2)\n--models: ${bad} line 4: step 'ten' is not a training step (an integer >= 0)".toString()
    }
    Path noSeed = binding.tmp.resolve('no-seed.csv')
    noSeed.text = "name,path,step\nx1,${dirs[0]},10\nx2,${dirs[1]},10\n"
    try {
        plan([input: ids.toString(), models: noSeed.toString()])
        assert false : 'a step column without seeds was accepted'
    } catch (RuntimeException e) {
        assert e.message == "--models: ${noSeed}: a step column needs a seed column (header: name,path,step; expected name,path,seed,step[,size])".toString()
    }
}

check('the demo study preset (params/study-demo.yaml): 3 widths x 6 steps x 4 seeds, 1 shard, 396 tasks') {
    Map yaml = (Map) new org.yaml.snakeyaml.Yaml().load(binding.root.resolve('params/study-demo.yaml').text)
    Plan p = plan(yaml)
    assert p.cells.size() == 18 && p.models.size() == 75 && p.pairs.size() == 108 && p.controls.size() == 3
    // one analysis shard: TRAIN 12 seeds + 3 controls; EXTRACT 75 models; CORRELATE 108 pairs, no MERGE; STATS 18
    // anchors + 3 controls
    assert p.plannedShards == 1
    assert p.describe(1) == 'plan: 1 analysis shard, 396 tasks: CORPUS 1, TRAIN 15, EXTRACT 75, CORRELATE 108, FINALISE 108, STATS_PARTIAL 21, STATS_FINAL 21, UNIVERSALITY 36, DYNAMICS 1, FAMILIES 2, WEIGHTS 5, INTERVENE 2, REPORT 1'
    assert p.reportGroups == ['w128-step640', 'w128-step640-control']
}

check('the Pythia study preset (params/study-pythia-sizes.yaml): 2 sizes x 7 revisions x 4 seeds planned at 10M tokens, -profile gpu') {
    Map yaml = (Map) new org.yaml.snakeyaml.Yaml().load(binding.root.resolve('params/study-pythia-sizes.yaml').text)
    List<String> lines = binding.root.resolve(yaml.models as String).readLines().findAll { it && !it.startsWith('#') }
    Path sheet = binding.tmp.resolve('study-pythia-sizes.csv')
    sheet.text = lines[0] + '\n' + lines.drop(1).collect { l ->
        List f = l.split(',') as List
        String dir = checkpoints(binding.tmp.resolve("pythia-study/${f[0]}"), ['ckpt'], "pythia-${f[4]}")[0]
        [f[0], dir] + f.drop(2)
    }.collect { it.join(',') }.join('\n') + '\n'
    Plan p = plan(yaml + [models: sheet.toString(), input: binding.ids.toString()], true)
    assert p.cells.size() == 14 && p.models.size() == 56 && p.pairs.size() == 42 && p.groups.size() == 14
    assert p.cells*.id.take(2) == ['70m-step0', '70m-step256'] && p.cells.last().id == '160m-step143000'
    assert p.shapes['pythia-70m-seed1-step0'].d_mlp == 2048 && p.shapes['pythia-160m-step0'].d_mlp == 3072
    PlanCosts c = p.costs(p.plannedShards)
    // 19,532 rows in shards of 32: 611 shards; staged: every model extracted per shard, every pair correlated per shard
    assert p.plannedShards == 611
    assert c.fits() : c.refusal()
    // fused in one chunk (611 shards): one CORRELATE_FUSED per cell (its 4 models, 3 + 0 pairs), no MERGE
    assert p.fused && p.fusedUnits.size() == 14 && p.fusedUnits.every { (it.models as List).size() == 4 && (it.pairs as List).size() == 3 }
    assert p.describe(611) == 'plan: 611 analysis shards, 93 tasks: TOKENIZE 1, CORRELATE_FUSED 14, FINALISE 42, STATS_FINAL 14, UNIVERSALITY 14, DYNAMICS 1, FAMILIES 1, WEIGHTS 4, INTERVENE 1, REPORT 1'
    // work/: 42 pairs' moments of 36,864 x 36,864 (160m) or 12,288 x 12,288 (70m) float64 co-moments, ...
    assert c.text().contains('work/ at peak           279.9 GB')
    assert c.text().contains('GPU-hours               4.57')
}

check('checkpoint check: no config.json, no weights, an unknown model_type: one line naming the checkpoint') {
    Path d = Files.createDirectories(binding.tmp.resolve('bad/model-x'))
    def line = { -> try { CheckpointCheck.fromConfig('model-x', d); null } catch (RuntimeException e) { e.class.simpleName + ': ' + e.message } }
    assert line() == "CheckpointException: --models: model-x (${d}): no config.json (expected a Hugging Face checkpoint directory)".toString()
    d.resolve('config.json').text = '{"model_type": "llama", "architectures": ["LlamaForCausalLM"]}'
    assert line() == "CheckpointException: --models: model-x (${d}): config.json has model_type 'llama' ([LlamaForCausalLM]); expected gpt2 or gpt_neox".toString()
    d.resolve('config.json').text = hf.resolve('gpt2-tiny/config.json').text
    assert line() == "CheckpointException: --models: model-x (${d}): no weights (model.safetensors, model.safetensors.index.json or pytorch_model.bin)".toString()
    Files.createFile(d.resolve('pytorch_model.bin'))
    assert CheckpointCheck.fromConfig('model-x', d).format == 'pytorch'
}

// the check command's JSON lines (CheckpointCheck.CHECK_CLASS, once the command exists): parsed in order; its
// error line stops the run
check('checkpoint check command: one JSON line per model; exit 1 gives its error line') {
    String json = '{"name":"a","path":"/x/a","architecture":"gpt2","n_layers":12,"d_model":768,"d_mlp":3072,"n_heads":12,"vocab_size":50257,"n_ctx":1024,"format":"pytorch","dtype":"float16"}'
    String other = json.replace('"a"', '"b"').replace('/x/a', '/x/b')
    List<Map> got = CheckpointCheck.viaCommand(['sh', '-c', "echo '${json}'; echo '${other}'".toString()], [[name: 'a'], [name: 'b']])
    assert got*.name == ['a', 'b'] && got[0].d_mlp == 3072 && got[1].path == '/x/b'
    try {
        CheckpointCheck.viaCommand(['sh', '-c', 'echo "check: error: /x/b/pytorch_model.bin: not a zip file" >&2; exit 1'], [[name: 'b']])
        assert false : 'exit 1 was accepted'
    } catch (RuntimeException e) {
        assert e.class.simpleName == 'CheckpointException'
        assert e.message == '--models: /x/b/pytorch_model.bin: not a zip file'
    }
}

check('layers_per_task with models a of different depths is refused, the layer counts named') {
    Path deep = binding.tmp.resolve('deep.json')
    deep.text = hf.resolve('gpt2-tiny/config.json').text.replace('"n_layer": 2', '"n_layer": 3')
    List made = checkpoints(binding.tmp.resolve('depths'), ['two'], hf.resolve('gpt2-tiny/config.json').toString()) +
                checkpoints(binding.tmp.resolve('depths'), ['three'], deep.toString())
    Plan p = plan([input: ids.toString(), models: made, pairs: 'all', ctx: 64, intervene_after_pos: 16, layers_per_task: 1])
    assert p.blockProblem == "--layers_per_task: the models a of the pairs have different depths (two 2, three 3 layers), so one block of a's layers cannot fit them all; leave layers_per_task empty"
    assert !p.costs(2).fits() && p.costs(2).problems() == [p.blockProblem]
    assert plan([input: ids.toString(), models: made, pairs: 'all', ctx: 64, intervene_after_pos: 16]).costs(2).fits()
}

// --- costs: GPT-2 small, the paper's preset, at 100M tokens with -profile gpu ----------------------------------
// GPT-2 small: d 768, d_mlp 3072, 12 layers, vocabulary 50,257, context 1024:
//   params = 50,257 x 768 + 1,024 x 768 + 12 x (4 x 768^2 + 2 x 768 x 3,072 + 9 x 768 + 3,072) + 2 x 768 = 124,439,808
//   moments of a pair = 8 x (36,864^2 + 12 x 3,072^2 + 4 x 36,864) = 8 x 1,472,348,160 = 11,778,785,280 bytes
// GPT-2 medium: d 1024, d_mlp 4096, 24 layers: params 354,823,168; moments 8 x (98,304^2 + 24 x 4,096^2 + 4 x 98,304)
//   = 80,533,782,528; a block of 3 of a's layers: 8 x (12,288 x 98,304 + 24 x 4,096^2 + 2 x 12,288 + 2 x 98,304) = 12,886,671,360
// Pythia-160m (GPT-NeoX, untied): 2 x 50,304 x 768 + 12 x 7,087,872 + 2 x 768 = 162,322,944
check('sizes: parameters and pair moments of GPT-2 small, medium and Pythia-160m') {
    Path dir = Paths.get(checkpoints(binding.tmp.resolve('cfg'), ['s'], 'gpt2-small')[0])
    Map small = CheckpointCheck.fromConfig('s', dir)
    Map medium = small + [d_model: 1024, d_mlp: 4096, n_layers: 24, n_heads: 16]
    Map pythia = small + [architecture: 'gpt_neox', vocab_size: 50304, n_ctx: 2048]
    assert small.subMap(['architecture', 'n_layers', 'd_model', 'd_mlp', 'n_heads', 'vocab_size', 'n_ctx']) ==
           [architecture: 'gpt2', n_layers: 12, d_model: 768, d_mlp: 3072, n_heads: 12, vocab_size: 50257, n_ctx: 1024]
    assert PlanCosts.params(small) == 124_439_808L
    assert PlanCosts.params(medium) == 354_823_168L
    assert PlanCosts.params(pythia) == 162_322_944L
    assert PlanCosts.momentsBytes(small, small, 12) == 11_778_785_280L
    assert PlanCosts.momentsBytes(medium, medium, 24) == 80_533_782_528L
    assert PlanCosts.momentsBytes(medium, medium, 3) == 12_886_671_360L
}

// 5 models, 4 pairs, one block of all 12 layers, batch 8 x 1024 = 8,192 rows, float32 products:
//   GPU  = totals 4 x 11,778,785,280 = 47,115,141,120 + weights 5 x 4 x 124,439,808 = 2,488,796,160
//          + buffers 5 x 4 x 36,864 x 8,192 = 6,039,797,760 + operands (the same, float32) 6,039,797,760
//          + forward 4 x 8,192 x (2 x 12 x 1,024 + 4 x 768 + 2 x 3,072) = 1,107,296,256 + product 8 x 3,072^2 = 75,497,472
//          + 1e9 = 63,866,326,528
//   host = heap (one pair 11,778,785,280 + buffers 6,039,797,760 + the anchor's statistics 36,864 x (64 + the
//          histogram 257 x 8 + 20 x 50) = 36,864 x 3,120 = 115,015,680 = 17,933,598,720) / 0.8 = 22,416,998,400
//          + native (weights 5 x 4 x 124,439,808 = 2,488,796,160) + the JVM's 536,870,912 = 25,442,665,472
//          -> 24,265 MiB = 25,443,696,640 bytes
//   disk = shards 4 x 99,999,744 = 399,998,976 + partials 8 x 47,115,141,120 = 376,921,128,960 + merged 47,115,141,120
//          + partial statistics 8 x 115,015,680 = 920,125,440 + statistics 36,864 x (240 + 2,056 + 1,000) = 121,503,744
//          + summaries 4 x 36,864 x (48 + 12 x 50 + 16) = 97,910,784 = 425,575,809,024
//   FLOP = 2 x 36,864^2 x 4 x 99,999,744 = 1.0872e18 + cov_b 2 x 12 x 3,072^2 x 4 x 99,999,744 = 9.06e16
//          + forwards 5 x 2 x 124,439,808 x 99,999,744 = 1.244e17 = 1.3022e18; / 50e12 / 3600 = 7.23 GPU-hours
check('costs, GPT-2 small preset, 100M tokens, -profile gpu: 27 tasks, 63.9 GB GPU, 425.6 GB work/, one pass') {
    Plan p = preset('gpt2-small-5seeds', 'gpt2-small', binding.rows1024 + [tokens_per_task: 12600000])
    assert p.fused && p.gpu && p.blocks.size() == 1 && p.pairs.size() == 4
    PlanCosts c = p.costs(p.plannedShards)
    Map f = c.fused(p.blocks[0])
    assert f.gpu == 63_866_326_528L
    assert f.heap == 17_933_598_720L && f.native == 2_488_796_160L && f.host == 25_442_665_472L
    assert p.memoryMb('CORRELATE_FUSED', null, p.blocks[0]) == 24_265L && p.nativeMb('CORRELATE_FUSED', null, p.blocks[0]) == 2_374L
    assert c.memory().CORRELATE_FUSED == [tasks: 8, host: 25_443_696_640L, gpu: 63_866_326_528L]
    // MERGE: 8 x (2 x 3,072^2 + 6 x 73,728) = 154,533,888 heap, under the 2,048 MiB floor; FINALISE under 4,096
    assert p.memoryMb('MERGE', p.pairs[0], p.blocks[0]) == 2048L && p.memoryMb('FINALISE', p.pairs[0], p.blocks[0]) == 4096L
    assert c.peakDisk() == 425_575_809_024L
    assert c.disk()['partial moments'] == [376_921_128_960L, 32L] && c.disk()['merged moments'] == [47_115_141_120L, 4L]
    assert c.disk()['partial statistics'] == [920_125_440L, 8L] && c.disk()['statistics'] == [121_503_744L, 1L]
    Map<String, Double> fl = c.flop()
    assert fl.comoment == fl.onePass && fl.comoment == 2.0 * 36864 * 36864 * 4 * 99999744
    assert Math.abs(fl.total - 1.302197037567e18) < 1e6
    assert String.format('%.2f', c.gpuHours()) == '7.23'
    // the acceptance figures of issue 11: at most 1 TB of work/, 80 GB of GPU and 64 GB of host memory, 500 tasks
    assert c.fits() && c.peakDisk() <= 1e12 && p.totalTasks(p.plannedShards) == 27
    assert c.text().readLines()[0] == 'plan: 6104 analysis shards, 27 tasks: TOKENIZE 1, CORRELATE_FUSED 8, MERGE 4, FINALISE 4, STATS_FINAL 1, UNIVERSALITY 1, FAMILIES 1, WEIGHTS 5, INTERVENE 1, REPORT 1'
    assert c.rows().find { it[0] == 'memory CORRELATE_FUSED' }[1] == '25.4 GB host, 63.9 GB GPU per task x 8 tasks'
    assert c.rows().find { it[0] == 'work/ at peak' }[1].startsWith('425.6 GB: token shards 400.0 MB (6,104 files), partial moments 376.9 GB (32 files), merged moments 47.1 GB (4 files), partial statistics 920.1 MB (8 files), statistics 121.5 MB (1 file)')
    assert c.rows().last() == ['verdict', 'fits']
    assert c.tsv().readLines()[0] == 'item\tvalue' && c.tsv().readLines().size() == c.rows().size() + 1
}

// plan.json holds the numbers the text prints: the hand-worked figures of the case above, in bytes
check('plan.json: tasks, memory per planned process, files per kind, the peak, FLOPs, in numbers') {
    Plan p = preset('gpt2-small-5seeds', 'gpt2-small', binding.rows1024 + [tokens_per_task: 12600000])
    PlanCosts c = p.costs(p.plannedShards)
    Map j = (Map) new groovy.json.JsonSlurper().parseText(c.json())
    assert j.shards == 6104 && j.total_tasks == 27 && j.fits == true
    assert j.tasks == [TOKENIZE: 1, CORRELATE_FUSED: 8, MERGE: 4, FINALISE: 4, STATS_FINAL: 1, UNIVERSALITY: 1, FAMILIES: 1, WEIGHTS: 5, INTERVENE: 1, REPORT: 1]
    assert j.memory.CORRELATE_FUSED == [tasks: 8, heap: 17_933_598_720L, native: c.fused(p.blocks[0]).native,
                                        host: 25_442_665_472L, request: 25_443_696_640L, gpu: 63_866_326_528L]
    // the per-model processes: their own model's task (STATS_FINAL's is not FINALISE's)
    Map sf = PlanCosts.statsFinalBytes(p, p.statsModels[0]), w = PlanCosts.modelTaskBytes(p, 'WEIGHTS', p.models[0])
    assert j.memory.STATS_FINAL == [tasks: 1, heap: sf.heap, native: 0, host: sf.host, request: 4096L * 1024 * 1024, gpu: 0]
    assert j.memory.WEIGHTS.tasks == 5 && j.memory.WEIGHTS.heap == w.heap && j.memory.INTERVENE.tasks == 1
    assert j.disk['partial moments'] == [bytes: 376_921_128_960L, files: 32] && j.peak_disk == 425_575_809_024L
    assert j.peak_disk == j.disk.values().sum { it.bytes }
    assert Math.abs((j.flop.comoment as double) - 2.0 * 36864 * 36864 * 4 * 99999744) < 1e3 && j.flop.comoment == j.flop.onePass
}

// on a CPU the 4 pairs' totals are on the Java heap: 47.1 GB + buffers 6.04 + operands (36,864 + 36,864) x 8,192 x 4
// = 2.42 + statistics 0.115 = 55.69 GB of heap, / 0.8 = 69.61 + native (weights 2.49 + forward 4 x 8,192 x (2 x 12 x
// 1,024 + 4 x 768 + 2 x 3,072) = 1.11) + the JVM's 0.54 = 73.7 GB > 64: refused; 2 blocks of 6 layers: totals 4 x
// 6,342,672,384 = 25.37 GB + 6.04 + (18,432 + 36,864) x 32,768 = 1.81 + 0.115 = 33.34 GB / 0.8 = 41.67 + 3.6 + 0.54 = 45.8 GB
check('refusal, GPT-2 small on a CPU: host memory; fix: layers_per_task 6') {
    Plan p = preset('gpt2-small-5seeds', 'gpt2-small', binding.rows1024 + [tokens_per_task: 12600000], false)
    PlanCosts c = p.costs(p.plannedShards)
    assert c.fused(p.blocks[0]).heap == 55_685_873_664L
    assert !c.fits()
    assert c.refusal() == '''plan: the run does not fit its limits, no task was started:
  CORRELATE_FUSED needs 73.7 GB of host memory per task, above max_task_memory 64 GB
  fix: set layers_per_task 6 (2 blocks of a's 12 layers; CORRELATE_FUSED then needs 45.8 GB host memory per task)'''
    assert p.with([layers_per_task: 6]).costs(p.plannedShards).fits()
}

// medium, one block: 4 x 80.5 GB of totals cannot fit; 8 blocks of 3 layers: GPU 4 x 12,886,671,360 = 51,546,685,440
// + weights 5 x 4 x 354,823,168 = 7,096,463,360 + buffers 5 x 4 x 98,304 x 4,096 = 8,053,063,680 + operands 8,053,063,680
// + forward 4 x 4,096 x (2 x 16 x 1,024 + 4 x 1,024 + 2 x 4,096) = 738,197,504 + product 8 x 4,096^2 = 134,217,728 + 1e9
// = 76,621,691,392; and with 8 chunks each chunk's partials are 4 x (8 x 12,886,671,360) = 412.4 GB: one chunk only
check('refusal, GPT-2 medium in one block and 8 chunks: memory and disk; fixes: layers_per_task 3, one chunk') {
    Plan p = preset('gpt2-medium-5seeds', 'gpt2-medium', binding.rows1024 + [seqs_per_shard: 8, batch_size: 4, tokens_per_task: 12600000, layers_per_task: null])
    PlanCosts c = p.costs(p.plannedShards)
    assert p.plannedShards == 12207 && p.chunks(12207) == 8
    assert c.refusal() == '''plan: the run does not fit its limits, no task was started:
  CORRELATE_FUSED needs 118.8 GB of host memory per task, above max_task_memory 64 GB
  CORRELATE_FUSED needs 347.2 GB of GPU memory per task, above max_gpu_memory 80 GB
  work/ would hold 2.90 TB at its peak, above max_work_disk 1000 GB
  fix: set layers_per_task 3 (8 blocks of a's 24 layers; CORRELATE_FUSED then needs 34.2 GB host, 76.6 GB GPU memory per task)
  fix: set tokens_per_task 99999744 (1 chunk of up to 12,207 shards: 413.7 GB in work/)'''
    Plan fixed = p.with([layers_per_task: 3, tokens_per_task: 99999744])
    assert fixed.costs(12207).fits()
    assert fixed.costs(12207).fused(fixed.blocks[0]).gpu == 76_621_691_392L
}

// STATS_FINAL of GPT-2 medium (98,304 neurons, 354,823,168 parameters, vocabulary 50,257 x d_model 1,024):
//   statistics 2 partials x 98,304 x (64 + 2,056 + 20 x 50) = 613,416,960 + the file's 324,009,984 = 937,426,944
//   + weights 8 x 354,823,168 + W_U and its unit rows 16 x 50,257 x 1,024 = 3,661,996,032
//   + a vocabulary block 8 x 4,096 x (1,024 + 4,096) = 167,772,160; heap 4,767,195,136 / 0.8 + 536,870,912
//   = 6,495,864,832 -> 6,195 MiB; the demo's tiny models stay at the 4,096 MiB floor
check('costs: STATS_FINAL asks for the statistics and float64 weights of its model (GPT-2 medium 6.0 GiB)') {
    Plan p = preset('gpt2-medium-5seeds', 'gpt2-medium')
    Map b = PlanCosts.statsFinalBytes(p, p.statsModels[0])
    assert b.heap == 4767195136L && b.native == 0L && b.host == 6495864832L
    assert p.statsFinalMemoryMb(p.statsModels[0]) == 6195L
    assert p.costs(p.plannedShards).memory().STATS_FINAL == [tasks: 1, host: 6195L * 1024 * 1024, gpu: 0L]
    assert plan([:]).statsFinalMemoryMb('seed1') == 4096L
}

// WEIGHTS of GPT-2 medium (98,304 neurons, 24 layers x 16 heads = 384 heads):
//   STATS_FINAL's weights 2,838,585,344 + W_U and its unit rows 823,410,688 + a vocabulary block 167,772,160
//   + the scores in float32 4 x 98,304 x 384 = 150,994,944 + one neuron layer's product 8 x 4,096 x 384 = 12,582,912
//   + the baseline 8 x 1,000 x (1,024 + 384) = 11,264,000 + W_U W_U^T and its eigenvectors 16 x 1,024^2 = 16,777,216
//   + the roles 1,024 x 98,304 = 100,663,296; heap 4,122,050,560 / 0.8 + 536,870,912 = 5,689,434,112 -> 5,426 MiB
check('costs: WEIGHTS asks for the float64 weights and the attention scores of its model (GPT-2 medium 5.3 GiB)') {
    Plan p = preset('gpt2-medium-5seeds', 'gpt2-medium')
    Map b = PlanCosts.modelTaskBytes(p, 'WEIGHTS', p.models[0])
    assert b.heap == 4_122_050_560L && b.native == 0L && b.host == 5_689_434_112L && b.gpu == 0L
    assert p.modelMemoryMb('WEIGHTS', p.models[0]) == 5426L && p.modelNativeMb('WEIGHTS', p.models[0]) == 0L
    assert p.costs(p.plannedShards).memory().WEIGHTS == [tasks: 5, host: 5426L * 1024 * 1024, gpu: 0L]
    assert p.costs(p.plannedShards).rows().find { it[0] == 'memory WEIGHTS' }[1] == '5.7 GB host per task x 5 tasks'
    assert plan([:]).modelMemoryMb('WEIGHTS', 'seed1') == 4096L
    // without roles neither WEIGHTS nor INTERVENE is planned
    assert !plan([roles: false]).costs(2).memory().keySet().any { it in ['WEIGHTS', 'INTERVENE'] }
    assert plan([intervene: false]).costs(2).memory().keySet().contains('WEIGHTS')
    assert !plan([intervene: false]).costs(2).memory().containsKey('INTERVENE')
}

// INTERVENE of GPT-2 medium (354,823,168 parameters; the preset's batch_size 8 and ctx 512: sequences of
// min(256, 512, 1,024) = 256 tokens, 2,048 rows; intervene_max_tokens 16,384, 4 + 20 attention pairs):
//   model 4 x 354,823,168 = 1,419,292,672
//   acts  4 x 2,048 x (98,304 + 5 x 50,257) = 2,862,858,240 + forward 4 x 2,048 x (2 x 16 x 256 + 4 x 1,024 + 2 x 4,096)
//         = 168,747,008 -> 3,031,605,248
//   heap  4 x 16,384 + 16 x 24 x 16,384 + 8 x 50,257 x 1,024 + 1,024 x 98,304 = 65,536 + 6,291,456 + 411,705,344
//         + 100,663,296 = 518,725,632
//   CPU:  native 4,450,897,920 (4,245 MiB); host 518,725,632 / 0.8 + 4,450,897,920 + 536,870,912 = 5,636,175,872 -> 5,376 MiB
//   GPU:  native the model; host 648,407,040 + 1,419,292,672 + 536,870,912 = 2,604,570,624, under the 4,096 MiB floor;
//         GPU 1,419,292,672 + 3,031,605,248 + 1e9 = 5,450,897,920
// The demo (2 x 256 neurons, d_model 64, 4 heads, vocabulary 1,024, 173,824 parameters; batch 16 x ctx 128 = 2,048
// rows): native 695,296 + 4 x 2,048 x (512 + 5,120) + 4 x 2,048 x (2 x 4 x 128 + 256 + 512) = 61,512,704 -> 59 MiB,
// so its heap is 4,096 - 59 - 512 = 3,525 MiB (lib/TaskJava.groovy)
check('costs: INTERVENE asks for its model, one batch\'s runs and the attention points (GPT-2 medium 5.3 GiB on a CPU)') {
    Plan cpu = preset('gpt2-medium-5seeds', 'gpt2-medium', [:], false)
    String m = cpu.tableModels[cpu.groups[0]][0]
    Map b = PlanCosts.modelTaskBytes(cpu, 'INTERVENE', m)
    assert b.heap == 518_725_632L && b.native == 4_450_897_920L && b.host == 5_636_175_872L && b.gpu == 0L
    assert cpu.modelMemoryMb('INTERVENE', m) == 5376L && cpu.modelNativeMb('INTERVENE', m) == 4245L
    Plan gpu = preset('gpt2-medium-5seeds', 'gpt2-medium')
    Map g = PlanCosts.modelTaskBytes(gpu, 'INTERVENE', m)
    assert g.heap == 518_725_632L && g.native == 1_419_292_672L && g.host == 2_604_570_624L && g.gpu == 5_450_897_920L
    assert gpu.modelMemoryMb('INTERVENE', m) == 4096L
    assert gpu.costs(gpu.plannedShards).memory().INTERVENE == [tasks: 1, host: 4096L * 1024 * 1024, gpu: 5_450_897_920L]
    Plan demo = plan([:])
    assert PlanCosts.modelTaskBytes(demo, 'INTERVENE', 'seed1').native == 61_512_704L
    assert demo.modelMemoryMb('INTERVENE', 'seed1') == 4096L && demo.modelNativeMb('INTERVENE', 'seed1') == 59L
    // the context is the tool's 256 at most: ctx 1,024 gives the same rows as 512, ctx 128 (the demo's) fewer
    assert PlanCosts.modelTaskBytes(preset('gpt2-medium-5seeds', 'gpt2-medium', [ctx: 1024], false), 'INTERVENE', m) == b
}

// the report's neuron browser holds every group's table model's neurons: GPT-2 medium (one group), 98,304 neurons
// x 8,192 bytes + 256 MiB + 8 bytes x the tokens of one shard; with a second table model in a control group, twice
check('costs: REPORT asks for the neuron browser of every group (GPT-2 medium: 98,304 neurons a group)') {
    Plan p = preset('gpt2-medium-5seeds', 'gpt2-medium')
    assert p.groups == ['trained']
    long heap = 256L * 1024 * 1024 + 8192L * 98_304 + 8L * p.tokensPerShard
    Map b = new PlanCosts(p, null).report()
    assert b.heap == heap && b.native == 0L && b.gpu == 0L
    // host: heap / 0.8 + the JVM's own: 1.79 GB, within the label's 2 GB
    assert b.host == (long) Math.ceil(heap / 0.8) + TaskJava.JVM_OVERHEAD_MB * (1L << 20)
    assert p.reportMemoryMb() == 2048L
    assert p.costs(p.plannedShards).memory().REPORT.tasks == 1
    // the demo (trained and control groups, 2 x 512 neurons): 256 MiB + 8,192 x 1,024 + 8 x 64 x 128 x 8 (the
    // tokens of a demo shard), within the label's 2 GB
    Plan demo = plan([:])
    assert demo.groups == ['trained', 'control']
    assert new PlanCosts(demo, null).report().heap == 256L * 1024 * 1024 + 8192L * 2 * 512 + 8L * demo.tokensPerShard
    assert demo.reportMemoryMb() == 2048L
}

// a task that holds one model whole is not split by layer blocks: its own fix. intervene_max_tokens 200,000,000 on
// GPT-2 medium (-profile gpu): heap 800,000,000 + 16 x 24 x 200,000,000 + 411,705,344 + 100,663,296 = 78,112,368,640;
// host 97,640,460,800 + 1,419,292,672 + 536,870,912 = 99,596,624,384 -> 94,983 MiB = 99.6 GB
check('refusal, INTERVENE above max_task_memory: its own fix, not layers_per_task') {
    Plan p = preset('gpt2-medium-5seeds', 'gpt2-medium', [intervene_max_tokens: 200000000])
    PlanCosts c = p.costs(p.plannedShards)
    assert c.refusal() == '''plan: the run does not fit its limits, no task was started:
  INTERVENE needs 99.6 GB of host memory per task, above max_task_memory 64 GB
  fix: INTERVENE holds its model whole: lower batch_size or intervene_max_tokens, or set intervene false, or raise max_task_memory'''
    assert p.with([intervene: false]).costs(p.plannedShards).fits()
}

// the presets as shipped fit the acceptance limits (-profile gpu), with one pass of products
check('presets at 100M tokens (-profile gpu): small, medium (with layer blocks), Pythia fit 1 TB, 80 GB, 64 GB, 500 tasks') {
    Map<String, Plan> plans = [small : preset('gpt2-small-5seeds', 'gpt2-small'),
                               medium: preset('gpt2-medium-5seeds', 'gpt2-medium'),
                               pythia: preset('pythia-160m-4seeds', 'pythia-160m')]
    plans.each { name, p ->
        PlanCosts c = p.costs(p.plannedShards)
        assert c.fits() : "${name}: ${c.problems()}"
        assert c.peakDisk() <= 1e12 && p.totalTasks(p.plannedShards) <= 500
        assert c.memory().values().every { it.host <= 64e9 && it.gpu <= 80e9 }
        assert c.flop().comoment == c.flop().onePass
    }
    assert plans.medium.blocks.size() == 8 && plans.small.blocks.size() == 1 && plans.pythia.blocks.size() == 1
    // 195,313 rows of 512: GPT-2 small and Pythia in 32-row shards (6,104), medium in 16-row shards (12,208)
    assert plans.small.describe(plans.small.plannedShards) == 'plan: 6104 analysis shards, 27 tasks: TOKENIZE 1, CORRELATE_FUSED 8, MERGE 4, FINALISE 4, STATS_FINAL 1, UNIVERSALITY 1, FAMILIES 1, WEIGHTS 5, INTERVENE 1, REPORT 1'
    assert plans.medium.describe(plans.medium.plannedShards) == 'plan: 12208 analysis shards, 51 tasks: TOKENIZE 1, CORRELATE_FUSED 8, FINALISE 32, STATS_FINAL 1, UNIVERSALITY 1, FAMILIES 1, WEIGHTS 5, INTERVENE 1, REPORT 1'
    assert plans.pythia.describe(plans.pythia.plannedShards) == 'plan: 6104 analysis shards, 24 tasks: TOKENIZE 1, CORRELATE_FUSED 8, MERGE 3, FINALISE 3, STATS_FINAL 1, UNIVERSALITY 1, FAMILIES 1, WEIGHTS 4, INTERVENE 1, REPORT 1'
}

// staged at 100M tokens: activation files and one partial per shard (the issue's 288 TB); the fix is fused
check('refusal, GPT-2 small staged at 100M tokens: 362.08 TB of work/; fix: correlate_mode fused') {
    Plan p = preset('gpt2-small-5seeds', 'gpt2-small', binding.rows1024 + [correlate_mode: 'staged', tokens_per_task: 12600000])
    PlanCosts c = p.costs(6104)
    // activations: 5 models x 6,104 shards x 16,384 x (36,864 x 2 hooks x 2 bytes + 8); partials 6,104 x 4 x 11,778,785,280;
    // partial statistics (histogram included) 6,104 x 115,015,680 = 0.70 TB
    assert c.disk().activations == [5L * 6104 * 16384 * (36864L * 2 * 2 + 8), 30520L]
    assert c.disk()['partial moments'] == [6104L * 4 * 11_778_785_280L, 24416L]
    assert c.problems() == ['work/ would hold 362.08 TB at its peak, above max_work_disk 1000 GB']
    assert c.fixes() == ['set correlate_mode fused (no activation files: 425.6 GB in work/ with tokens_per_task 12600000)']
}

check('docs/parameters.md is the schema as tables (tools/params-doc.sh regenerates it); --help lists every parameter') {
    def schemaPath = Paths.get('nextflow_schema.json')
    assert new File('docs/parameters.md').text == ParamsHelp.markdown(schemaPath)
    String help = ParamsHelp.text(schemaPath, 'x')
    ParamsHelp.groups(new groovy.json.JsonSlurper().parse(schemaPath.toFile()) as Map).values().each { props ->
        props.keySet().each { name -> assert help.contains("\n  --${name} ") }
    }
    // the params a run starts with: only what differs from the schema's defaults; empty and null alike
    assert ParamsHelp.nonDefaults([ctx: 128, demo_tarball: '', outdir: '/o', threshold: 0.3, input: []], schemaPath) ==
        ['outdir=/o', 'threshold=0.3']
}

check('end of a run: the report path and each group\'s headline from its neurons.csv, the anchor\'s group first') {
    Path out = Files.createTempDirectory('runend')
    Files.createDirectories(out.resolve('report'))
    Files.writeString(out.resolve('report/index.html'), '<html></html>')
    Files.createDirectories(out.resolve('universality/trained'))
    Files.createDirectories(out.resolve('universality/control'))
    Files.writeString(out.resolve('universality/trained/neurons.csv'), 'layer,neuron,excess_corr,is_universal\n0,0,0.6,1\n0,1,0.2,0\n1,0,,0\n1,1,0.4,0\n')
    Files.writeString(out.resolve('universality/control/neurons.csv'), '')
    assert RunEnd.message(out).readLines() == ["report: ${out.resolve('report/index.html')}".toString(),
        'trained: 3 neurons, mean excess correlation 0.4000, 1 universal (33.33%)', 'control: an empty neurons.csv']
}

check('report params: the set ones, sorted') {
    Plan p = plan([seeds: 2])
    assert p.reportParams.contains('seeds=2') && p.reportParams.contains('pairs=anchor')
    assert p.reportParams.contains('correlate_mode=auto') && p.reportParams.contains('tokens_per_task=10000000')
    assert p.reportParams == p.reportParams.sort(false)
    assert !p.reportParams.any { it.startsWith('outdir=') || it.startsWith('lr=') }
    // a checkpoint run shows its own params, not the demo's training and corpus
    List<String> made = checkpoints(binding.tmp, ['rp-a', 'rp-b'], hf.resolve('gpt2-tiny/config.json').toString())
    Plan q = plan([input: ids.toString(), models: made, ctx: 64, intervene_after_pos: 16])
    assert q.reportParams.contains('ctx=64') && q.reportParams.contains('pairs=anchor')
    assert !q.reportParams.any { it.split('=')[0] in Plan.DEMO_PARAMS }
}

// INTERVENE keeps min(ctx, 256) tokens of a sequence: a path ablation from there on has no query position, which the
// tool would refuse only after every task before it; the run is refused first (demo ctx 128; ctx 512 -> 256)
check('intervene_after_pos at or past the sequences INTERVENE reads is refused before the run, unless it does not run') {
    def refusal = { Map o -> try { plan(o); null } catch (RuntimeException e) { e.class.simpleName + ': ' + e.message } }
    assert refusal([intervene_after_pos: 128]) == "InvalidParamsException: --intervene_after_pos: 128 leaves no query position in INTERVENE's sequences of 128 tokens (ctx 128, at most 256); lower it or set --intervene false"
    assert refusal([intervene_after_pos: 127]) == null
    assert refusal([intervene_after_pos: 128, intervene: false]) == null && refusal([intervene_after_pos: 128, roles: false]) == null
    assert refusal([ctx: 512, intervene_after_pos: 256]).endsWith("sequences of 256 tokens (ctx 512, at most 256); lower it or set --intervene false")
    assert refusal([ctx: 512, intervene_after_pos: 255]) == null
}

// nextflow_schema.json's keywords are checked by the JSON Schema library; ParamsValidator coerces the values before
// and words its errors after: one line per value, naming the param, the value given and what was expected
check('params: each schema keyword refused in the pipeline\'s words, one line per value; CLI strings and YAML values coerced alike') {
    def refusal = { Map o -> try { plan(o); null } catch (RuntimeException e) { assert e.class.simpleName == 'InvalidParamsException'; e.message } }
    assert refusal([treshold: 0.3]) == '--treshold: unknown parameter (did you mean --threshold?)'
    assert refusal([ctx: '12x']) == "--ctx: '12x' is not an integer (expected integer >= 2 and <= 2147483647)"
    assert refusal([ctx: 2.5]) == "--ctx: '2.5' is not an integer (expected integer >= 2 and <= 2147483647)"
    assert refusal([demo_top_k: '50258']) == '--demo_top_k: 50258 is above the maximum 50257'
    assert refusal([demo_top_k: 50257]) == null && refusal([demo_top_k: 2]) == null
    assert refusal([tune_fraction: '0.0']) == '--tune_fraction: 0.0 is not above 0 (expected number > 0 and < 1)'
    assert refusal([threshold: 0.99999999999999999999]) == null   // exact: no rounding to 1.0 on the way
    assert refusal([threshold: 1.0d]) == '--threshold: 1.0 is not below 1 (expected number >= 0 and < 1)'
    assert refusal([gemm: 'fp16']) == "--gemm: 'fp16' is not allowed (expected one of float32, float64, tf32, bf16)"
    assert refusal([corpus_name: 'my corpus']) == "--corpus_name: 'my corpus' does not match ^[A-Za-z0-9_-]+\$"
    // list params: each item checked, the list as a whole too (uniqueItems), a YAML list and a comma string alike
    assert refusal([hooks: 'mlp_post,mlp_pre,mlp_post']) == "--hooks: 'mlp_post,mlp_pre,mlp_post' repeats mlp_post (expected distinct items)"
    assert refusal([hooks: ['mlp_post', 'mlp_pre', 'mlp_post']]) == refusal([hooks: 'mlp_post,mlp_pre,mlp_post'])
    assert refusal([hooks: 'mlp_post,attn']).readLines() == ["--hooks: 'attn' is not allowed (expected one of mlp_post, mlp_pre)"]
    assert refusal([hooks: []]) == '--hooks: needs at least 1 item(s), got 0'
    assert refusal([input: "${ids},${ids}".toString(), models: 'a,b']).readLines()[0] == "--input: '${ids},${ids}' repeats ${ids} (expected distinct items)".toString()
    // a list of types: the first the value fits; minimum applies to the integer, pattern to the string
    assert refusal([filter_ids: 50256]) == null && refusal([filter_ids: '198,50256']) == null && refusal([filter_ids: 'none']) == null
    assert refusal([filter_ids: -1]) == '--filter_ids: -1 is below the minimum 0'
    assert refusal([filter_ids: '198;50256']) == "--filter_ids: '198;50256' does not match ^(|none|[0-9]+(,[0-9]+)*)\$"
    assert refusal([filter_ids: [198, 50256]]) == "--filter_ids: '198,50256' is not a string or an integer (expected string or integer matching ^(|none|[0-9]+(,[0-9]+)*)\$ and >= 0)"
    assert refusal([outdir: '']) == '--outdir: missing (expected a directory path)'
    // several problems: one line each, in the schema's order, unknown names first
    assert refusal([seeds: 1, zzz: 1, control: 'maybe', hooks: 'mlp_pre']).readLines() == [
        '--zzz: unknown parameter (known: ' + ParamsValidator.properties(schema).keySet().sort().collect { "--${it}" }.join(' ') + ')',
        '--seeds: 1 is below the minimum 2', "--control: 'maybe' is not a boolean (expected true or false)"]
    // coerced: what a command line gives as strings reaches the plan as numbers, booleans and lists
    Plan p = plan([ctx: '64', intervene_after_pos: '16', threshold: '0.25', control: 'false', hooks: 'mlp_pre,mlp_post'])
    assert p.params.ctx == 64 && p.params.ctx instanceof Integer && p.params.threshold == 0.25G && p.params.control == false
    assert p.params.hooks == ['mlp_pre', 'mlp_post'] && p.params.filter_ids == ''
}

check('params: a schema keyword the validator does not know is refused when the schema loads; keywords not worded here keep the library\'s words') {
    Path bad = Files.createTempFile(binding.tmp, 'schema', '.json')
    bad.text = '{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {"n": {"type": "integer", "maximun": 3}}}'
    try {
        ParamsValidator.validate([n: 5], bad, binding.root)
        assert false : 'a misspelt keyword loaded'
    } catch (RuntimeException e) {
        assert e.class.name == 'com.networknt.schema.InvalidSchemaException' && e.message.contains('maximun')
    }
    Path other = Files.createTempFile(binding.tmp, 'schema', '.json')
    other.text = '{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {"s": {"type": "string", "maxLength": 3}, "k": {"type": ["integer", "boolean"], "multipleOf": 2}}}'
    try {
        ParamsValidator.validate([s: 'abcd', k: '3'], other, binding.root)
        assert false : 'maxLength and multipleOf were not checked'
    } catch (RuntimeException e) {
        assert e.class.simpleName == 'InvalidParamsException' && e.message.readLines() == ["--s: 'abcd' must be at most 3 characters long", "--k: '3' must be multiple of 2"]
    }
}

// --- TAP ------------------------------------------------------------------------------------------------------
println "1..${results.size()}"
results.eachWithIndex { r, i ->
    println "${r[1] == null ? 'ok' : 'not ok'} ${i + 1} - ${r[0]}"
    if (r[1] != null) r[1].readLines().each { println "# ${it}" }
}
System.exit(results.any { it[1] != null } ? 1 : 0)
