import java.nio.file.Paths

/**
 * The plan of a run, decided once from the validated params (lib/ParamsValidator.groovy) before any task starts:
 * which models there are (trained from seeds in the demo, or given checkpoints), the anchor and the control, the
 * pairs and their groups, which models get a universality table (and so neuron statistics), whether correlation
 * is staged or fused, and how many tasks every process runs for S analysis shards.
 *
 * The workflow (workflows/universal_neurons.nf and subworkflows/local/) reads all of it from here, so a rule such
 * as "params.pairs = 'all' correlates every ordered pair" is written once. main.nf prints describe(S) as the run's
 * `plan:` line; the pipeline tests compare a run's trace with that line, and tests/lib/PlanTest.groovy checks the
 * plan itself against counts worked out by hand. Plain Groovy: no Nextflow class is used, so the tests run it
 * with the Groovy of Nextflow's own jars.
 *
 * Names: the demo's models are seed1..seedN and `control`; given checkpoints are named after their directories.
 * Meta maps built from the plan hold only strings and numbers.
 */
class Plan {

    /** Every process of the DAG, in the order of the data flow (the order of the `plan:` line). */
    static final List<String> PROCESSES = ['CORPUS', 'TOKENIZE', 'TRAIN', 'EXTRACT', 'CORRELATE', 'CORRELATE_FUSED',
                                           'MERGE', 'FINALISE', 'STATS_PARTIAL', 'STATS_FINAL', 'UNIVERSALITY', 'REPORT']

    /** The params shown in the report's run summary (when set). */
    static final List<String> REPORT_PARAMS = ['seeds', 'control', 'pairs', 'threshold', 'baseline', 'baseline_seed',
                                               'train_steps', 'train_batch_size', 'ctx', 'd_model', 'n_layer', 'd_mlp',
                                               'demo_top_k', 'analysis_shards', 'seqs_per_shard']

    /** The demo (no params.models): the corpus task makes the shards and the models are trained from seeds. */
    final boolean demo
    /** correlate_mode 'fused': one CORRELATE_FUSED task per shard runs the models itself; else staged. */
    final boolean fused
    /** params.pairs 'all': every ordered pair of trained models; else 'anchor': the anchor against each other. */
    final boolean allPairs

    /** The trained (or given) models, in order; the first is the anchor. */
    final List<String> trained
    final String anchor
    /** The demo's random-init control (params.control), or null. */
    final String control
    /** Every model: the trained ones, then the control. The order of the report's model list. */
    final List<String> models

    /** Pairs [id: 'a__b', a, b, group], trained group first. */
    final List<Map<String, String>> pairs
    /** 'trained', then 'control' when there is a control. */
    final List<String> groups
    /** Per group, the models whose neurons get a table (the group's anchors); the first is the report's. */
    final Map<String, List<String>> tableModels
    /** Models with neuron statistics: those that get a table. */
    final List<String> statsModels
    /** Models whose activations are extracted: all of them (staged), or only those with statistics (fused). */
    final List<String> extractModels
    /** Models that appear in a pair (the checkpoints a fused task loads). */
    final List<String> pairModels
    /** Per group, how many pairs (summaries) its universality task waits for. */
    final Map<String, Integer> pairsPerGroup

    /** Demo: one TRAIN task per model, [id, seed, control (0 or 1)]. */
    final List<Map> trainRuns
    /** Given checkpoint directories (absolute paths), in model order; empty in the demo. */
    final List<String> checkpoints
    /** Corpus files to tokenize (absolute paths); empty in the demo. */
    final List<String> input
    final String corpusName
    final String demoTarball
    /** How many analysis shards are analysed (params.analysis_shards), or null: all that the corpus gives. */
    final Integer analysisShards
    /** How many training shards the demo trains on (params.train_shards), or null: all. */
    final Integer trainShards
    /** 'KEY=VALUE' strings of REPORT_PARAMS that are set, sorted. */
    final List<String> reportParams
    /** The task jars (java-tasks/dist/NAME.jar) the run uses. */
    final List<String> tools

    Plan(Map p) {
        demo = !p.models
        fused = p.correlate_mode == 'fused'
        allPairs = p.pairs == 'all'

        checkpoints = demo ? [] : (p.models as List).collect { it.toString() }
        trained = demo ? (1..(p.seeds as int)).collect { "seed${it}".toString() }
                       : checkpoints.collect { Paths.get(it).fileName.toString() }
        anchor = trained[0]
        control = demo && p.control ? 'control' : null
        models = trained + (control ? [control] : [])

        List<Map<String, String>> ps = []
        if (allPairs) {
            trained.each { a -> trained.each { b -> if (a != b) ps << pair(a, b, 'trained') } }
        } else {
            trained.drop(1).each { b -> ps << pair(anchor, b, 'trained') }
        }
        if (control) {
            trained.drop(1).each { b -> ps << pair(control, b, 'control') }
        }
        pairs = ps.asImmutable()
        groups = control ? ['trained', 'control'] : ['trained']
        Map<String, List<String>> tables = [trained: allPairs ? trained : [anchor]]
        if (control) tables.control = [control]
        tableModels = tables.asImmutable()
        statsModels = tables.values().flatten().collect { it.toString() }
        extractModels = fused ? statsModels : models
        pairModels = models.findAll { m -> pairs.any { it.a == m || it.b == m } }
        pairsPerGroup = groups.collectEntries { g -> [g, pairs.count { it.group == g } as Integer] }

        List<Map> runs = trained.withIndex().collect { name, i -> [id: name, seed: i + 1, control: 0] }
        if (control) runs << [id: control, seed: p.control_seed as int, control: 1]
        trainRuns = demo ? runs : []

        input = demo ? [] : ((p.input ?: []) as List).collect { it.toString() }
        corpusName = p.corpus_name ?: 'corpus'
        demoTarball = p.demo_tarball ?: null
        analysisShards = p.analysis_shards == null ? null : p.analysis_shards as Integer
        trainShards = p.train_shards == null ? null : p.train_shards as Integer
        reportParams = p.findAll { k, v -> k in REPORT_PARAMS && v != null }
            .collect { k, v -> "${k}=${v}".toString() }.sort()
        tools = (demo ? ['corpus', 'train'] : ['tokenize']) + ['extract', fused ? 'correlate-fused' : 'correlate',
                 'merge', 'finalise', 'stats-partial', 'stats-final', 'universality', 'report']
    }

    private static Map<String, String> pair(String a, String b, String group) {
        [id: "${a}__${b}".toString(), a: a, b: b, group: group]
    }

    /** The group a table model belongs to. */
    String groupOf(String model) {
        model == control ? 'control' : 'trained'
    }

    /** The universality tool's --mode for a group: 'all' (one table per model) or 'anchor'. */
    String universalityMode(String group) {
        group == 'trained' && allPairs ? 'all' : 'anchor'
    }

    /** How many tasks each process runs for s analysis shards, in PROCESSES order; processes that do not run are left out. */
    Map<String, Integer> tasks(int s) {
        Map<String, Integer> n = [
            CORPUS         : demo ? 1 : 0,
            TOKENIZE       : demo ? 0 : 1,
            TRAIN          : trainRuns.size(),
            EXTRACT        : extractModels.size() * s,
            CORRELATE      : fused ? 0 : pairs.size() * s,
            CORRELATE_FUSED: fused ? s : 0,
            MERGE          : pairs.size(),
            FINALISE       : pairs.size(),
            STATS_PARTIAL  : statsModels.size() * s,
            STATS_FINAL    : statsModels.size(),
            UNIVERSALITY   : groups.size(),
            REPORT         : 1,
        ]
        PROCESSES.findAll { n[it] > 0 }.collectEntries { [it, n[it]] }
    }

    int totalTasks(int s) {
        tasks(s).values().sum() as int
    }

    /**
     * The `plan:` line. With s known: "plan: 2 analysis shards, 27 tasks: CORPUS 1, TRAIN 3, ...". Without (the
     * number of shards is known once they are made): the per-shard counts as "EXTRACT 6 x S".
     */
    String describe(Integer s) {
        if (s != null) {
            String counts = tasks(s).collect { k, v -> "${k} ${v}" }.join(', ')
            return "plan: ${s} analysis shard${s == 1 ? '' : 's'}, ${totalTasks(s)} tasks: ${counts}"
        }
        Map<String, Integer> one = tasks(1), two = tasks(2)
        String counts = one.collect { k, v ->
            int perShard = two[k] - v
            perShard == 0 ? "${k} ${v}" : perShard == v ? "${k} ${v} x S" : "${k} ${v - perShard} + ${perShard} x S"
        }.join(', ')
        return "plan: S analysis shards (S known once the shards are made): ${counts}"
    }

    /** One line for the start of the run: the models, pairs and groups. */
    String summary() {
        String who = demo ? "demo, models ${models.join(', ')}" : "models ${models.join(', ')}"
        String byGroup = groups.collect { g -> "${g} ${pairsPerGroup[g]}" }.join(', ')
        "${who}; anchor ${anchor}; ${pairs.size()} pair${pairs.size() == 1 ? "" : "s"} (${byGroup}); tables of ${statsModels.join(', ')}; correlate ${fused ? 'fused' : 'staged'}"
    }
}
