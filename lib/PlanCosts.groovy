/**
 * What a planned run costs and whether it fits (issue 11 item 8), from the plan (lib/Plan.groovy) and S analysis
 * shards: the tasks per process, each planned task's host memory (and GPU memory with -profile gpu), the disk that
 * work/ holds at its peak, the FLOPs of the products and forwards and the GPU-hours at params.gpu_tflops; and, when
 * a task or the disk does not fit params.max_task_memory, max_gpu_memory or max_work_disk, the problems and the
 * params that would fix them. main.nf prints text() before any task starts (and refuses to start unless fits()),
 * writes it to pipeline_info/plan.txt and rows() to pipeline_info/plan.tsv; REPORT shows the rows.
 *
 * Sizes are bytes, printed in GB = 10^9 bytes. The formulas, from the file formats and the tools (java-tasks):
 *
 *   moments of a pair and a block of La of a's layers (MomentsFile; PairMoments.bytes): float64
 *       8 (La da Lb db + Lb db^2 + 2 La da + 2 Lb db)                co-moment blocks + b's cov_b + means and m2
 *   CORRELATE_FUSED task (one block, every pair; rows = batch_size x ctx tokens per forward):
 *       totals   sum over pairs of the moments above                 (GPU with -profile gpu, else the Java heap)
 *       weights  sum over the models of 4 x params                   (float32)
 *       buffers  sum over the models of 4 x n_layers x rows x d_mlp  (one activation buffer per layer per model)
 *       operands the batch centred for the products at the gemm precision: on the GPU every model once
 *                (sum of n_layers x d_mlp x rows x 4|8); on the heap one pair at a time (max of (La da + Lb db) x rows)
 *       forward  4 x rows x (2 n_heads ctx + 4 d_model + 2 d_mlp) of the largest model (scores, residual, MLP)
 *       stats    per table model 8 x N (8 + 257 + 2.5 stats_top_k)  (statistics of the chunk, first block only:
 *                moments, counts and post sums; the paper's 257-bin histogram in int64; the top-k)
 *     host (CPU): heap = totals + buffers + operands + stats, native = weights + forward
 *     host (GPU): heap = the largest pair's moments (written one pair at a time) + buffers + stats, native = weights
 *     GPU:        totals + weights + buffers + operands + forward + one product block (8 da db) + 1 GB (CUDA)
 *   MERGE (streams one block of every input at a time): heap = 2 blocks + 6 vectors (8 max(da db, db^2) ...)
 *   FINALISE (per block): heap = 4 blocks + a rotation (8 db^2) + the row summaries (2 x rows x (48 + 12 top_k_corr))
 *   STATS_FINAL (per table model): heap = the merged and the read partial statistics + the columns written + the
 *       processed weights in float64 (8 params) + W_U and its unit rows in float64 (16 vocab d_model) + one vocabulary
 *       block of cosines and the unit w_out rows of a layer (8 d_mlp (d_model + 4096))
 *   WEIGHTS (per model): heap = STATS_FINAL's weights, W_U rows and vocabulary block + the attention scores in float32
 *       (4 N n_layers n_heads) and one neuron layer's product in float64 (8 d_mlp n_layers n_heads) + the random
 *       baseline (8 x 1000 (d_model + n_layers n_heads)) + W_U W_U^T and its eigenvectors (16 d_model^2) + the roles
 *       (ROLE_ROW bytes per neuron: the columns and the roles.csv text)
 *   INTERVENE (per group, its table model; rows = batch_size x min(256, ctx, n_ctx), T = intervene_max_tokens,
 *       P = intervene_top_k + intervene_random attention pairs):
 *       model    4 x params                                          (float32, PyTorch's)
 *       acts     the unchanged run kept for its batch, 4 rows (n_layers d_mlp + 5 vocab) (MLP_POST, the logits of two
 *                runs and the metrics' temporaries), + forward (as CORRELATE_FUSED's, at these rows)
 *       heap     the token ids 4 T + the attention points 16 P T (4 floats per point and pair, at most T points)
 *                + the largest tensor read and transposed (8 vocab d_model) + the roles (ROLE_ROW N)
 *     host (CPU): heap, native = model + acts;  host (GPU): heap, native = model;  GPU: model + acts + 1 GB (CUDA)
 *   request = heap / 0.8 (a quarter more for the collector) + native + 512 MiB (the JVM's own: metaspace, code,
 *   thread stacks); the task's -Xmx is the request less native and those 512 MiB (lib/TaskJava.groovy, from
 *   meta.native_mb), so the heap may fill its limit and the process still stays inside the request;
 *   at least FLOOR_MB (the label's request for small shapes), times task.attempt on a retry.
 *
 *   work/ at the peak: Nextflow keeps every file of every task until the run is cleaned, so the peak is the sum:
 *   token shards (4 bytes a token), trained checkpoints (demo), activation files (staged: S x tokens per shard x
 *   (n_layers d_mlp x hooks x dtype + 8) per model), partials (U per pair and block), merged moments (when U > 1),
 *   partial statistics (U per table model, 8 N (8 + 257 + 2.5 k)), statistics (8 N (30 + 257 + 2.5 k): about 30
 *   float64 columns, the histogram, the top-k), summaries (rows x
 *   (48 + 12 top_k_corr + 16 x baselines)).
 *
 *   FLOP (T tokens): co-moments 2 N_a N_b T per pair (the blocks partition a's neurons: one pass); cov_b
 *   2 Lb db^2 T per pair and block; forwards 2 x params x T per model and pass (fused: a pass per block, staged:
 *   one extract pass). GPU-hours = FLOP / (gpu_tflops 10^12) / 3600.
 */
class PlanCosts {

    static final double GB = 1e9
    static final long MIB = 1L << 20
    /** JVM, class metadata and native libraries of one task; the CUDA context and allocator slack of one GPU. */
    /** The JVM's memory outside the heap and the planned native memory (metaspace, code cache, thread stacks). */
    static final long JVM_OVERHEAD = TaskJava.JVM_OVERHEAD_MB * (1L << 20)
    static final long GPU_OVERHEAD = 1_000_000_000L
    /** The smallest request per planned process (MiB): the resource label's, so small runs keep their memory. */
    static final Map<String, Long> FLOOR_MB = [CORRELATE_FUSED: 4096L, MERGE: 2048L, FINALISE: 4096L, STATS_FINAL: 4096L,
                                               WEIGHTS: 4096L, INTERVENE: 4096L, REPORT: 2048L]
    /** The processes whose memory the plan requests (conf/base.config: task.memory from meta.memory_mb). */
    static final List<String> PLANNED = ['CORRELATE_FUSED', 'MERGE', 'FINALISE', 'STATS_FINAL', 'WEIGHTS', 'INTERVENE',
                                         'REPORT']
    /** The planned processes with one task per model (STATS_FINAL, WEIGHTS) or per group's table model (INTERVENE). */
    static final List<String> PER_MODEL = ['STATS_FINAL', 'WEIGHTS', 'INTERVENE']
    /** stats-final's and weights' --vocab-block default: the vocabulary rows of one block of cosines. */
    static final long VOCAB_BLOCK = 4096L
    /** weights' --bos-random default: the random directions of the attention-deactivation baseline. */
    static final long BOS_RANDOM = 1000L
    /** A neuron's roles in memory: about 20 float64 columns and its roles.csv row as text, with a builder's slack. */
    static final long ROLE_ROW = 1024L
    /**
     * A neuron of a group's table model in the report's neuron browser: its 257-bin histogram (8 bytes a bin), 50 top
     * activations (20 bytes each), 10 decoded contexts (about 240 bytes), its neurons.csv and roles.csv rows as text
     * and 2 x 20 top tokens, rounded up (docs/report.md, "Neuron browser").
     */
    static final long BROWSER_ROW = 8192L
    /** The report's charts, page and libraries, apart from the browser's data. */
    static final long REPORT_BASE = 256L * MIB
    /** intervene's --context default: the tokens per sequence it keeps (the pipeline passes none). */
    static final long INTERVENE_CONTEXT = 256L

    /** Thrown when a plan does not fit its limits once the shards are known (the message: refusal()). */
    static class PlanException extends RuntimeException {
        PlanException(String message) { super(message) }
    }

    final Plan plan
    /** Analysis shards, or null when not known before the run. */
    final Integer shards

    PlanCosts(Plan plan, Integer shards) {
        this.plan = plan
        this.shards = shards
    }

    // --- shapes ------------------------------------------------------------------------------------------------

    static long neurons(Map s) { (s.n_layers as long) * (s.d_mlp as long) }

    /** Parameters of a GPT-2 (tied unembedding) or GPT-NeoX (untied) model of this shape. */
    static long params(Map s) {
        long d = s.d_model as long, m = s.d_mlp as long, l = s.n_layers as long, v = s.vocab_size as long
        long layer = 4 * d * d + 2 * d * m + 9 * d + m
        long embed = s.architecture == 'gpt_neox' ? 2 * v * d : v * d + (s.n_ctx as long) * d
        embed + l * layer + 2 * d
    }

    /** a's layers in a block (the whole depth for the unlabelled block). */
    static int layersIn(Map block, Map a) {
        block.label ? (block.last as int) - (block.first as int) + 1 : a.n_layers as int
    }

    /** Bytes of the moments of a pair over a block of a's layers (partial and merged files alike). */
    static long momentsBytes(Map a, Map b, int layersA) {
        long na = layersA * (a.d_mlp as long), nb = neurons(b), db = b.d_mlp as long
        8L * (na * nb + (b.n_layers as long) * db * db + 2 * na + 2 * nb)
    }

    long moments(Map pair, Map block) {
        Map a = plan.shapes[pair.a], b = plan.shapes[pair.b]
        momentsBytes(a, b, layersIn(block, a))
    }

    /** Bytes per neuron of the paper's histogram of the pre-activation: 257 int64 counts (PaperHistogram). */
    static final long HISTOGRAM = 257L * 8

    /**
     * Statistics of one model, in memory and as a partial statistics file alike (ActivationStats, PartialStatsFile):
     * 8 float64/int64 per neuron, the histogram, top-k values, sources and rows.
     */
    long statsPartialBytes(Map s) { neurons(s) * (64L + HISTOGRAM + 20L * (plan.params.stats_top_k as long)) }

    /** The statistics file (NeuronStatsFile): about 30 float64 columns per neuron, the histogram, the top-k. */
    long statsBytes(Map s) { neurons(s) * (240L + HISTOGRAM + 20L * (plan.params.stats_top_k as long)) }

    long summaryBytes(Map pair, Map block) {
        Map a = plan.shapes[pair.a]
        long rows = layersIn(block, a) * (a.d_mlp as long)
        int kinds = plan.params.baseline == 'both' ? 2 : 1
        rows * (48L + 12L * (plan.params.top_k_corr as long) + 16L * kinds * (plan.params.baseline_samples as long))
    }

    long activationBytes(Map s) {
        int dtype = plan.params.dtype == 'float16' ? 2 : 4
        int hooks = ((plan.params.hooks ?: []) as List).size()
        plan.tokensPerShard * (neurons(s) * hooks * dtype + 8L)
    }

    // --- memory per task ---------------------------------------------------------------------------------------

    /** [heap, native, host, gpu] bytes of one task of a planned process (pair: MERGE, FINALISE; block: all three). */
    static Map taskBytes(Plan plan, String process, Map pair, Map block, Map unit = null) {
        PlanCosts c = new PlanCosts(plan, null)
        switch (process) {
            case 'CORRELATE_FUSED': return c.fused(block, unit ?: plan.fusedUnits[0])
            case 'MERGE': return c.merge(pair, block)
            case 'FINALISE': return c.finalise(pair, block)
            default: throw new IllegalArgumentException("no planned memory for ${process}")
        }
    }

    /** [heap, native, host, gpu] bytes of the STATS_FINAL task of one table model. */
    static Map statsFinalBytes(Plan plan, String model) {
        modelTaskBytes(plan, 'STATS_FINAL', model)
    }

    /** [heap, native, host, gpu] bytes of the STATS_FINAL, WEIGHTS or INTERVENE task of one model. */
    static Map modelTaskBytes(Plan plan, String process, String model) {
        new PlanCosts(plan, null).perModel(process, plan.shapes[model] as Map)
    }

    Map perModel(String process, Map s) {
        switch (process) {
            case 'STATS_FINAL': return statsFinal(s)
            case 'WEIGHTS': return weights(s)
            case 'INTERVENE': return intervene(s)
            default: throw new IllegalArgumentException("no planned memory per model for ${process}")
        }
    }

    static long requestMb(String process, long hostBytes) {
        Math.max(FLOOR_MB[process] ?: 0L, (long) Math.ceil(hostBytes / (double) MIB))
    }

    static Map request(long heap, long nat, long gpu) {
        long host = (long) Math.ceil(heap / TaskJava.HEAP_FRACTION + nat + JVM_OVERHEAD)
        [heap: heap, native: nat, host: host, gpu: gpu]
    }

    /** One CORRELATE_FUSED task of a block and fused unit (plan.fusedUnits: every pair, or a study's cell). */
    Map fused(Map block, Map unit = null) {
        unit = unit ?: plan.fusedUnits[0]
        Map<String, Map> sh = plan.shapes
        long rows = (plan.params.batch_size as long) * (plan.params.ctx as long)
        int gemm = plan.params.gemm == 'float64' ? 8 : 4
        List<Map> pairs = unit.pairs as List<Map>
        List<Map> ms = (unit.models as List<String>).collect { sh[it] }
        long totals = pairs.sum { moments(it, block) } as long
        long weights = ms.sum { 4L * params(it) } as long
        long buffers = ms.sum { 4L * neurons(it) * rows } as long
        long forward = ms.collect { 4L * rows * (2L * (it.n_heads as long) * (plan.params.ctx as long) +
                                                 4L * (it.d_model as long) + 2L * (it.d_mlp as long)) }.max() as long
        long stats = block.index == 0 ? ((unit.statsModels as List<String>).sum(0L) { statsPartialBytes(sh[it]) } as long) : 0L
        if (!plan.gpu) {
            long operands = pairs.collect { p ->
                (layersIn(block, sh[p.a]) * (sh[p.a].d_mlp as long) + neurons(sh[p.b])) * rows * gemm }.max() as long
            return request(totals + buffers + operands + stats, weights + forward, 0L)
        }
        long operands = ms.sum { neurons(it) * rows * gemm } as long
        long product = pairs.collect { 8L * (sh[it.a].d_mlp as long) * (sh[it.b].d_mlp as long) }.max() as long
        long onePair = pairs.collect { moments(it, block) }.max() as long
        request(onePair + buffers + stats, weights, totals + weights + buffers + operands + forward + product + GPU_OVERHEAD)
    }

    Map merge(Map pair, Map block) {
        Map a = plan.shapes[pair.a], b = plan.shapes[pair.b]
        long big = Math.max((a.d_mlp as long) * (b.d_mlp as long), (b.d_mlp as long) * (b.d_mlp as long))
        long vectors = 6L * (layersIn(block, a) * (a.d_mlp as long) + neurons(b))
        request(8L * (2 * big + vectors), 0L, 0L)
    }

    Map finalise(Map pair, Map block) {
        Map a = plan.shapes[pair.a], b = plan.shapes[pair.b]
        long big = Math.max((a.d_mlp as long) * (b.d_mlp as long), (b.d_mlp as long) * (b.d_mlp as long))
        long rows = layersIn(block, a) * (a.d_mlp as long)
        long summaries = 2L * rows * (48L + 12L * (plan.params.top_k_corr as long))
        request(8L * (4 * big + (b.d_mlp as long) * (b.d_mlp as long)) + summaries, 0L, 0L)
    }

    Map statsFinal(Map s) {
        long stats = 2L * statsPartialBytes(s) + statsBytes(s)
        long weights = 8L * params(s) + 16L * (s.vocab_size as long) * (s.d_model as long)
        long block = 8L * (s.d_mlp as long) * ((s.d_model as long) + VOCAB_BLOCK)
        request(stats + weights + block, 0L, 0L)
    }

    Map weights(Map s) {
        long d = s.d_model as long, m = s.d_mlp as long, heads = (s.n_layers as long) * (s.n_heads as long)
        long vocab = 8L * params(s) + 16L * (s.vocab_size as long) * d + 8L * m * (d + VOCAB_BLOCK)
        long scores = 4L * neurons(s) * heads + 8L * m * heads + 8L * BOS_RANDOM * (d + heads)
        request(vocab + scores + 16L * d * d + ROLE_ROW * neurons(s), 0L, 0L)
    }

    Map intervene(Map s) {
        long ctx = [INTERVENE_CONTEXT, plan.params.ctx as long, s.n_ctx as long].min()
        long rows = (plan.params.batch_size as long) * ctx
        long t = plan.params.intervene_max_tokens as long
        long pairs = (plan.params.intervene_top_k as long) + (plan.params.intervene_random as long)
        long model = 4L * params(s)
        long acts = 4L * rows * (neurons(s) + 5L * (s.vocab_size as long)) +
                    4L * rows * (2L * (s.n_heads as long) * ctx + 4L * (s.d_model as long) + 2L * (s.d_mlp as long))
        long heap = 4L * t + 16L * pairs * t + 8L * (s.vocab_size as long) * (s.d_model as long) + ROLE_ROW * neurons(s)
        plan.gpu ? request(heap, model, model + acts + GPU_OVERHEAD) : request(heap, model + acts, 0L)
    }

    /** The report: every group's table model's neurons in the browser, and one token shard read at a time. */
    Map report() {
        long rows = plan.reportGroups.sum { g -> neurons(plan.shapes[plan.tableModels[g][0]] as Map) } as long
        request(REPORT_BASE + BROWSER_ROW * rows + 8L * plan.tokensPerShard, 0L, 0L)
    }

    /** Every task of a planned process, [heap, native, host, gpu] bytes each (none when it does not run). */
    List<Map> plannedTasks(String proc) {
        switch (proc) {
            case 'CORRELATE_FUSED': return plan.fused ? plan.fusedUnits.collectMany { u -> plan.blocks.collect { fused(it, u) } } : []
            case 'STATS_FINAL': return plan.statsModels.collect { statsFinal(plan.shapes[it] as Map) }
            case 'WEIGHTS': return plan.rolesModels.collect { weights(plan.shapes[it] as Map) }
            case 'INTERVENE': return plan.intervene ? plan.reportGroups.collect { intervene(plan.shapes[plan.tableModels[it][0]] as Map) } : []
            case 'REPORT': return [report()]
            default: return plan.pairs.collectMany { p -> plan.blocks.collect { b -> proc == 'MERGE' ? merge(p, b) : finalise(p, b) } }
        }
    }

    /** Per planned process that runs: [tasks, host (the request, bytes), gpu (bytes)] of its largest task. */
    Map<String, Map> memory() {
        Map<String, Map> out = [:]
        int s = shards ?: 2
        Map<String, Integer> tasks = plan.tasks(s)
        PLANNED.each { proc ->
            if (!tasks[proc] && !(proc == 'MERGE' && shards == null)) return
            List<Map> each = plannedTasks(proc)
            if (!each) return
            long host = each.collect { requestMb(proc, it.host as long) * MIB }.max() as long
            out[proc] = [tasks: shards == null ? null : tasks[proc], host: host, gpu: each.collect { it.gpu as long }.max()]
        }
        out
    }

    // --- disk and FLOPs ----------------------------------------------------------------------------------------

    /** The files in work/ at the peak (everything the run writes), [name: [bytes, files]], for s shards. */
    Map<String, List<Long>> disk() {
        int s = shards
        int u = plan.units(s), nb = plan.blocks.size(), np = plan.pairs.size()
        Map<String, Map> sh = plan.shapes
        long pairBlocks = plan.pairs.sum { p -> plan.blocks.sum { b -> moments(p, b) } } as long
        Map<String, List<Long>> d = [:]
        d['token shards'] = [4L * plan.tokens(s), (long) s]
        if (plan.demo) d['trained checkpoints'] = [plan.models.sum { 4L * params(sh[it]) } as long, (long) plan.models.size()]
        if (!plan.fused) d['activations'] = [s * (plan.extractModels.sum { activationBytes(sh[it]) } as long), (long) s * plan.extractModels.size()]
        d['partial moments'] = [u * pairBlocks, (long) u * np * nb]
        if (u > 1) d['merged moments'] = [pairBlocks, (long) np * nb]
        d['partial statistics'] = [u * (plan.statsModels.sum { statsPartialBytes(sh[it]) } as long), (long) u * plan.statsModels.size()]
        d['statistics'] = [plan.statsModels.sum { statsBytes(sh[it]) } as long, (long) plan.statsModels.size()]
        d['summaries'] = [plan.pairs.sum { p -> plan.blocks.sum { b -> summaryBytes(p, b) } } as long, (long) np * nb]
        d
    }

    long peakDisk() {
        disk().values().sum { it[0] } as long
    }

    /** [comoment, onePass, covB, forward, total] FLOP for s shards. */
    Map<String, Double> flop() {
        double t = plan.tokens(shards)
        Map<String, Map> sh = plan.shapes
        double comoment = 0, onePass = 0, covB = 0
        plan.pairs.each { p ->
            Map a = sh[p.a], b = sh[p.b]
            plan.blocks.each { blk ->
                comoment += 2.0 * layersIn(blk, a) * (a.d_mlp as long) * neurons(b) * t
                covB += 2.0 * (b.n_layers as long) * (b.d_mlp as long) * (b.d_mlp as long) * t
            }
            onePass += 2.0 * neurons(a) * neurons(b) * t
        }
        List<String> run = plan.fused ? plan.fusedUnits.collectMany { it.models as List<String> } : plan.models
        double passes = plan.fused ? plan.blocks.size() : 1
        double forward = passes * (run.sum { 2.0 * params(sh[it]) * t } as double)
        [comoment: comoment, onePass: onePass, covB: covB, forward: forward, total: comoment + covB + forward]
    }

    double gpuHours() {
        double rate = (plan.params.gpu_tflops ?: 0) as double
        rate > 0 ? flop().total / (rate * 1e12) / 3600 : Double.NaN
    }

    // --- limits ------------------------------------------------------------------------------------------------

    double limit(String name) { (plan.params[name] as double) * GB }

    /** What does not fit, one line each (empty: the run fits). Disk only when the shards are known. */
    List<String> problems() {
        List<String> out = []
        if (plan.blockProblem) out << plan.blockProblem
        memory().each { proc, m ->
            if (m.host > limit('max_task_memory')) {
                out << "${proc} needs ${gb(m.host)} of host memory per task, above max_task_memory ${num(plan.params.max_task_memory)} GB".toString()
            }
            if (plan.gpu && m.gpu > limit('max_gpu_memory')) {
                out << "${proc} needs ${gb(m.gpu)} of GPU memory per task, above max_gpu_memory ${num(plan.params.max_gpu_memory)} GB".toString()
            }
        }
        if (shards != null && peakDisk() > limit('max_work_disk')) {
            out << "work/ would hold ${gb(peakDisk())} at its peak, above max_work_disk ${num(plan.params.max_work_disk)} GB".toString()
        }
        out
    }

    boolean fits() {
        problems().isEmpty()
    }

    /** The tasks that blocks of a's layers size (CORRELATE_FUSED, MERGE, FINALISE) fit; the per-model ones aside. */
    boolean blocksFit() {
        !plan.blockProblem && memory().every { proc, m -> proc in PER_MODEL || fitsIn(m) }
    }

    boolean fitsIn(Map m) {
        m.host <= limit('max_task_memory') && (!plan.gpu || m.gpu <= limit('max_gpu_memory'))
    }

    /** The params that would fix the problems, one line each: memory first, then disk for the plan with that fix. */
    List<String> fixes() {
        List<String> out = []
        if (plan.blockProblem) return out
        PlanCosts fixed = this
        if (!blocksFit()) {
            Map fix = memoryFix()
            out << (fix.line as String)
            if (fix.per) fixed = plan.with([layers_per_task: fix.per]).costs(shards)
        }
        out.addAll(perModelFixes())
        if (shards != null && fixed.peakDisk() > limit('max_work_disk')) out << fixed.diskFix()
        out
    }

    /**
     * [line, per]: the fewest blocks of a's layers whose tasks fit, as even as they go (layers_per_task = the depth
     * divided by the blocks, rounded up), or what else to change (per null).
     */
    Map memoryFix() {
        int depth = (plan.blocks.last().last as int) + 1
        int current = plan.blocks.size() == 1 ? depth : (plan.params.layers_per_task as int)
        for (int n = plan.blocks.size() + 1; n <= depth; n++) {
            int per = (int) Math.ceil(depth / (double) n)
            if (per >= current) continue
            current = per
            PlanCosts c = plan.with([layers_per_task: per]).costs(shards)
            if (c.blocksFit()) {
                Map m = c.memory().CORRELATE_FUSED ?: [:]
                String what = m ? "; CORRELATE_FUSED then needs ${gb(m.host)} host${plan.gpu ? ', ' + gb(m.gpu) + ' GPU' : ''} memory per task" : ''
                return [line: "set layers_per_task ${per} (${c.plan.blocks.size()} blocks of a's ${depth} layers${what})".toString(), per: per]
            }
        }
        PlanCosts one = plan.with([layers_per_task: 1]).costs(shards)
        Map m = one.memory().CORRELATE_FUSED ?: one.memory().values().first()
        return [line: "even layers_per_task 1 needs ${gb(m.host)} host${plan.gpu ? ', ' + gb(m.gpu) + ' GPU' : ''} memory per task: lower batch_size, raise max_task_memory${plan.gpu ? ' or max_gpu_memory' : ''}, or analyse fewer models per run".toString(), per: null]
    }

    /** The tasks that hold one model whole are not split by blocks: what else shrinks them, one line each. */
    List<String> perModelFixes() {
        memory().findAll { proc, m -> proc in PER_MODEL && !fitsIn(m) }.collect { proc, m ->
            String what = proc == 'INTERVENE' ? 'lower batch_size or intervene_max_tokens, or set intervene false'
                        : proc == 'WEIGHTS' ? 'set roles false' : 'analyse a smaller model'
            List<String> limits = (m.host > limit('max_task_memory') ? ['max_task_memory'] : []) +
                                  (plan.gpu && m.gpu > limit('max_gpu_memory') ? ['max_gpu_memory'] : [])
            "${proc} holds its model whole: ${what}, or raise ${limits.join(' and ')}".toString()
        }
    }

    /** Fewer, larger chunks (fused), or fused instead of staged, or fewer tokens. */
    String diskFix() {
        double max = limit('max_work_disk')
        if (!plan.fused) {
            PlanCosts f = plan.with([correlate_mode: 'fused']).costs(shards)
            return f.peakDisk() <= max && f.blocksFit()
                ? "set correlate_mode fused (no activation files: ${gb(f.peakDisk())} in work/ with tokens_per_task ${plan.params.tokens_per_task})".toString()
                : "lower max_tokens or analysis_shards, or raise max_work_disk"
        }
        int chunks = plan.chunks(shards)
        for (int per = plan.shardsPerChunk + 1; per <= shards; per++) {
            int c = (int) Math.ceil(shards / (double) per)
            if (c >= chunks) continue
            chunks = c
            PlanCosts alt = plan.with([tokens_per_task: per * plan.tokensPerShard]).costs(shards)
            if (alt.peakDisk() <= max) {
                return "set tokens_per_task ${per * plan.tokensPerShard} (${c} chunk${c == 1 ? '' : 's'} of up to ${count(per)} shards: ${gb(alt.peakDisk())} in work/)".toString()
            }
        }
        return "even one chunk needs ${gb(plan.with([tokens_per_task: shards * plan.tokensPerShard]).costs(shards).peakDisk())} in work/: raise max_work_disk, raise layers_per_task (every block's partials repeat cov_b), or lower max_tokens".toString()
    }

    /** The lines that stop a run that does not fit: before any task, or (madeBy) once the task that made the shards ran. */
    String refusal(String madeBy = null) {
        String head = madeBy ? "plan: with its ${shards} shards the run does not fit its limits; no task after ${madeBy} was started:"
                             : 'plan: the run does not fit its limits, no task was started:'
        ([head] + problems().collect { "  ${it}" } + fixes().collect { "  fix: ${it}" }).join('\n')
    }

    // --- what is printed and written ---------------------------------------------------------------------------

    /** [item, value] rows: the plan as printed under the `plan:` line, in plan.tsv and in the report. */
    List<List<String>> rows() {
        List<List<String>> r = []
        r << ['tasks', shards == null ? plan.describe(null).replaceFirst(/^plan: /, '') :
                       "${plan.totalTasks(shards)}: ${plan.tasks(shards).collect { k, v -> "${k} ${v}" }.join(', ')}".toString()]
        r << ['tokens', tokensText()]
        r << ['correlate', correlateText()]
        memory().each { proc, m ->
            String n = m.tasks == null ? '' : " x ${m.tasks} task${m.tasks == 1 ? '' : 's'}"
            r << ["memory ${proc}".toString(), "${gb(m.host)} host${plan.gpu && m.gpu ? ', ' + gb(m.gpu) + ' GPU' : ''} per task${n}".toString()]
        }
        r << ['memory others', 'their resource label (conf/base.config)']
        r << ['work/ at peak', shards == null ? 'known once the shards are made (set max_tokens or analysis_shards to plan it before the run)' : diskText()]
        if (shards != null) {
            Map<String, Double> f = flop()
            r << ['FLOP', flopText(f)]
            double h = gpuHours()
            r << ['GPU-hours', Double.isNaN(h) ? 'gpu_tflops is 0' :
                  "${String.format(Locale.ROOT, h < 10 ? '%.2f' : '%.1f', h)} at gpu_tflops ${num(plan.params.gpu_tflops)} (sustained TFLOP/s of one GPU)".toString()]
        }
        r << ['limits', "max_task_memory ${num(plan.params.max_task_memory)} GB, max_gpu_memory ${num(plan.params.max_gpu_memory)} GB${plan.gpu ? '' : ' (checked with -profile gpu)'}, max_work_disk ${num(plan.params.max_work_disk)} GB".toString()]
        List<String> p = problems()
        r << ['verdict', p ? "does not fit: ${p.join('; ')}; fix: ${fixes().join('; ')}".toString()
                           : shards == null ? 'memory fits; disk and FLOPs are planned once the shards are made' : 'fits']
        r
    }

    String tokensText() {
        if (shards == null) return "known once the shards are made (${plan.params.seqs_per_shard} x ${plan.params.ctx} per shard)".toString()
        String cap = plan.maxRows != null ? "; max_tokens ${count(plan.params.max_tokens as long)}" : ''
        "${count(plan.tokens(shards))} in ${count(shards)} shard${shards == 1 ? '' : 's'} of ${plan.params.seqs_per_shard} x ${plan.params.ctx}${cap}".toString()
    }

    String correlateText() {
        int nb = plan.blocks.size()
        String blocks = nb == 1 ? "1 block of a's layers (all)" : "${nb} blocks of a's layers (layers_per_task ${plan.params.layers_per_task}: ${plan.blocks*.label.join(', ')})"
        String stats = "statistics of ${plan.statsModels.join(', ')}"
        if (!plan.fused) {
            return "staged: extract per (model, shard), correlate per (pair, shard, block); ${blocks}; ${plan.pairs.size()} pairs; ${stats}".toString()
        }
        String chunks = shards == null ? "chunks of ${count(plan.shardsPerChunk)} shards" : "${plan.chunks(shards)} chunk${plan.chunks(shards) == 1 ? '' : 's'} of up to ${count(plan.shardsPerChunk)} shards"
        "fused: ${chunks} (${count(plan.shardsPerChunk * plan.tokensPerShard)} tokens; tokens_per_task ${count(plan.params.tokens_per_task as long)}) x ${blocks}; ${plan.pairs.size()} pairs; ${stats} (first block)".toString()
    }

    String diskText() {
        Map<String, List<Long>> d = disk()
        String parts = d.findAll { k, v -> v[0] > 0 }.collect { k, v -> "${k} ${gb(v[0])} (${count(v[1])} file${v[1] == 1 ? '' : 's'})" }.join(', ')
        "${gb(peakDisk())}: ${parts}".toString()
    }

    String flopText(Map<String, Double> f) {
        String pass = Math.abs(f.comoment - f.onePass) <= 1e-9 * f.onePass ? 'one pass' : "${String.format(Locale.ROOT, '%.2f', f.comoment / f.onePass)} passes"
        int nb = plan.blocks.size()
        String fwd = plan.fused ? "${plan.pairModels.size()} models, a pass per block: ${nb} pass${nb == 1 ? '' : 'es'}" : "${plan.models.size()} models, one extract pass"
        "${sci(f.total)}: products ${sci(f.comoment)} co-moments (${pass}: 2 N_a N_b per token per pair) + ${sci(f.covB)} cov_b; forwards ${sci(f.forward)} (${fwd})".toString()
    }

    /** The plan as printed: the `plan:` line, then one indented line per row. */
    String text() {
        int w = rows().collect { it[0].length() }.max() as int
        ([plan.describe(shards)] + rows().drop(1).collect { "  ${it[0].padRight(w)}  ${it[1]}" }).join('\n')
    }

    /**
     * plan.json: the same plan in numbers, for scripts (tools/scale-rehearsal.sh compares a run with it): per planned
     * process its task count and the largest task's heap, native, host (the need, bytes), request (bytes) and GPU
     * bytes; per kind of file in work/ its bytes and files; the peak; FLOPs; GPU-hours; whether it fits.
     */
    String json() {
        int s = shards ?: 2
        Map<String, Integer> tasks = plan.tasks(s)
        Map mem = [:]
        PLANNED.each { proc ->
            List<Map> each = tasks[proc] ? plannedTasks(proc) : []
            if (!each) return
            Map worst = each.max { it.host as long }
            mem[proc] = [tasks: tasks[proc], heap: worst.heap, native: worst.native, host: worst.host,
                         request: requestMb(proc, worst.host as long) * MIB, gpu: each.collect { it.gpu as long }.max()]
        }
        Map out = [shards: shards, tasks: tasks, total_tasks: plan.totalTasks(s), memory: mem, fits: fits()]
        if (shards != null) {
            out.disk = disk().collectEntries { k, v -> [k, [bytes: v[0], files: v[1]]] }
            out.peak_disk = peakDisk()
            out.flop = flop()
            out.gpu_hours = gpuHours()
        }
        groovy.json.JsonOutput.prettyPrint(groovy.json.JsonOutput.toJson(out)) + '\n'
    }

    /** plan.tsv: a header, then the rows. */
    String tsv() {
        (['item\tvalue'] + rows().collect { "${it[0]}\t${it[1]}" }).join('\n') + '\n'
    }

    // --- numbers -----------------------------------------------------------------------------------------------

    /** Bytes in decimal units: TB from 10^12, GB from 10^9, MB from 10^6, else kB. */
    static String gb(Number bytes) {
        double b = bytes as double
        b >= 1e12 ? String.format(Locale.ROOT, '%.2f TB', b / 1e12)
            : b >= 1e9 ? String.format(Locale.ROOT, '%.1f GB', b / 1e9)
            : b >= 1e6 ? String.format(Locale.ROOT, '%.1f MB', b / 1e6)
            : String.format(Locale.ROOT, '%.1f kB', b / 1e3)
    }

    static String count(Number n) {
        String.format(Locale.ROOT, '%,d', n as long)
    }

    static String num(Number n) {
        double d = n as double
        d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d)
    }

    static String sci(double x) {
        if (x == 0) return '0'
        String s = String.format(Locale.ROOT, '%.2e', x)
        s.replaceFirst(/e\+?0*(\d)/, 'e$1').replaceFirst(/e-0*(\d)/, 'e-$1')
    }
}
