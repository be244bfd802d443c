package org.uneurons.models;

/**
 * A model's weights in TransformerLens' layout and float64, after {@link WeightProcessing}. Flat row-major arrays:
 * W_E [vocab, d_model]; W_pos [n_ctx, d_model] (null for rotary models); per layer W_Q, W_K, W_V
 * [n_heads, d_model, d_head], b_Q, b_K, b_V [n_heads, d_head], W_O [n_heads, d_head, d_model], b_O [d_model],
 * W_in [d_model, d_mlp], b_in [d_mlp], W_out [d_mlp, d_model], b_out [d_model]; W_U [d_model, vocab], b_U [vocab].
 * After processing the LayerNorms have no scale or bias of their own (they were folded into the next weights).
 */
public final class ProcessedWeights {
    public final int nLayers;
    public final int dModel;
    public final int nHeads;
    public final int dHead;
    public final int dMlp;
    public final int vocab;
    public final int nCtx;

    public double[] wE;
    public double[] wPos;
    public final double[][] wQ, wK, wV, bQ, bK, bV, wO, bO, wIn, bIn, wOut, bOut;
    public double[] wU;
    public double[] bU;
    /** LayerNorm scale and bias per layer, [nLayers][d_model]; null once folded. */
    public double[][] ln1w, ln1b, ln2w, ln2b;
    public double[] lnFw, lnFb;

    ProcessedWeights(int nLayers, int dModel, int nHeads, int dMlp, int vocab, int nCtx) {
        this.nLayers = nLayers;
        this.dModel = dModel;
        this.nHeads = nHeads;
        this.dHead = dModel / nHeads;
        this.dMlp = dMlp;
        this.vocab = vocab;
        this.nCtx = nCtx;
        wQ = new double[nLayers][];
        wK = new double[nLayers][];
        wV = new double[nLayers][];
        bQ = new double[nLayers][];
        bK = new double[nLayers][];
        bV = new double[nLayers][];
        wO = new double[nLayers][];
        bO = new double[nLayers][];
        wIn = new double[nLayers][];
        bIn = new double[nLayers][];
        wOut = new double[nLayers][];
        bOut = new double[nLayers][];
        ln1w = new double[nLayers][];
        ln1b = new double[nLayers][];
        ln2w = new double[nLayers][];
        ln2b = new double[nLayers][];
    }

    public boolean folded() {
        return lnFw == null;
    }
}
