package org.uneurons.models;

import org.uneurons.formats.Architecture;
import org.uneurons.formats.ModelConfig;
import org.uneurons.formats.WeightLayout;
import org.uneurons.formats.WeightSource;

/**
 * TransformerLens' weight processing at its from_pretrained defaults (METHOD 1.1), on GPT-2 and GPT-NeoX
 * checkpoints, in float64. First the Hugging Face tensors are converted to TransformerLens' layout (as its
 * convert_gpt2_weights / convert_neox_weights do), then, in TransformerLens' order:
 * <ol>
 * <li>fold_ln: each LayerNorm's bias goes into the biases of the weights that read it (b += W^T ln.b) and its
 * scale into their rows (W *= ln.w); those reading weights (W_Q, W_K, W_V, W_in, W_U) are then centred over
 * d_model, since LayerNorm's output has zero mean;</li>
 * <li>center_writing_weights: W_E, W_pos, W_O, b_O, W_out, b_out lose their mean over d_model (every reader of the
 * residual stream removes the mean anyway);</li>
 * <li>center_unembed: W_U and b_U lose their mean over the vocabulary (softmax does not see a constant shift, so
 * logits change by a per-position constant and log-probabilities not at all);</li>
 * <li>fold_value_biases: b_O += sum over heads of b_V W_O, and b_V = 0.</li>
 * </ol>
 * The processed model computes the same log-probabilities, and the same MLP activations, as the original.
 */
public final class WeightProcessing {
    private WeightProcessing() {
    }

    /** The checkpoint's weights converted to TransformerLens' layout, LayerNorms still separate. */
    public static ProcessedWeights convert(ModelConfig cfg, WeightSource src) {
        WeightLayout layout = WeightLayout.resolve(cfg, src);
        int d = cfg.dModel, m = cfg.dMlp, v = cfg.vocabSize;
        boolean gpt2 = cfg.architecture == Architecture.GPT2;
        ProcessedWeights w = new ProcessedWeights(cfg.nLayers, d, cfg.nHeads, m, v, cfg.nCtx);
        w.wE = t(src, layout, "embed");
        w.wPos = gpt2 ? t(src, layout, "pos_embed") : null;
        for (int l = 0; l < cfg.nLayers; l++) {
            String b = "blocks." + l + ".";
            w.ln1w[l] = t(src, layout, b + "ln1.w");
            w.ln1b[l] = t(src, layout, b + "ln1.b");
            w.ln2w[l] = t(src, layout, b + "ln2.w");
            w.ln2b[l] = t(src, layout, b + "ln2.b");
            convertAttention(cfg, src, layout, w, l);
            double[] in = t(src, layout, b + "mlp.in.w");
            double[] out = t(src, layout, b + "mlp.out.w");
            w.wIn[l] = gpt2 ? in : transpose(in, m, d);     // NeoX stores [d_mlp, d_model]
            w.wOut[l] = gpt2 ? out : transpose(out, d, m);  // NeoX stores [d_model, d_mlp]
            w.bIn[l] = t(src, layout, b + "mlp.in.b");
            w.bOut[l] = t(src, layout, b + "mlp.out.b");
        }
        w.lnFw = t(src, layout, "ln_f.w");
        w.lnFb = t(src, layout, "ln_f.b");
        double[] u = cfg.tiedUnembed ? w.wE : t(src, layout, "unembed"); // [vocab, d]
        w.wU = transpose(u, v, d);
        w.bU = new double[v];
        return w;
    }

    /** Layer l's attention: W_Q, W_K, W_V [head, d_model, d_head] and biases, W_O [head, d_head, d_model], b_O. */
    private static void convertAttention(ModelConfig cfg, WeightSource src, WeightLayout layout, ProcessedWeights w, int l) {
        int d = cfg.dModel, h = cfg.nHeads, hd = cfg.headDim();
        boolean gpt2 = cfg.architecture == Architecture.GPT2;
        String b = "blocks." + l + ".";
        double[] qkv = t(src, layout, b + "attn.qkv.w");
        double[] qkvB = layout.has(b + "attn.qkv.b") ? t(src, layout, b + "attn.qkv.b") : new double[3 * d];
        double[][] W = {new double[h * d * hd], new double[h * d * hd], new double[h * d * hd]};
        double[][] B = {new double[h * hd], new double[h * hd], new double[h * hd]};
        for (int which = 0; which < 3; which++) {
            for (int i = 0; i < h; i++) {
                for (int e = 0; e < hd; e++) {
                    // GPT-2 Conv1D [d, 3d] columns q|k|v, each (head, d_head); NeoX Linear [3d, d] rows (head, qkv, d_head)
                    int col = gpt2 ? which * d + i * hd + e : i * 3 * hd + which * hd + e;
                    B[which][i * hd + e] = qkvB[col];
                    for (int mm = 0; mm < d; mm++) {
                        W[which][(i * d + mm) * hd + e] = gpt2 ? qkv[mm * 3 * d + col] : qkv[col * d + mm];
                    }
                }
            }
        }
        w.wQ[l] = W[0];
        w.wK[l] = W[1];
        w.wV[l] = W[2];
        w.bQ[l] = B[0];
        w.bK[l] = B[1];
        w.bV[l] = B[2];
        double[] o = t(src, layout, b + "attn.out.w");
        double[] wO = new double[h * hd * d];
        for (int i = 0; i < h; i++) {
            for (int e = 0; e < hd; e++) {
                for (int mm = 0; mm < d; mm++) {
                    // GPT-2 Conv1D [(head d_head), d]; NeoX Linear [d, (head d_head)]
                    wO[(i * hd + e) * d + mm] = gpt2 ? o[(i * hd + e) * d + mm] : o[mm * d + i * hd + e];
                }
            }
        }
        w.wO[l] = wO;
        w.bO[l] = layout.has(b + "attn.out.b") ? t(src, layout, b + "attn.out.b") : new double[d];
    }

    /** Converts and applies fold_ln, center_writing_weights, center_unembed and fold_value_biases. */
    public static ProcessedWeights process(ModelConfig cfg, WeightSource src) {
        ProcessedWeights w = convert(cfg, src);
        foldLayerNorm(w);
        centerWritingWeights(w);
        centerUnembed(w);
        foldValueBiases(w);
        return w;
    }

    static void foldLayerNorm(ProcessedWeights w) {
        int d = w.dModel, hd = w.dHead, m = w.dMlp;
        for (int l = 0; l < w.nLayers; l++) {
            for (double[][] pair : new double[][][] {{w.wQ[l], w.bQ[l]}, {w.wK[l], w.bK[l]}, {w.wV[l], w.bV[l]}}) {
                double[] W = pair[0], B = pair[1];
                for (int i = 0; i < w.nHeads; i++) {
                    fold(W, B, i * d * hd, i * hd, d, hd, w.ln1w[l], w.ln1b[l]);
                }
            }
            fold(w.wIn[l], w.bIn[l], 0, 0, d, m, w.ln2w[l], w.ln2b[l]);
            w.ln1w[l] = w.ln1b[l] = w.ln2w[l] = w.ln2b[l] = null;
        }
        fold(w.wU, w.bU, 0, 0, d, w.vocab, w.lnFw, w.lnFb);
        w.lnFw = w.lnFb = null;
    }

    /**
     * One reading matrix W [d_model, cols] (at {@code wOff}) with its bias (at {@code bOff}): b += W^T ln_b, then
     * W *= ln_w per row, then each column loses its mean over d_model.
     */
    private static void fold(double[] W, double[] B, int wOff, int bOff, int d, int cols, double[] lnW, double[] lnB) {
        for (int r = 0; r < d; r++) {
            int row = wOff + r * cols;
            for (int c = 0; c < cols; c++) {
                B[bOff + c] += W[row + c] * lnB[r];
            }
        }
        double[] colMean = new double[cols];
        for (int r = 0; r < d; r++) {
            int row = wOff + r * cols;
            for (int c = 0; c < cols; c++) {
                W[row + c] *= lnW[r];
                colMean[c] += W[row + c];
            }
        }
        for (int c = 0; c < cols; c++) {
            colMean[c] /= d;
        }
        for (int r = 0; r < d; r++) {
            int row = wOff + r * cols;
            for (int c = 0; c < cols; c++) {
                W[row + c] -= colMean[c];
            }
        }
    }

    static void centerWritingWeights(ProcessedWeights w) {
        int d = w.dModel;
        centerRows(w.wE, d);
        if (w.wPos != null) {
            centerRows(w.wPos, d);
        }
        for (int l = 0; l < w.nLayers; l++) {
            centerRows(w.wO[l], d);
            centerRows(w.bO[l], d);
            centerRows(w.wOut[l], d);
            centerRows(w.bOut[l], d);
        }
    }

    static void centerUnembed(ProcessedWeights w) {
        centerRows(w.wU, w.vocab);
        centerRows(w.bU, w.vocab);
    }

    static void foldValueBiases(ProcessedWeights w) {
        int d = w.dModel, hd = w.dHead;
        for (int l = 0; l < w.nLayers; l++) {
            double[] bV = w.bV[l], wO = w.wO[l], bO = w.bO[l];
            for (int ie = 0; ie < w.nHeads * hd; ie++) {
                double b = bV[ie];
                for (int mm = 0; mm < d; mm++) {
                    bO[mm] += b * wO[ie * d + mm];
                }
            }
            java.util.Arrays.fill(bV, 0);
        }
    }

    /** Subtracts from each row of a [rows, cols] matrix its mean. */
    static void centerRows(double[] x, int cols) {
        for (int at = 0; at < x.length; at += cols) {
            double s = 0;
            for (int c = 0; c < cols; c++) {
                s += x[at + c];
            }
            double mean = s / cols;
            for (int c = 0; c < cols; c++) {
                x[at + c] -= mean;
            }
        }
    }

    static double[] transpose(double[] x, int rows, int cols) {
        double[] t = new double[x.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = x[r * cols + c];
            }
        }
        return t;
    }

    private static double[] t(WeightSource src, WeightLayout layout, String canonical) {
        float[] f = src.floats(layout.get(canonical).stored());
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
