package org.uneurons.train;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;

/**
 * A GPT-2 whose parameters are DJL arrays that record gradients, with a forward pass built only from
 * differentiable PyTorch ops. The parameters are kept in the checkpoint's own layout (Hugging Face names, Conv1D
 * weights [in, out]), so saving is a copy and the models module loads the result like any downloaded GPT-2. The
 * forward pass computes what transformers' GPT2LMHeadModel computes without dropout: learned positions, pre-LN
 * blocks, causal attention scaled by 1/sqrt(head_dim), gelu_new, final LayerNorm, tied unembedding.
 *
 * <p>Every op is called on an activation (never on a parameter), because DJL attaches a result to the manager of
 * the array it is called on: that way each step's intermediates stay in the step's scratch manager.
 */
final class TrainableGpt2 implements AutoCloseable {
    static final float LN_EPS = 1e-5f;
    private final Gpt2Shape shape;
    private final NDManager manager;
    private final Map<String, NDArray> params = new LinkedHashMap<>();
    private final Map<Integer, NDArray> causalMasks = new HashMap<>();

    TrainableGpt2(Gpt2Shape shape, Map<String, float[]> weights, Device device) {
        this.shape = shape;
        this.manager = NDManager.newBaseManager(device, "PyTorch");
        for (Map.Entry<String, long[]> e : shape.tensors().entrySet()) {
            NDArray p = manager.create(weights.get(e.getKey()), new Shape(e.getValue()));
            p.setRequiresGradient(true);
            params.put(e.getKey(), p);
        }
    }

    Gpt2Shape shape() {
        return shape;
    }

    Map<String, NDArray> parameters() {
        return params;
    }

    NDManager manager() {
        return manager;
    }

    private NDArray p(String name) {
        return params.get(Gpt2Shape.PREFIX + name);
    }

    /** Logits [batch, seq, vocab] for int64 token ids [batch, seq] (ids on a scratch manager). */
    NDArray logits(NDArray ids) {
        long batch = ids.getShape().get(0);
        int seq = (int) ids.getShape().get(1);
        NDManager scratch = ids.getManager();
        NDArray x = Embedding.embedding(ids, p("wte.weight"), SparseFormat.DENSE).singletonOrThrow();
        NDArray positions = scratch.arange(0, seq, 1, DataType.INT64);
        x = x.add(Embedding.embedding(positions, p("wpe.weight"), SparseFormat.DENSE).singletonOrThrow());
        for (int l = 0; l < shape.nLayer(); l++) {
            String h = "h." + l + ".";
            NDArray a = layerNorm(x, p(h + "ln_1.weight"), p(h + "ln_1.bias"));
            x = x.add(attention(a, h, batch, seq));
            NDArray m = layerNorm(x, p(h + "ln_2.weight"), p(h + "ln_2.bias"));
            NDArray pre = m.matMul(p(h + "mlp.c_fc.weight")).add(p(h + "mlp.c_fc.bias"));
            x = x.add(geluNew(pre).matMul(p(h + "mlp.c_proj.weight")).add(p(h + "mlp.c_proj.bias")));
        }
        NDArray xf = layerNorm(x, p("ln_f.weight"), p("ln_f.bias"));
        // tied unembedding: x wte^T, as a linear map with weight wte [vocab, d_model]
        return Linear.linear(xf, p("wte.weight")).singletonOrThrow();
    }

    /** Mean next-token cross-entropy (nats) of logits for ids against int64 targets [batch, seq]. */
    NDArray loss(NDArray ids, NDArray targets) {
        NDArray logp = logits(ids).logSoftmax(-1);
        return logp.gather(targets.expandDims(-1), -1).mean().neg();
    }

    private NDArray attention(NDArray a, String h, long batch, int seq) {
        int heads = shape.nHead();
        int hd = shape.headDim();
        NDArray qkv = a.matMul(p(h + "attn.c_attn.weight")).add(p(h + "attn.c_attn.bias"));
        NDArray split = qkv.reshape(batch, seq, 3, heads, hd).transpose(2, 0, 3, 1, 4); // [3, batch, head, seq, hd]
        NDArray q = split.get(0).mul((float) (1.0 / Math.sqrt(hd)));
        NDArray k = split.get(1);
        NDArray v = split.get(2);
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).add(causalMask(seq));
        NDArray ctx = scores.softmax(-1).matMul(v); // [batch, head, seq, hd]
        NDArray merged = ctx.transpose(0, 2, 1, 3).reshape(batch, seq, shape.dModel());
        return merged.matMul(p(h + "attn.c_proj.weight")).add(p(h + "attn.c_proj.bias"));
    }

    private static NDArray layerNorm(NDArray x, NDArray w, NDArray b) {
        return LayerNorm.layerNorm(x, new Shape(w.getShape().get(0)), w, b, LN_EPS).singletonOrThrow();
    }

    /** transformers' NewGELUActivation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
    private static NDArray geluNew(NDArray x) {
        double c = Math.sqrt(2.0 / Math.PI);
        NDArray inner = x.mul(x).mul(x).mul(0.044715f).add(x).mul((float) c);
        return Activation.tanh(inner).add(1f).mul(x).mul(0.5f);
    }

    /** [seq, seq] additive mask, -inf above the diagonal (a constant: no gradient). */
    private NDArray causalMask(int seq) {
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
     * Zeroes every parameter's gradient. PyTorch accumulates gradients across backward passes, so this runs every
     * step. It is done here, per parameter, rather than with DJL's GradientCollector.zeroGradients(), which walks
     * every array of the process and leaves two gradient handles per parameter on the parameter's manager per call.
     * {@code g - g} keeps a NaN or an infinity; after a non-finite step use {@link #clearGradients}.
     */
    void zeroGradients() {
        forEachGradient(g -> g.subi(g));
    }

    /**
     * Writes 0 into every gradient, clearing NaN and infinity too (an indexed fill, which PyTorch copies; not
     * {@code NDArray.set(Buffer)}, which makes the tensor share a buffer that is freed once the handle is closed).
     * Its scalar stays on the parameters' manager, so it is for the rare non-finite step only.
     */
    void clearGradients() {
        forEachGradient(g -> g.set(new ai.djl.ndarray.index.NDIndex("..."), 0f));
    }

    /** Runs {@code op} in place on each parameter's gradient, through a handle closed right after. */
    private void forEachGradient(java.util.function.Consumer<NDArray> op) {
        for (NDArray p : params.values()) {
            if (p.hasGradient()) {
                try (NDArray g = p.getGradient()) {
                    op.accept(g);
                }
            }
        }
    }

    /** Whether every parameter is finite (checked only when a step went wrong: it reads every parameter). */
    boolean parametersFinite() {
        for (NDArray p : params.values()) {
            for (float v : p.toFloatArray()) {
                if (!Float.isFinite(v)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The parameters as float32 arrays, in checkpoint layout. */
    Map<String, float[]> weights() {
        Map<String, float[]> w = new LinkedHashMap<>();
        params.forEach((k, v) -> w.put(k, v.toFloatArray()));
        return w;
    }

    @Override
    public void close() {
        manager.close();
    }
}
