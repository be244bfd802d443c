package org.uneurons.models;

import java.nio.ByteOrder;
import java.util.EnumSet;
import java.util.Set;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;

/**
 * The hooked values of one forward pass, as NDArrays owned by this result (on the model's device). Close it
 * to free them; read them with {@link NDArray#toFloatArray()} first if they must outlive it.
 */
public final class ForwardResult implements AutoCloseable {
    private final NDManager manager;
    private final Set<Hook> hooks;
    private final NDArray[] mlpPre;
    private final NDArray[] mlpPost;
    private final NDArray[] hidden;
    private final NDArray[] attnBos;
    private final NDArray[] headZNorm;
    private final NDArray[] attnK;
    private final NDArray[] attnV;
    private NDArray lnFinalScale;
    private NDArray residFinal;
    private NDArray logits;

    ForwardResult(NDManager manager, Set<Hook> hooks, int nLayers) {
        this.manager = manager;
        this.hooks = hooks.isEmpty() ? EnumSet.noneOf(Hook.class) : EnumSet.copyOf(hooks);
        this.mlpPre = new NDArray[nLayers];
        this.mlpPost = new NDArray[nLayers];
        this.hidden = new NDArray[nLayers + 1];
        this.attnBos = new NDArray[nLayers];
        this.headZNorm = new NDArray[nLayers];
        this.attnK = new NDArray[nLayers];
        this.attnV = new NDArray[nLayers];
    }

    /** Takes ownership of {@code a} (moves it out of the forward pass's scratch scope). */
    private NDArray keep(NDArray a) {
        a.attach(manager);
        return a;
    }

    void mlpPre(int layer, NDArray a) {
        mlpPre[layer] = keep(a);
    }

    void mlpPost(int layer, NDArray a) {
        mlpPost[layer] = keep(a);
    }

    void hidden(int k, NDArray a) {
        hidden[k] = keep(a);
    }

    void attnBos(int layer, NDArray a) {
        attnBos[layer] = keep(a);
    }

    void headZNorm(int layer, NDArray a) {
        headZNorm[layer] = keep(a);
    }

    void attnK(int layer, NDArray a) {
        attnK[layer] = keep(a);
    }

    void attnV(int layer, NDArray a) {
        attnV[layer] = keep(a);
    }

    void residFinal(NDArray a) {
        residFinal = keep(a);
    }

    void lnFinalScale(NDArray a) {
        lnFinalScale = keep(a);
    }

    void logits(NDArray a) {
        logits = keep(a);
    }

    public NDArray mlpPre(int layer) {
        return require(Hook.MLP_PRE, mlpPre[layer]);
    }

    public NDArray mlpPost(int layer) {
        return require(Hook.MLP_POST, mlpPost[layer]);
    }

    /** Hidden state k in 0..n_layers (see {@link Hook#HIDDEN}). */
    public NDArray hidden(int k) {
        return require(Hook.HIDDEN, hidden[k]);
    }

    /** Layer's attention probability on key position 0 per head [batch, head, seq] (see {@link Hook#ATTN_BOS}). */
    public NDArray attnBos(int layer) {
        return require(Hook.ATTN_BOS, attnBos[layer]);
    }

    /** Layer's per-head output norm before W_O [batch, head, seq] (see {@link Hook#HEAD_Z_NORM}). */
    public NDArray headZNorm(int layer) {
        return require(Hook.HEAD_Z_NORM, headZNorm[layer]);
    }

    /** Layer's keys [batch * head, seq, d_head]. */
    public NDArray attnK(int layer) {
        return require(Hook.ATTN_K, attnK[layer]);
    }

    /** Layer's values [batch * head, seq, d_head]. */
    public NDArray attnV(int layer) {
        return require(Hook.ATTN_V, attnV[layer]);
    }

    /** The residual stream entering the final LayerNorm [batch, seq, d_model]. */
    public NDArray residFinal() {
        return require(Hook.RESID_FINAL, residFinal);
    }

    /** sqrt(var + eps) of the residual entering the final LayerNorm, per token [batch, seq] (ln_final.hook_scale). */
    public NDArray lnFinalScale() {
        return require(Hook.LN_FINAL_SCALE, lnFinalScale);
    }

    public NDArray logits() {
        return require(Hook.LOGITS, logits);
    }

    private NDArray require(Hook h, NDArray a) {
        if (!hooks.contains(h)) {
            throw new IllegalStateException("hook " + h.lowerName() + " was not requested for this forward pass");
        }
        return a;
    }

    /**
     * The values of a hooked array as a new float[] (row-major); see {@link #floats(NDArray, float[])}, which
     * avoids allocating a large array per call.
     */
    public static float[] floats(NDArray a) {
        float[] out = new float[Math.toIntExact(a.size())];
        floats(a, out);
        return out;
    }

    /**
     * Copies the values of a hooked array (row-major) into the start of {@code dst} and returns their count.
     * Float32 PyTorch arrays are copied straight from the tensor's memory (made contiguous and moved to the CPU
     * first if needed); NDArray.toFloatArray() goes through an intermediate buffer and a fresh array, which was
     * measured 10 to 60 times slower for [1024, 3072] activations. Reuse {@code dst} across batches.
     */
    public static int floats(NDArray a, float[] dst) {
        int n = Math.toIntExact(a.size());
        if (dst.length < n) {
            throw new IllegalArgumentException("destination holds " + dst.length + " floats, the array has " + n);
        }
        if (a instanceof PtNDArray pt && a.getDataType() == DataType.FLOAT32) {
            pt.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer().get(dst, 0, n);
        } else {
            System.arraycopy(a.toFloatArray(), 0, dst, 0, n);
        }
        return n;
    }

    @Override
    public void close() {
        manager.close();
    }
}
