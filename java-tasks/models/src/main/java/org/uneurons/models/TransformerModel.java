package org.uneurons.models;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import org.uneurons.core.cli.InputException;
import org.uneurons.formats.Architecture;
import org.uneurons.formats.WeightLayout;
import org.uneurons.formats.WeightSource;
import org.uneurons.formats.MlpActivation;
import org.uneurons.formats.ModelConfig;

/**
 * A GPT-2 or GPT-NeoX decoder on DJL NDArrays (PyTorch engine), inference only, computing what Hugging Face
 * transformers computes for the same checkpoint.
 *
 * <p>Weights are stored in one layout for both families: linear maps as [out, in] (as torch.nn.Linear, so
 * {@code linear} needs no transpose), and the fused QKV projection's rows ordered [q | k | v], each [head,
 * head_dim] (GPT-2's native order; NeoX's per-head interleaved rows are permuted at load time). The two
 * families differ only in positions (learned vs rotary), residual wiring (sequential vs parallel) and GELU.
 *
 * <p>Memory: every intermediate of a forward pass lives in a scratch manager closed at the end of the pass;
 * only requested hook values survive, owned by the returned {@link ForwardResult}. Every op is called on an
 * activation (never on a weight), because DJL attaches a result to the manager of the array it is called on.
 */
public final class TransformerModel implements AutoCloseable {
    private final ModelConfig cfg;
    private final NDManager manager;
    private final NDArray embed;
    private final NDArray posEmbed;
    private final NDArray lnFinalW;
    private final NDArray lnFinalB;
    private final NDArray unembed;
    private final Block[] blocks;
    /**
     * Largest attention score slice, in floats (4 MB): one head of a 1024-token sequence. Measured on a 2-core
     * AVX-512 machine, the QK^T GEMM, mask, softmax and AV on 4 MB slices ran 5 to 20 times faster per element
     * than on 16 MB ones, which leave the cache and are freshly page-faulted on every call.
     */
    static final long SCORE_BLOCK = 1L << 20;
    /**
     * On a GPU the slices only cost kernel launches (at seq 1024 one slice per (sequence, head): four launches of a
     * 134 MFLOP GEMM each, 384 per layer at batch 8), so a slice may hold 256 M floats (1 GB): batch 16 x 12 heads
     * x 1024^2 scores fit in one slice and attention is four launches per layer.
     */
    static final long GPU_SCORE_BLOCK = 1L << 28;
    private long scoreBlock = SCORE_BLOCK;
    private final Map<Integer, NDArray> causalMasks = new HashMap<>();
    private final Map<Integer, NDArray[]> rotaryTables = new HashMap<>();
    /** The content hash of the checkpoint's weights (WeightsDigest), or null for weights made in memory. */
    private String weightsSha256;

    private record Block(NDArray ln1W, NDArray ln1B, NDArray qkvW, NDArray qkvB, NDArray attnOutW,
                         NDArray attnOutB, NDArray ln2W, NDArray ln2B, NDArray mlpInW, NDArray mlpInB,
                         NDArray mlpOutW, NDArray mlpOutB, float attnScale) {
    }

    private TransformerModel(ModelConfig cfg, NDManager manager, NDArray embed, NDArray posEmbed, NDArray lnFinalW,
                             NDArray lnFinalB, NDArray unembed, Block[] blocks) {
        this.cfg = cfg;
        this.manager = manager;
        this.embed = embed;
        this.posEmbed = posEmbed;
        this.lnFinalW = lnFinalW;
        this.lnFinalB = lnFinalB;
        this.unembed = unembed;
        this.blocks = blocks;
        this.scoreBlock = manager.getDevice().isGpu() ? GPU_SCORE_BLOCK : SCORE_BLOCK;
    }

    /**
     * Validates {@code weights} against {@code cfg} (every tensor present with the implied shape, else an
     * {@link InputException} naming it) and copies them to {@code device}.
     */
    public static TransformerModel load(ModelConfig cfg, WeightSource weights, Device device) {
        WeightLayout layout = WeightLayout.resolve(cfg, weights);
        NDManager m = NDManager.newBaseManager(device, "PyTorch");
        try {
            Loader ld = new Loader(cfg, layout, weights, m);
            int d = cfg.dModel;
            int dm = cfg.dMlp;
            boolean gpt2 = cfg.architecture == Architecture.GPT2;
            Block[] blocks = new Block[cfg.nLayers];
            for (int l = 0; l < cfg.nLayers; l++) {
                String b = "blocks." + l + ".";
                float scale = 1f;
                if (cfg.scaleAttnWeights) {
                    scale /= (float) Math.sqrt(cfg.headDim());
                }
                if (cfg.scaleAttnByInverseLayerIdx) {
                    scale /= (float) (l + 1);
                }
                NDArray qkvW;
                NDArray qkvB;
                if (gpt2) {
                    qkvW = ld.linearFromConv1d(b + "attn.qkv.w", d, 3 * d);
                    qkvB = ld.vector(b + "attn.qkv.b");
                } else {
                    qkvW = ld.neoxQkvWeight(b + "attn.qkv.w");
                    qkvB = layout.has(b + "attn.qkv.b") ? ld.neoxQkvBias(b + "attn.qkv.b") : null;
                }
                blocks[l] = new Block(
                        ld.vector(b + "ln1.w"), ld.vector(b + "ln1.b"), qkvW, qkvB,
                        gpt2 ? ld.linearFromConv1d(b + "attn.out.w", d, d) : ld.matrix(b + "attn.out.w", d, d),
                        layout.has(b + "attn.out.b") ? ld.vector(b + "attn.out.b") : null,
                        ld.vector(b + "ln2.w"), ld.vector(b + "ln2.b"),
                        gpt2 ? ld.linearFromConv1d(b + "mlp.in.w", d, dm) : ld.matrix(b + "mlp.in.w", dm, d),
                        ld.vector(b + "mlp.in.b"),
                        gpt2 ? ld.linearFromConv1d(b + "mlp.out.w", dm, d) : ld.matrix(b + "mlp.out.w", d, dm),
                        ld.vector(b + "mlp.out.b"), scale);
            }
            NDArray embed = ld.matrix("embed", cfg.vocabSize, d);
            NDArray pos = gpt2 ? ld.matrix("pos_embed", cfg.nCtx, d) : null;
            NDArray unembed = cfg.tiedUnembed ? embed : ld.matrix("unembed", cfg.vocabSize, d);
            return new TransformerModel(cfg, m, embed, pos, ld.vector("ln_f.w"), ld.vector("ln_f.b"), unembed, blocks);
        } catch (RuntimeException | Error e) {
            m.close();
            throw e;
        }
    }

    public ModelConfig config() {
        return cfg;
    }

    /**
     * The content hash of the checkpoint the weights came from ({@link org.uneurons.core.io.WeightsDigest}), which
     * every file made from this model's activations records; null for weights made in memory.
     */
    public String weightsSha256() {
        return weightsSha256;
    }

    /** Set by {@link Checkpoints#load} once the weights are read (they are hashed on the way). */
    void weightsSha256(String sha256) {
        this.weightsSha256 = sha256;
    }

    public Device device() {
        return manager.getDevice();
    }

    /** Tests: a smaller attention slice, so short test sequences take the sliced path too. */
    void scoreBlockForTests(long floats) {
        this.scoreBlock = floats;
    }

    /** Number of arrays the model itself holds (weights and cached tables); for leak checks. */
    int managedArrayCount() {
        return manager.getManagedArrays().size();
    }

    /**
     * Runs {@code tokens} ([batch][seq], all rows the same length, 1 <= seq <= n_ctx, ids in [0, vocab)) and
     * returns the requested hook values.
     */
    public ForwardResult forward(int[][] tokens, Set<Hook> hooks) {
        return forward(tokens, hooks, Intervention.none());
    }

    /**
     * As {@link #forward(int[][], Set)}, with the activations changed as {@code intervention} says (neuron edits
     * before the neuron's output is written, query-path ablations inside the head's attention). Hooked values are
     * the changed ones.
     */
    public ForwardResult forward(int[][] tokens, Set<Hook> hooks, Intervention intervention) {
        int batch = tokens.length;
        int seq = validate(tokens);
        intervention.validate(cfg, batch, seq);
        long[] flat = new long[batch * seq];
        for (int s = 0; s < batch; s++) {
            for (int t = 0; t < seq; t++) {
                flat[s * seq + t] = tokens[s][t];
            }
        }
        ForwardResult result = new ForwardResult(manager.newSubManager(), hooks, cfg.nLayers);
        try (NDManager scratch = manager.newSubManager()) {
            run(scratch, scratch.create(flat, new Shape(batch, seq)), batch, seq, hooks, intervention, result);
        } catch (RuntimeException | Error e) {
            result.close();
            throw e;
        }
        return result;
    }

    private void run(NDManager scratch, NDArray ids, int batch, int seq, Set<Hook> hooks, Intervention iv,
                     ForwardResult out) {
        boolean wantHidden = hooks.contains(Hook.HIDDEN);
        boolean wantPre = hooks.contains(Hook.MLP_PRE);
        boolean wantPost = hooks.contains(Hook.MLP_POST);
        NDArray x = Embedding.embedding(ids, embed, SparseFormat.DENSE).singletonOrThrow();
        if (posEmbed != null) {
            NDArray positions = scratch.arange(0, seq, 1, DataType.INT64);
            x = x.addi(Embedding.embedding(positions, posEmbed, SparseFormat.DENSE).singletonOrThrow());
        }
        if (wantHidden) {
            out.hidden(0, x.duplicate());
        }
        int last = iv.lastLayer(cfg);
        // the outputs post * W_out[n] of the neurons whose query paths are ablated, by ablation, made in their layer
        Map<Intervention.QueryPathAblation, NDArray> removed = new HashMap<>();
        for (int l = 0; l <= last; l++) {
            Block b = blocks[l];
            NDArray attn = attention(scratch, x, b, l, batch, seq, queryEdits(x, l, iv, removed), hooks, out);
            NDArray mlpIn;
            if (cfg.parallelResidual) {
                mlpIn = layerNorm(x, b.ln2W, b.ln2B);
                x = x.add(attn);
            } else {
                x = x.add(attn);
                mlpIn = layerNorm(x, b.ln2W, b.ln2B);
            }
            NDArray pre = Linear.linear(mlpIn, b.mlpInW, b.mlpInB).singletonOrThrow();
            NDArray post = gelu(pre);
            editNeurons(scratch, post, l, batch, seq, iv);
            for (Intervention.QueryPathAblation a : iv.ablations()) {
                if (a.neuronLayer() == l) {
                    removed.put(a, neuronOutput(scratch, post, b, a.neuron(), a.fromPos(), seq));
                }
            }
            NDArray mlpOut = Linear.linear(post, b.mlpOutW, b.mlpOutB).singletonOrThrow();
            if (wantPre) {
                out.mlpPre(l, pre);
            }
            if (wantPost) {
                out.mlpPost(l, post);
            }
            x = x.addi(mlpOut);
            if (wantHidden && l < cfg.nLayers - 1) {
                out.hidden(l + 1, x.duplicate());
            }
        }
        if (last == cfg.nLayers - 1) {
            finalHooks(x, hooks, out);
        }
    }

    /** The hooks after the last block: the final LayerNorm's scale, the residual entering it, the logits. */
    private void finalHooks(NDArray x, Set<Hook> hooks, ForwardResult out) {
        boolean wantHidden = hooks.contains(Hook.HIDDEN);
        if (hooks.contains(Hook.LN_FINAL_SCALE)) {
            NDArray centred = x.sub(x.mean(new int[] {-1}, true));
            out.lnFinalScale(centred.square().mean(new int[] {-1}).add((float) cfg.layerNormEps).sqrt());
        }
        if (hooks.contains(Hook.RESID_FINAL)) {
            out.residFinal(x.duplicate());
        }
        if (wantHidden || hooks.contains(Hook.LOGITS)) {
            NDArray xf = layerNorm(x, lnFinalW, lnFinalB);
            if (hooks.contains(Hook.LOGITS)) {
                out.logits(Linear.linear(xf, unembed).singletonOrThrow());
            }
            if (wantHidden) {
                out.hidden(cfg.nLayers, xf);
            }
        }
    }

    /**
     * Logits [batch, seq, vocab] from the residual entering the final LayerNorm [batch, seq, d_model], the LayerNorm
     * dividing by {@code scale} [batch, seq] instead of the residual's own sqrt(var + eps) when it is given ("frozen"
     * scale: the direct effect of a change to the residual, without its effect through the normalisation). The result
     * belongs to the residual's manager.
     */
    public NDArray finalLogits(NDArray residFinal, NDArray scale) {
        NDArray xf;
        if (scale == null) {
            xf = layerNorm(residFinal, lnFinalW, lnFinalB);
        } else {
            NDArray centred = residFinal.sub(residFinal.mean(new int[] {-1}, true));
            xf = centred.divi(scale.expandDims(-1)).muli(lnFinalW).addi(lnFinalB);
        }
        return Linear.linear(xf, unembed).singletonOrThrow();
    }

    /**
     * What one unit of neuron (layer, neuron)'s post-activation adds to each token's logit when the final LayerNorm's
     * scale is held at 1: W_U (gamma * (w_out - mean(w_out))) [vocab]. Up to a constant per neuron this is
     * TransformerLens' W_U . w_out on processed weights (folded gamma, centred writing weights and unembedding), so it
     * ranks the tokens the neuron boosts and suppresses the same way.
     */
    public float[] logitDirection(int layer, int neuron) {
        if (layer < 0 || layer >= cfg.nLayers || neuron < 0 || neuron >= cfg.dMlp) {
            throw new IllegalArgumentException("neuron L" + layer + "." + neuron + " outside " + cfg.nLayers + " x " + cfg.dMlp);
        }
        try (NDManager scratch = manager.newSubManager()) {
            NDArray w = blocks[layer].mlpOutW.get(new NDIndex(":, {}", neuron));
            w.attach(scratch);
            NDArray dir = w.sub(w.mean()).muli(lnFinalW);
            return ForwardResult.floats(Linear.linear(dir.expandDims(0), unembed).singletonOrThrow());
        }
    }

    /**
     * Layer l's attention on the residual {@code x}. {@code queryEdits} maps a head to the residual its queries read
     * instead of x (query-path ablations); keys, values and the other heads' queries always read x.
     */
    private NDArray attention(NDManager scratch, NDArray x, Block b, int l, int batch, int seq,
                              Map<Integer, NDArray> queryEdits, Set<Hook> hooks, ForwardResult out) {
        int h = cfg.nHeads;
        int hd = cfg.headDim();
        NDArray[] qkv = projectQkv(layerNorm(x, b.ln1W, b.ln1B), b, batch, seq);
        NDArray q = qkv[0];
        NDArray k = qkv[1];
        NDArray v = qkv[2];
        if (!queryEdits.isEmpty()) {
            // q = q (1 - m) + q' m with m 1 on the edited head's groups, 0 elsewhere: exact for the unedited heads
            // (q * 1 + 0) and for the edited one (q * 0 + q')
            for (Map.Entry<Integer, NDArray> e : queryEdits.entrySet()) {
                float[] m = new float[batch * h];
                for (int s = 0; s < batch; s++) {
                    m[s * h + e.getKey()] = 1f;
                }
                NDArray mask = scratch.create(m, new Shape((long) batch * h, 1, 1));
                NDArray edited = projectQkv(layerNorm(e.getValue(), b.ln1W, b.ln1B), b, batch, seq)[0];
                q = q.mul(mask.neg().add(1f)).add(edited.mul(mask));
            }
        }
        if (hooks.contains(Hook.ATTN_K)) {
            out.attnK(l, k.duplicate());
        }
        if (hooks.contains(Hook.ATTN_V)) {
            out.attnV(l, v.duplicate());
        }
        q = q.mul(b.attnScale);
        long groups = (long) batch * h;
        // Scores are [groups, seq, seq]: at 12 heads x 1024 tokens that is 50 MB per sequence. Working through
        // (sequence, head) groups in slices of at most SCORE_BLOCK floats bounds memory for long contexts and
        // keeps each scratch tensor in cache and small enough to be recycled by the allocator instead of freshly
        // mapped and page-faulted on every call (which otherwise costs more than the GEMMs on CPU).
        int perSlice = (int) Math.max(1, Math.min(groups, scoreBlock / ((long) seq * seq)));
        boolean wantBos = hooks.contains(Hook.ATTN_BOS);
        NDList bos = wantBos ? new NDList() : null;
        NDArray merged;
        if (perSlice >= groups) {
            merged = attend(q, k, v, seq, bos);
        } else {
            NDList parts = new NDList();
            for (long g = 0; g < groups; g += perSlice) {
                NDIndex slice = new NDIndex(g + ":" + Math.min(groups, g + perSlice));
                parts.add(attend(q.get(slice), k.get(slice), v.get(slice), seq, bos));
            }
            merged = NDArrays.concat(parts, 0);
            parts.close();
        }
        if (wantBos) {
            out.attnBos(l, NDArrays.concat(bos, 0).reshape(batch, h, seq));
        }
        if (hooks.contains(Hook.HEAD_Z_NORM)) {
            out.headZNorm(l, merged.square().sum(new int[] {-1}).sqrt().reshape(batch, h, seq));
        }
        NDArray ctx = merged.reshape(batch, h, seq, hd).transpose(0, 2, 1, 3).reshape(batch, seq, cfg.dModel);
        return (b.attnOutB == null ? Linear.linear(ctx, b.attnOutW) : Linear.linear(ctx, b.attnOutW, b.attnOutB))
                .singletonOrThrow();
    }

    /**
     * The fused QKV projection of the LayerNorm output {@code a}, split into q, k, v [batch*head, seq, hd] with
     * rotary applied to q and k.
     */
    private NDArray[] projectQkv(NDArray a, Block b, int batch, int seq) {
        int h = cfg.nHeads;
        int hd = cfg.headDim();
        NDArray qkv = (b.qkvB == null ? Linear.linear(a, b.qkvW) : Linear.linear(a, b.qkvW, b.qkvB)).singletonOrThrow();
        // [batch, seq, 3, head, hd] -> [3, batch*head, seq, hd]. The reshape after the permute cannot be a view, so
        // it makes one contiguous copy: q, k and v are then plain row-major batches of matrices, which keeps the
        // batched GEMMs on the BLAS fast path and every elementwise op and softmax on contiguous memory
        // (permuted strides would otherwise propagate through every op that follows).
        NDArray split = qkv.reshape(batch, seq, 3, h, hd).transpose(2, 0, 3, 1, 4).reshape(3, (long) batch * h, seq, hd);
        NDArray q = split.get(0);
        NDArray k = split.get(1);
        NDArray v = split.get(2);
        if (cfg.rotaryDim > 0) {
            NDArray[] cs = rotaryTable(seq);
            q = rotate(q, cs[0], cs[1]);
            k = rotate(k, cs[0], cs[1]);
        }
        return new NDArray[] {q, k, v};
    }

    /** Applies the intervention's neuron edits of layer l to its post-activations [batch, seq, d_mlp], in place. */
    private static void editNeurons(NDManager scratch, NDArray post, int l, int batch, int seq, Intervention iv) {
        for (Intervention.NeuronEdit e : iv.edits()) {
            if (e.layer() != l) {
                continue;
            }
            NDIndex column = new NDIndex(":, :, {}", e.neuron());
            switch (e.kind()) {
                case FIX -> post.set(column, e.value());
                case PER_TOKEN -> post.set(column, scratch.create(e.perToken(), new Shape(batch, seq)));
                case SCALE -> post.set(column, post.get(column).mul(e.value()));
                default -> throw new IllegalStateException(e.kind().name());
            }
        }
    }

    /**
     * What neuron n writes into the residual, post[:, t, n] * W_out[:, n] [batch, seq, d_model], at positions t >=
     * fromPos (zero before).
     */
    private static NDArray neuronOutput(NDManager scratch, NDArray post, Block b, int neuron, int fromPos, int seq) {
        NDArray act = post.get(new NDIndex(":, :, {}", neuron));
        if (fromPos > 0) {
            float[] keep = new float[seq];
            java.util.Arrays.fill(keep, Math.min(fromPos, seq), seq, 1f);
            act = act.mul(scratch.create(keep, new Shape(1, seq)));
        }
        NDArray column = b.mlpOutW.get(new NDIndex(":, {}", neuron)); // made on the model's manager: move it
        column.attach(scratch);
        return act.expandDims(-1).mul(column);
    }

    /**
     * The residuals the query-path ablations of layer l give their heads: x minus the removed neurons' outputs,
     * summed per head.
     */
    private static Map<Integer, NDArray> queryEdits(NDArray x, int l, Intervention iv,
                                                    Map<Intervention.QueryPathAblation, NDArray> removed) {
        Map<Integer, NDArray> byHead = new java.util.TreeMap<>();
        for (Intervention.QueryPathAblation a : iv.ablations()) {
            if (a.headLayer() == l) {
                NDArray base = byHead.getOrDefault(a.head(), x);
                byHead.put(a.head(), base.sub(removed.get(a)));
            }
        }
        return byHead;
    }

    /**
     * softmax(q k^T + causal mask) v for [groups, seq, hd] slices; q is already scaled. When {@code bos} is given,
     * the probabilities on key position 0 [groups, seq] are added to it.
     */
    private NDArray attend(NDArray q, NDArray k, NDArray v, int seq, NDList bos) {
        // k^T as a transposed view: GEMM takes it as a transpose flag, no copy.
        NDArray scores = q.matMul(k.transpose(0, 2, 1));
        NDArray probs = scores.addi(causalMask(seq)).softmax(-1);
        scores.close();
        if (bos != null) {
            bos.add(probs.get(new NDIndex(":, :, 0")).duplicate());
        }
        NDArray out = probs.matMul(v);
        probs.close();
        return out;
    }

    /** GPT-NeoX rotary embedding on the first rotary_dim dims of each head, HF's rotate_half convention. */
    private NDArray rotate(NDArray x, NDArray cos, NDArray sin) {
        int rd = cfg.rotaryDim;
        int hd = cfg.headDim();
        NDArray rot = rd == hd ? x : x.get(new NDIndex("..., :" + rd));
        NDArray x1 = rot.get(new NDIndex("..., :" + rd / 2));
        NDArray x2 = rot.get(new NDIndex("..., " + rd / 2 + ":"));
        NDArray rotatedHalf = x2.neg().concat(x1, -1);
        NDArray embedded = rot.mul(cos).addi(rotatedHalf.muli(sin));
        return rd == hd ? embedded : embedded.concat(x.get(new NDIndex("..., " + rd + ":")), -1);
    }

    private static NDArray layerNorm(NDArray x, NDArray w, NDArray b, double eps) {
        return LayerNorm.layerNorm(x, new Shape(w.getShape().get(0)), w, b, (float) eps).singletonOrThrow();
    }

    private NDArray layerNorm(NDArray x, NDArray w, NDArray b) {
        return layerNorm(x, w, b, cfg.layerNormEps);
    }

    private NDArray gelu(NDArray pre) {
        if (cfg.activation == MlpActivation.GELU_EXACT) {
            return Activation.gelu(pre);
        }
        // HF's NewGELUActivation 0.5 x (1 + tanh(z)), z = sqrt(2/pi) (x + 0.044715 x^3), computed as the identical
        // x * sigmoid(2z) = x * sigmoid(x (2c + 2c 0.044715 x^2)): six elementwise passes instead of nine, the
        // temporaries updated in place.
        double c2 = 2 * Math.sqrt(2.0 / Math.PI);
        NDArray z2 = pre.square().muli((float) (c2 * 0.044715)).addi((float) c2).muli(pre);
        NDArray s = Activation.sigmoid(z2);
        z2.close();
        return s.muli(pre);
    }

    /** [seq, seq] additive mask, -inf above the diagonal; cached per length on the model's manager. */
    private synchronized NDArray causalMask(int seq) {
        return causalMasks.computeIfAbsent(seq, n -> {
            float[] m = new float[n * n];
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) {
                    m[i * n + j] = Float.NEGATIVE_INFINITY;
                }
            }
            return manager.create(m, new Shape(n, n));
        });
    }

    /**
     * cos and sin tables [seq, rotary_dim] for positions 0..seq-1, computed in float32 the way transformers does
     * (inv_freq = 1 / base^(2i/dim) in float32, angle = position * inv_freq in float32, emb = cat(freqs, freqs)),
     * so long contexts round as the reference does.
     */
    private synchronized NDArray[] rotaryTable(int seq) {
        return rotaryTables.computeIfAbsent(seq, n -> {
            int rd = cfg.rotaryDim;
            int half = rd / 2;
            float[] invFreq = new float[half];
            for (int i = 0; i < half; i++) {
                float exponent = (float) (2 * i) / (float) rd;
                invFreq[i] = (float) (1.0 / (float) Math.pow(cfg.rotaryBase, exponent));
            }
            float[] cos = new float[n * rd];
            float[] sin = new float[n * rd];
            for (int p = 0; p < n; p++) {
                for (int i = 0; i < half; i++) {
                    float angle = (float) p * invFreq[i];
                    float c = (float) Math.cos(angle);
                    float s = (float) Math.sin(angle);
                    cos[p * rd + i] = c;
                    cos[p * rd + half + i] = c;
                    sin[p * rd + i] = s;
                    sin[p * rd + half + i] = s;
                }
            }
            return new NDArray[] {manager.create(cos, new Shape(n, rd)), manager.create(sin, new Shape(n, rd))};
        });
    }

    private int validate(int[][] tokens) {
        if (tokens.length == 0) {
            throw new InputException("no sequences to run");
        }
        int seq = tokens[0].length;
        if (seq == 0) {
            throw new InputException("empty sequence (0 tokens)");
        }
        if (seq > cfg.nCtx) {
            throw new InputException("sequence length " + seq + " exceeds the context of checkpoint " + cfg.name()
                    + " (" + cfg.nCtx + " positions)");
        }
        for (int s = 0; s < tokens.length; s++) {
            if (tokens[s].length != seq) {
                throw new InputException("sequence " + s + " has " + tokens[s].length + " tokens, expected " + seq
                        + " like the others in the batch");
            }
            for (int t = 0; t < seq; t++) {
                int id = tokens[s][t];
                if (id < 0 || id >= cfg.vocabSize) {
                    throw new InputException("token id " + id + " (sequence " + s + ", position " + t
                            + ") is outside the vocabulary [0, " + cfg.vocabSize + ") of checkpoint " + cfg.name());
                }
            }
        }
        return seq;
    }

    @Override
    public void close() {
        manager.close();
    }

    /** Reads tensors from the checkpoint and lays them out as the forward pass expects. */
    private static final class Loader {
        private final ModelConfig cfg;
        private final WeightLayout layout;
        private final WeightSource src;
        private final NDManager m;

        Loader(ModelConfig cfg, WeightLayout layout, WeightSource src, NDManager m) {
            this.cfg = cfg;
            this.layout = layout;
            this.src = src;
            this.m = m;
        }

        private float[] read(String canonical) {
            return src.floats(layout.get(canonical).stored());
        }

        NDArray vector(String canonical) {
            float[] v = read(canonical);
            return m.create(v, new Shape(v.length));
        }

        NDArray matrix(String canonical, int rows, int cols) {
            return m.create(read(canonical), new Shape(rows, cols));
        }

        /** GPT-2 Conv1D weight [in, out] to linear layout [out, in] (transposed once here, contiguous). */
        NDArray linearFromConv1d(String canonical, int in, int out) {
            float[] w = read(canonical);
            float[] t = new float[w.length];
            for (int i = 0; i < in; i++) {
                for (int o = 0; o < out; o++) {
                    t[o * in + i] = w[i * out + o];
                }
            }
            return m.create(t, new Shape(out, in));
        }

        /** NeoX query_key_value rows [head, 3, hd] to [3, head, hd]. */
        NDArray neoxQkvWeight(String canonical) {
            int d = cfg.dModel;
            return m.create(permuteQkvRows(read(canonical), d), new Shape(3L * d, d));
        }

        NDArray neoxQkvBias(String canonical) {
            int d = cfg.dModel;
            return m.create(permuteQkvRows(read(canonical), 1), new Shape(3L * d));
        }

        private float[] permuteQkvRows(float[] w, int rowLen) {
            int h = cfg.nHeads;
            int hd = cfg.headDim();
            float[] out = new float[w.length];
            for (int head = 0; head < h; head++) {
                for (int s = 0; s < 3; s++) {
                    for (int j = 0; j < hd; j++) {
                        int from = (head * 3 + s) * hd + j;
                        int to = (s * h + head) * hd + j;
                        System.arraycopy(w, from * rowLen, out, to * rowLen, rowLen);
                    }
                }
            }
            return out;
        }
    }
}
