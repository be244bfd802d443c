import java.nio.file.Paths

/**
 * The plan of a run, decided once from the validated params (lib/ParamsValidator.groovy) and the checked
 * checkpoints (lib/CheckpointCheck.groovy) before any task starts: which models there are (trained from seeds in
 * the demo, or given checkpoints) and their shapes, the anchor and the control, the pairs and their groups, which
 * models get a universality table (and so neuron statistics), whether correlation is staged or fused, the chunks of
 * shards and the blocks of a's layers that the correlate tasks fan out over, and how many tasks every process runs
 * for S analysis shards. What the run costs (memory per task, disk, FLOPs) and whether it fits its limits is
 * lib/PlanCosts.groovy's, from this plan.
 *
 * The workflow (workflows/universal_neurons.nf and subworkflows/local/) reads all of it from here, so a rule such
 * as "params.pairs = 'all' correlates every ordered pair" is written once. main.nf prints describe(S) as the run's
 * `plan:` line and the costs under it; the pipeline tests compare a run's trace with that line, and
 * tests/lib/PlanTest.groovy checks the plan itself against counts worked out by hand. Plain Groovy: no Nextflow
 * class is used, so the tests run it with the Groovy of Nextflow's own jars.
 *
 * Names: the demo's models are seed1..seedN and `control`; given checkpoints are named after their directories, or
 * by the samplesheet (params.models as a .csv file). Meta maps built from the plan hold only strings and numbers.
 *
 * Units of the correlation: staged, one partial per (pair, shard, block); fused, one per (pair, chunk, block), a
 * chunk being max(1, tokens_per_task / (seqs_per_shard x ctx)) consecutive shards (the last may be smaller). With
 * S shards, U = S (staged) or C = ceil(S / shards per chunk) (fused) partials per (pair, block) are merged; one
 * partial is already the merged moments, so MERGE runs only when U > 1.
 */
class Plan {

    /** Every process of the DAG, in the order of the data flow (the order of the `plan:` line). */
    static final List<String> PROCESSES = ['CORPUS', 'TOKENIZE', 'TRAIN', 'EXTRACT', 'CORRELATE', 'CORRELATE_FUSED',
                                           'MERGE', 'FINALISE', 'STATS_PARTIAL', 'STATS_FINAL', 'UNIVERSALITY', 'DYNAMICS',
                                           'FAMILIES', 'WEIGHTS', 'INTERVENE', 'REPORT']

    /** The params shown in the report's run summary (when set). */
    static final List<String> REPORT_PARAMS = ['seeds', 'control', 'pairs', 'threshold', 'baseline', 'baseline_seed',
                                               'train_steps', 'train_batch_size', 'ctx', 'd_model', 'n_layer', 'd_mlp',
                                               'demo_top_k', 'analysis_shards', 'demo_analysis_shards', 'seqs_per_shard',
                                               'correlate_mode', 'tokens_per_task', 'layers_per_task', 'max_tokens',
                                               'study_steps', 'study_widths', 'train_save_steps']
    /** Of those, the ones that only the demo uses (its corpus and training): not shown for a checkpoint run. */
    static final List<String> DEMO_PARAMS = ['seeds', 'control', 'train_steps', 'train_batch_size', 'd_model', 'n_layer',
                                             'd_mlp', 'demo_top_k', 'demo_analysis_shards', 'study_steps', 'study_widths',
                                             'train_save_steps']

    /** The validated params the plan was made from, and the checked checkpoints (null in the demo). */
    final Map params
    final List<Map> checked

    /** The demo (no params.models): the corpus task makes the shards and the models are trained from seeds. */
    final boolean demo
    /** Fused correlation (correlate_mode fused, or auto with checkpoints): CORRELATE_FUSED per (chunk, block). */
    final boolean fused
    /** FAMILIES runs (params.families): one task per group, on the group's report table model. */
    final boolean families
    /** FAMILIES reads the first N analysis shards (params.families_shards), or null: all. */
    final Integer familiesShards
    /** WEIGHTS runs (params.roles): one task per model, the functional roles read from its weights. */
    final boolean roles
    /** INTERVENE runs (params.intervene, with roles): one task per group, on the group's report table model. */
    final boolean intervene
    /** params.pairs 'all': every ordered pair of trained models; else 'anchor': the anchor against each other. */
    final boolean allPairs
    /** -profile gpu: the correlate tasks hold their totals on a GPU (memory is planned for it). */
    final boolean gpu

    /** A study (lib/StudyGrid.groovy): universality within each (size, step) cell of a grid of models, or null. */
    final StudyGrid study
    /**
     * The cells universality is computed in: [id, size, step, anchor, trained, control, group, controlGroup]. A run
     * that is no study is one cell (id, size and step null) whose groups are 'trained' and 'control'.
     */
    final List<Map> cells
    /** The trained (or given) models, in order (cell by cell); the first is the anchor. */
    final List<String> trained
    /** The report's cell's anchor (a study's last cell: its last size at its last step). */
    final String anchor
    /** The report's cell's random-init control (params.control, demo only), or null. */
    final String control
    /** Every random-init control (a study's demo: one per width). */
    final List<String> controls
    /** Every model: the trained ones, then the controls. */
    final List<String> models
    /** The groups the report's sections show (a study: its last cell's), and their models (the checkpoints REPORT gets). */
    final List<String> reportGroups
    final List<String> reportModels
    /** Per group: 'trained' or 'control'; and the cell it belongs to. */
    final Map<String, String> groupKind
    final Map<String, Map> groupCell
    /** The models WEIGHTS reads (roles): the report's models. */
    final List<String> rolesModels
    /** Per model: n_layers, d_model, d_mlp, n_heads, vocab_size, n_ctx, architecture (demo: from the params). */
    final Map<String, Map> shapes

    /** Pairs [id: 'a__b', a, b, group], trained group first. */
    final List<Map<String, String>> pairs
    /** Per cell: its trained group, then its control group when there is a control ('trained', 'control' unless a study). */
    final List<String> groups
    /** Per group, the models whose neurons get a table (the group's anchors); the first is the report's. */
    final Map<String, List<String>> tableModels
    /** Models with neuron statistics: those that get a table. */
    final List<String> statsModels
    /** Models whose activations are extracted: all of them (staged), none (fused: statistics come from CORRELATE_FUSED). */
    final List<String> extractModels
    /** Models that appear in a pair (the checkpoints a fused task loads). */
    final List<String> pairModels
    /**
     * Fused: what one CORRELATE_FUSED task (per chunk and block) runs, [id, pairs, models, statsModels]: every pair
     * (id null), or in a study one cell's pairs, so that a task never holds the models and totals of other cells.
     * Each table model's statistics come from one unit only (a study's control: its first cell's).
     */
    final List<Map> fusedUnits
    /** Per group, how many pairs its universality task takes (each pair gives one summary per block). */
    final Map<String, Integer> pairsPerGroup

    /** Demo: one TRAIN task per model, [id, seed, control (0 or 1)]; a study's also d_model, d_mlp, saves, outputs. */
    final List<Map> trainRuns
    /** Given checkpoint directories (absolute paths), in model order; empty in the demo. */
    final List<String> checkpoints
    /** Corpus files to tokenize (absolute paths); empty in the demo. */
    final List<String> input
    final String corpusName
    final String demoTarball
    /** How many analysis shards are analysed (analysis_shards; in the demo demo_analysis_shards), or null: all. */
    final Integer analysisShards
    /** How many training shards the demo trains on (params.train_shards), or null: all. */
    final Integer trainShards
    /** 'KEY=VALUE' strings of REPORT_PARAMS that are set, sorted. */
    final List<String> reportParams
    /** The task jars (java-tasks/dist/NAME.jar) the run uses. */
    final List<String> tools

    /** Tokens per shard (seqs_per_shard x ctx) and, with max_tokens, the most rows tokenize makes (max_tokens / ctx). */
    final long tokensPerShard
    final Long maxRows
    /** Analysis shards known before the run (analysis_shards, or what max_tokens makes at most), else null. */
    final Integer plannedShards
    /** Fused: consecutive shards per chunk (one CORRELATE_FUSED task per chunk and block). Staged: 1. */
    final int shardsPerChunk
    /**
     * The blocks of a's layers, [index, first, last, label ('L00-03'), layers ('0-3', the tools' --layers-a)]. One block
     * of all layers (label and layers null: no --layers-a, every pair's a whole) unless layers_per_task splits them.
     */
    final List<Map> blocks
    /** Why layers_per_task cannot be applied (a's of different depths), or null. */
    final String blockProblem

    Plan(Map p, List<Map> checked = null, boolean gpu = false) {
        params = p.asImmutable()
        this.checked = checked
        this.gpu = gpu
        demo = !p.models
        fused = p.correlate_mode == 'fused' || (p.correlate_mode == 'auto' && !demo)
        families = p.families == null || p.families as boolean
        familiesShards = p.families_shards == null ? null : p.families_shards as Integer
        roles = p.roles == null || p.roles as boolean
        intervene = roles && (p.intervene == null || p.intervene as boolean)
        allPairs = p.pairs == 'all'

        checkpoints = demo ? [] : (p.models as List).collect { it.toString() }
        List<String> given = (p.model_names ?: checkpoints.collect { Paths.get(it).fileName.toString() }) as List<String>
        study = StudyGrid.of(p)
        if (study != null && allPairs) {
            throw new IllegalArgumentException("--pairs: 'all' is not available in a study (each cell correlates its anchor with the other seeds); use --pairs anchor")
        }
        cells = cellsOf(p, given)
        trained = cells.collectMany { it.trained as List<String> }.asImmutable()
        controls = cells.collect { it.control }.findAll { it != null }.unique().asImmutable()
        Map last = cells.last()
        anchor = last.anchor
        control = last.control
        models = (trained + controls).asImmutable()
        shapes = shapesOf(p, checked, models, study)

        List<Map<String, String>> ps = []
        Map<String, List<String>> tables = [:]
        Map<String, String> kinds = [:]
        Map<String, Map> cellOf = [:]
        cells.each { Map c ->
            List<String> seeds = c.trained as List<String>
            if (allPairs) {
                seeds.each { a -> seeds.each { b -> if (a != b) ps << pair(a, b, c.group) } }
            } else {
                seeds.drop(1).each { b -> ps << pair(c.anchor, b, c.group) }
            }
            tables[c.group] = allPairs ? seeds : [c.anchor as String]
            kinds[c.group] = 'trained'
            cellOf[c.group] = c
            if (c.control) {
                seeds.drop(1).each { b -> ps << pair(c.control, b, c.controlGroup) }
                tables[c.controlGroup] = [c.control as String]
                kinds[c.controlGroup] = 'control'
                cellOf[c.controlGroup] = c
            }
        }
        pairs = ps.asImmutable()
        groups = cells.collectMany { c -> [c.group] + (c.control ? [c.controlGroup] : []) }.asImmutable()
        tableModels = tables.asImmutable()
        groupKind = kinds.asImmutable()
        groupCell = cellOf.asImmutable()
        reportGroups = [last.group] + (last.control ? [last.controlGroup] : [])
        reportModels = study == null ? models : (last.trained as List<String>) + (last.control ? [last.control as String] : [])
        rolesModels = roles ? reportModels : []
        statsModels = tables.values().flatten().collect { it.toString() }.unique()
        extractModels = fused ? [] : models
        pairModels = models.findAll { m -> pairs.any { it.a == m || it.b == m } }
        pairsPerGroup = groups.collectEntries { g -> [g, pairs.count { it.group == g } as Integer] }
        fusedUnits = unitsOf(study, cells, pairs, models, statsModels, tables)

        if (!demo) {
            trainRuns = []
        } else if (study != null) {
            trainRuns = study.trainRuns
        } else {
            List<Map> runs = trained.withIndex().collect { name, i -> [id: name, seed: i + 1, control: 0] }
            if (control) runs << [id: control, seed: p.control_seed as int, control: 1]
            trainRuns = runs
        }

        input = demo ? [] : ((p.input ?: []) as List).collect { it.toString() }
        corpusName = p.corpus_name ?: 'corpus'
        demoTarball = p.demo_tarball ?: null
        // the demo analyses demo_analysis_shards unless analysis_shards is given; a checkpoint run all its shards
        def cap = p.analysis_shards != null ? p.analysis_shards : demo ? p.demo_analysis_shards : null
        analysisShards = cap == null ? null : cap as Integer
        trainShards = p.train_shards == null ? null : p.train_shards as Integer
        reportParams = p.findAll { k, v -> k in REPORT_PARAMS && v != null && (demo || !(k in DEMO_PARAMS)) }
            .collect { k, v -> "${k}=${v}".toString() }.sort()
        tools = (demo ? ['corpus', 'train'] : ['tokenize']) + (fused ? ['correlate-fused'] : ['extract', 'correlate']) +
                ['merge', 'finalise'] + (fused ? [] : ['stats-partial']) + ['stats-final', 'universality'] +
                (study != null ? ['dynamics'] : []) +
                (families ? ['families'] : []) + (roles ? ['weights'] : []) + (intervene ? ['intervene'] : []) + ['report']

        tokensPerShard = (p.seqs_per_shard as long) * (p.ctx as long)
        maxRows = demo || p.max_tokens == null ? null : (p.max_tokens as long).intdiv(p.ctx as long)
        Integer fromTokens = maxRows == null ? null : Math.ceil(maxRows / (p.seqs_per_shard as double)) as Integer
        plannedShards = analysisShards != null && fromTokens != null ? Math.min(analysisShards, fromTokens)
                        : (analysisShards ?: fromTokens)
        shardsPerChunk = fused ? Math.max(1L, (p.tokens_per_task as long).intdiv(tokensPerShard)) as int : 1
        List<String> as_ = pairs.collect { it.a }.unique()
        Set<Integer> depths = as_.collect { shapes[it].n_layers as Integer } as Set
        Integer per = p.layers_per_task == null ? null : p.layers_per_task as Integer
        if (per != null && per < depths.max() && depths.size() > 1) {
            blockProblem = "--layers_per_task: the models a of the pairs have different depths (${as_.collect { "${it} ${shapes[it].n_layers}" }.join(', ')} layers), so one block of a's layers cannot fit them all; leave layers_per_task empty".toString()
        } else {
            blockProblem = null
        }
        blocks = blocksOf(depths.max(), blockProblem ? null : per)
    }

    /** The cells of a run: a study's, or the one cell of seeds (demo) or given checkpoints with the demo's control. */
    private static List<Map> cellsOf(Map p, List<String> given) {
        StudyGrid grid = StudyGrid.of(p)
        if (grid != null) {
            return grid.cells.collect { c -> c + [group: c.id, controlGroup: c.control ? "${c.id}-control".toString() : null] }
        }
        boolean demo = !p.models
        List<String> seeds = demo ? (1..(p.seeds as int)).collect { "seed${it}".toString() } : given
        String control = demo && p.control ? 'control' : null
        [[id: null, size: null, step: null, anchor: seeds[0], trained: seeds, control: control, group: 'trained',
          controlGroup: control ? 'control' : null]]
    }

    private static List<Map> unitsOf(StudyGrid study, List<Map> cells, List<Map> pairs, List<String> models,
                                     List<String> statsModels, Map<String, List<String>> tables) {
        Closure inOrder = { Collection names -> models.findAll { it in names } }
        if (study == null) {
            return [[id: null, pairs: pairs, models: inOrder(pairs.collectMany { [it.a, it.b] }), statsModels: statsModels]]
        }
        Set<String> counted = [] as Set
        cells.collect { Map c ->
            List<String> gs = [c.group] + (c.controlGroup ? [c.controlGroup] : [])
            List<Map> ps = pairs.findAll { it.group in gs }
            List<String> stats = gs.collectMany { tables[it] }.findAll { counted.add(it) }
            [id: c.id, pairs: ps, models: inOrder(ps.collectMany { [it.a, it.b] }), statsModels: stats]
        }
    }

    private static Map<String, String> pair(String a, String b, String group) {
        [id: "${a}__${b}".toString(), a: a, b: b, group: group]
    }

    /** Shapes by model: the checked checkpoints', or the demo's models' from the params (the control's is a seed's; a study's width its own). */
    private static Map<String, Map> shapesOf(Map p, List<Map> checked, List<String> models, StudyGrid grid) {
        Map<String, Map> out = [:]
        if (checked != null) {
            checked.each { out[it.name as String] = it }
        } else if (!p.models) {
            models.each { m ->
                Map width = grid?.models?.get(m) ?: [d_model: p.d_model, d_mlp: p.d_mlp]
                out[m] = [name: m, architecture: 'gpt2', n_layers: p.n_layer as int, d_model: width.d_model as int,
                          d_mlp: width.d_mlp as int, n_heads: p.n_head as int, vocab_size: (p.demo_top_k as int) + 1,
                          n_ctx: p.ctx as int]
            }
        }
        List missing = models.findAll { !out.containsKey(it) }
        if (missing) throw new IllegalArgumentException("no shape of model(s) ${missing.join(', ')} (checked: ${out.keySet()})")
        out.asImmutable()
    }

    /** Blocks of `per` layers over `depth` layers (the last may be smaller); one unlabelled block when per is null or >= depth. */
    static List<Map> blocksOf(int depth, Integer per) {
        if (per == null || per >= depth) {
            return [[index: 0, first: 0, last: depth - 1, label: null, layers: null]]
        }
        int width = Math.max(2, String.valueOf(depth - 1).length())
        (0..<depth).step(per).withIndex().collect { int first, int i ->
            int last = Math.min(first + per, depth) - 1
            [index: i, first: first, last: last,
             label: "L${String.format("%0${width}d", first)}-${String.format("%0${width}d", last)}".toString(),
             layers: "${first}-${last}".toString()]
        }
    }

    /** The same run with some params changed (the plan's fixes try other layers_per_task and tokens_per_task). */
    Plan with(Map overrides) {
        new Plan(params + overrides, checked, gpu)
    }

    /** A study's TRAIN run's models: [[step, model name], ...] (its analysed steps), or null: the run is one model. */
    List trainOutputs(String run) {
        (trainRuns.find { it.id == run }?.outputs ?: null) as List
    }

    /** The groups whose table takes a model's statistics (a study's control is in one group per step). */
    List<String> groupsOfTable(String model) {
        groups.findAll { g -> model in tableModels[g] }
    }

    /** The universality tool's --mode for a group: 'all' (one table per model) or 'anchor'. */
    String universalityMode(String group) {
        groupKind[group] == 'trained' && allPairs ? 'all' : 'anchor'
    }

    /** DYNAMICS's --table argument of a study group: 'SIZE,STEP,KIND' (the size w64 of the demo, or the sheet's). */
    String dynamicsKey(String group) {
        Map c = groupCell[group]
        "${c.size ?: 'all'},${c.step},${groupKind[group]}".toString()
    }

    // --- chunks, blocks, units -------------------------------------------------------------------------------

    /** Chunks of s shards (fused); staged: s (a shard is its own unit). */
    int chunks(int s) {
        fused ? (int) Math.ceil(s / (double) shardsPerChunk) : s
    }

    /** Partials per (pair, block): C chunks (fused) or S shards (staged). */
    int units(int s) {
        chunks(s)
    }

    /** The chunks of a sorted shard list: [[chunk: 'c00000', n_chunks: C], [shard files]] each, in order. */
    List chunksOf(List shards) {
        List groups = shards.collate(shardsPerChunk)
        groups.withIndex().collect { files, i -> [[chunk: chunkName(i), n_chunks: groups.size()], files] }
    }

    static String chunkName(int i) {
        "c${String.format('%05d', i)}".toString()
    }

    /**
     * The --chunk NAME of a fused task: the chunk, and the block when there are several ('c00003.L00-03'); in a
     * study the fused unit (cell) first ('w64-step32.c00003').
     */
    String taskName(String chunk, Map block, String unit = null) {
        String name = block.label ? "${chunk}.${block.label}".toString() : chunk
        unit ? "${unit}.${name}".toString() : name
    }

    /** The name of a pair's results in a block: 'a__b' (one block) or 'a__b.L00-03' (MERGE, FINALISE, their files). */
    String pairBlockId(Map pair, Map block) {
        block.label ? "${pair.id}.${block.label}".toString() : pair.id
    }

    /** Tokens of s shards: s full shards, capped by max_tokens (the last shard may be smaller). */
    long tokens(int s) {
        long all = s * tokensPerShard
        maxRows == null ? all : Math.min(all, maxRows * (params.ctx as long))
    }

    // --- tasks -------------------------------------------------------------------------------------------------

    /** How many tasks each process runs for s analysis shards, in PROCESSES order; processes that do not run are left out. */
    Map<String, Integer> tasks(int s) {
        counts(s, chunks(s))
    }

    private Map<String, Integer> counts(int s, int c) {
        int b = blocks.size(), p = pairs.size()
        int u = fused ? c : s
        Map<String, Integer> n = [
            CORPUS         : demo ? 1 : 0,
            TOKENIZE       : demo ? 0 : 1,
            TRAIN          : trainRuns.size(),
            EXTRACT        : extractModels.size() * s,
            CORRELATE      : fused ? 0 : p * s * b,
            CORRELATE_FUSED: fused ? c * b * fusedUnits.size() : 0,
            MERGE          : u > 1 ? p * b : 0,
            FINALISE       : p * b,
            STATS_PARTIAL  : fused ? 0 : statsModels.size() * s,
            STATS_FINAL    : statsModels.size(),
            UNIVERSALITY   : groups.size(),
            DYNAMICS       : study != null ? 1 : 0,
            FAMILIES       : families ? reportGroups.size() : 0,
            WEIGHTS        : rolesModels.size(),
            INTERVENE      : intervene ? reportGroups.size() : 0,
            REPORT         : 1,
        ]
        PROCESSES.findAll { n[it] > 0 }.collectEntries { [it, n[it]] }
    }

    int totalTasks(int s) {
        tasks(s).values().sum() as int
    }

    /**
     * The `plan:` line. With s known: "plan: 2 analysis shards, 27 tasks: CORPUS 1, TRAIN 3, ...". Without (the
     * number of shards is known once they are made): the counts per shard ("EXTRACT 6 x S") or, fused, per chunk
     * ("CORRELATE_FUSED 2 x C"), for S of at least 2 shards (C of at least 2 chunks).
     */
    String describe(Integer s) {
        if (s != null) {
            String counts = tasks(s).collect { k, v -> "${k} ${v}" }.join(', ')
            return "plan: ${s} analysis shard${s == 1 ? '' : 's'}, ${totalTasks(s)} tasks: ${counts}"
        }
        String unit = fused ? 'C' : 'S'
        Map<String, Integer> two = counts(2, 2), three = counts(3, 3)
        String counts = two.collect { k, v ->
            int per = three[k] - v, base = v - 2 * per
            per == 0 ? "${k} ${v}" : base == 0 ? "${k} ${per} x ${unit}" : "${k} ${base} + ${per} x ${unit}"
        }.join(', ')
        String chunking = fused ? "; C = S / ${shardsPerChunk} chunks, rounded up" : ''
        return "plan: S analysis shards (S known once the shards are made${chunking}): ${counts}"
    }

    /** One line for the start of the run: the models, pairs and groups. */
    String summary() {
        String who = demo ? "demo, models ${models.join(', ')}" : "models ${models.join(', ')}"
        if (study != null) {
            List sizes = cells.collect { it.size }.unique(), steps = cells.collect { it.step }.unique().sort()
            who = "${demo ? 'demo ' : ''}study, ${cells.size()} cells (sizes ${sizes.collect { it ?: '-' }.join(', ')}; steps ${steps.join(', ')}), ${models.size()} models; the report's cell ${cells.last().id}"
        }
        // a study's groups and table models are listed in the plan and the report; the line names how many
        String byGroup = study != null ? "in ${groups.size()} groups" : "(${groups.collect { g -> "${g} ${pairsPerGroup[g]}" }.join(', ')})"
        String tables = study != null ? "${statsModels.size()} models" : statsModels.join(', ')
        "${who}; anchor ${anchor}; ${pairs.size()} pair${pairs.size() == 1 ? "" : "s"} ${byGroup}; tables of ${tables}; correlate ${fused ? 'fused' : 'staged'}"
    }

    /** What the run costs for s shards (null: not known yet), and whether it fits its limits. */
    PlanCosts costs(Integer s) {
        new PlanCosts(this, s)
    }

    /** The memory request of one task of MERGE, FINALISE (per pair and block) or CORRELATE_FUSED (per block and unit), in MiB. */
    long memoryMb(String process, Map pair, Map block, Map unit = null) {
        PlanCosts.requestMb(process, PlanCosts.taskBytes(this, process, pair, block, unit).host as long)
    }

    /** The memory request of the STATS_FINAL task of one table model, in MiB. */
    long statsFinalMemoryMb(String model) {
        modelMemoryMb('STATS_FINAL', model)
    }

    /** The memory request of the STATS_FINAL, WEIGHTS or INTERVENE task of one model, in MiB. */
    /** The report task's memory request (MiB): its neuron browser holds every group's table model's neurons. */
    long reportMemoryMb() {
        PlanCosts.requestMb('REPORT', new PlanCosts(this, null).report().host as long)
    }

    long modelMemoryMb(String process, String model) {
        PlanCosts.requestMb(process, PlanCosts.modelTaskBytes(this, process, model).host as long)
    }

    /** The native (non-heap) memory the plan gives that task, MiB rounded up (INTERVENE's model and activations). */
    long modelNativeMb(String process, String model) {
        (long) Math.ceil((PlanCosts.modelTaskBytes(this, process, model).native as long) / (double) PlanCosts.MIB)
    }

    /** The native (non-heap) memory the plan gives that task, MiB rounded up: its heap is the rest (TaskJava). */
    long nativeMb(String process, Map pair, Map block, Map unit = null) {
        (long) Math.ceil((PlanCosts.taskBytes(this, process, pair, block, unit).native as long) / (double) PlanCosts.MIB)
    }
}
