package org.uneurons.models;

import java.util.LinkedHashMap;
import java.util.Map;

import org.uneurons.core.stats.CentralMoments;
import org.uneurons.core.stats.Gemm;

/**
 * Weight statistics per neuron on processed weights (METHOD 5.1) and its vocabulary composition (METHOD 5.2),
 * used by stats-final (neuron-table columns) and weights (functional roles).
 * Neurons flat, layer-major.
 */
public final class WeightStats {
    private WeightStats() {
    }

    /** w_in_norm, w_out_norm, input_bias (processed b_in, with the folded LayerNorm bias), in_out_sim, l2_penalty. */
    public static Map<String, double[]> weights(ProcessedWeights w) {
        int m = w.dMlp, d = w.dModel, n = w.nLayers * m;
        double[] inNorm = new double[n], outNorm = new double[n], bias = new double[n], sim = new double[n], l2 = new double[n];
        for (int l = 0; l < w.nLayers; l++) {
            double[] wIn = w.wIn[l], wOut = w.wOut[l];
            for (int j = 0; j < m; j++) {
                double ii = 0, oo = 0, io = 0;
                for (int r = 0; r < d; r++) {
                    double a = wIn[r * m + j];      // column j of W_in [d_model, d_mlp]
                    double b = wOut[j * d + r];     // row j of W_out [d_mlp, d_model]
                    ii += a * a;
                    oo += b * b;
                    io += a * b;
                }
                int i = l * m + j;
                inNorm[i] = Math.sqrt(ii);
                outNorm[i] = Math.sqrt(oo);
                bias[i] = w.bIn[l][j];
                sim[i] = ii > 0 && oo > 0 ? io / Math.sqrt(ii * oo) : 0;
                l2[i] = ii + oo;
            }
        }
        Map<String, double[]> c = new LinkedHashMap<>();
        c.put("w_in_norm", inNorm);
        c.put("w_out_norm", outNorm);
        c.put("input_bias", bias);
        c.put("in_out_sim", sim);
        c.put("l2_penalty", l2);
        return c;
    }

    /**
     * vocab_mean, vocab_var, vocab_skew, vocab_kurt: population moments (kurtosis non-excess) over the vocabulary
     * of cos(W_out[n], W_U[:, v]). The products run on {@code gemm}, a block of the vocabulary at a time; a
     * zero vector has cosine 0 with everything.
     */
    public static Map<String, double[]> vocab(ProcessedWeights w, Gemm gemm, int vocabBlock) {
        return vocab(w, gemm, vocabBlock, null);
    }

    /** As {@link #vocab(ProcessedWeights, Gemm, int)}, also offering every product to {@code tokens} (or null). */
    public static Map<String, double[]> vocab(ProcessedWeights w, Gemm gemm, int vocabBlock, VocabTokens tokens) {
        int m = w.dMlp, d = w.dModel, V = w.vocab, n = w.nLayers * m;
        // unit rows of W_U^T: [vocab, d_model], and their norms for the raw products of VocabTokens
        double[][] u = new double[V][d];
        double[] uNorm = new double[V];
        for (int v = 0; v < V; v++) {
            double s = 0;
            for (int r = 0; r < d; r++) {
                double x = w.wU[r * V + v];
                u[v][r] = x;
                s += x * x;
            }
            uNorm[v] = Math.sqrt(s);
            double inv = s > 0 ? 1 / Math.sqrt(s) : 0;
            for (int r = 0; r < d; r++) {
                u[v][r] *= inv;
            }
        }
        double[] mean = new double[n], var = new double[n], skew = new double[n], kurt = new double[n];
        for (int l = 0; l < w.nLayers; l++) {
            double[][] out = new double[m][d];
            double[] outNorm = new double[m];
            for (int j = 0; j < m; j++) {
                double s = 0;
                for (int r = 0; r < d; r++) {
                    double x = w.wOut[l][j * d + r];
                    out[j][r] = x;
                    s += x * x;
                }
                outNorm[j] = Math.sqrt(s);
                double inv = s > 0 ? 1 / Math.sqrt(s) : 0;
                for (int r = 0; r < d; r++) {
                    out[j][r] *= inv;
                }
            }
            CentralMoments cm = new CentralMoments(m);
            for (int from = 0; from < V; from += vocabBlock) {
                int to = Math.min(V, from + vocabBlock);
                double[][] block = java.util.Arrays.copyOfRange(u, from, to);
                double[][] cos = gemm.multiplyABt(out, block); // [d_mlp, block]: cosines
                cm.addColumns(cos);
                if (tokens != null) {
                    tokens.add(l * m, from, cos, outNorm, uNorm);
                }
            }
            for (int j = 0; j < m; j++) {
                int i = l * m + j;
                mean[i] = cm.mean()[j];
                var[i] = cm.variance(j);
                skew[i] = cm.skew(j);
                kurt[i] = cm.kurtosis(j);
            }
        }
        Map<String, double[]> c = new LinkedHashMap<>();
        c.put("vocab_mean", mean);
        c.put("vocab_var", var);
        c.put("vocab_skew", skew);
        c.put("vocab_kurt", kurt);
        return c;
    }
}
