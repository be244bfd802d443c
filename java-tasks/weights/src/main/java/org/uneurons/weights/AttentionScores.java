package org.uneurons.weights;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.apache.commons.math3.special.Erf;
import org.uneurons.core.stats.Gemm;
import org.uneurons.formats.MlpActivation;
import org.uneurons.formats.ModelConfig;
import org.uneurons.models.ProcessedWeights;

/**
 * Attention-deactivation scores (METHOD 7.3): for every neuron n and every head h in a later layer,
 * s(n, h) = (w_out,n / |w_out,n|) . W_Q^h k_BOS^h / sqrt(d_head), with k_BOS^h head h's key at position 0 of the
 * one-token input BOS, on processed weights in float64. A positive s means the neuron, when active, raises the head's
 * attention score on BOS (switches the head towards its "off" state). The baseline replaces w_out by random unit
 * vectors.
 */
final class AttentionScores {
    private AttentionScores() {
    }

    /** Scores [n_layers * d_mlp][n_layers * n_heads] (NaN where the head's layer is not after the neuron's), keys, baseline. */
    record Result(float[][] scores, float[][] random, double[][][] kBos, int[] bestLayer, int[] bestHead, double[] bestScore,
                  double[] ratio, boolean[] candidate) {
    }

    static Result compute(ProcessedWeights w, ModelConfig cfg, int bosId, int nRandom, long seed, Gemm gemm) {
        int nl = w.nLayers, nh = w.nHeads, d = w.dModel, m = w.dMlp;
        double[][][] kBos = bosKeys(w, cfg, bosId);
        double[][] qDir = queryDirections(w, kBos); // [layer * n_heads][d_model], already / sqrt(d_head)
        float[][] scores = new float[nl * m][nl * nh];
        for (int l = 0; l < nl; l++) {
            int first = (l + 1) * nh; // the first head after layer l
            double[][] later = Arrays.copyOfRange(qDir, first, nl * nh);
            // one product per neuron layer, [d_mlp, d_model] x [d_model, later heads], on the heads that count
            double[][] s = later.length == 0 ? new double[m][0] : gemm.multiplyABt(unitRows(w.wOut[l], m, d), later);
            for (int j = 0; j < m; j++) {
                float[] row = scores[l * m + j];
                Arrays.fill(row, 0, first, Float.NaN);
                for (int k = first; k < nl * nh; k++) {
                    row[k] = (float) s[j][k - first];
                }
            }
        }
        // the baseline: Gaussian directions normalised to unit length, the same for every head
        SplittableRandom rnd = new SplittableRandom(seed);
        double[][] v = new double[nRandom][d];
        for (double[] row : v) {
            for (int i = 0; i < d; i++) {
                row[i] = gaussian(rnd);
            }
            normalise(row);
        }
        double[][] rs = gemm.multiplyABt(v, qDir);
        float[][] random = new float[nRandom][nl * nh];
        double[] maxRandom = new double[nl * nh];
        for (int r = 0; r < nRandom; r++) {
            for (int k = 0; k < nl * nh; k++) {
                random[r][k] = (float) rs[r][k];
                maxRandom[k] = Math.max(maxRandom[k], Math.abs(random[r][k]));
            }
        }
        return best(scores, random, kBos, maxRandom, nl, nh, m);
    }

    /** Per neuron the later head with the largest |s|, its ratio to that head's largest random |s|, the candidate rule. */
    private static Result best(float[][] scores, float[][] random, double[][][] kBos, double[] maxRandom, int nl, int nh,
                               int m) {
        int n = scores.length;
        int[] bestLayer = new int[n], bestHead = new int[n];
        double[] bestScore = new double[n], ratio = new double[n];
        boolean[] candidate = new boolean[n];
        for (int i = 0; i < n; i++) {
            int l = i / m;
            bestLayer[i] = -1;
            bestHead[i] = -1;
            bestScore[i] = Double.NaN;
            ratio[i] = Double.NaN;
            double best = -1;
            for (int k = (l + 1) * nh; k < nl * nh; k++) {
                // |s| in float64 from the stored float32: the same value the file holds decides
                if (Math.abs(scores[i][k]) > best) {
                    best = Math.abs(scores[i][k]);
                    bestLayer[i] = k / nh;
                    bestHead[i] = k % nh;
                    bestScore[i] = scores[i][k];
                    ratio[i] = best == 0 ? 0 : best / maxRandom[k]; // 0 / 0 (a zero w_out or W_Q) is no evidence: 0
                }
            }
            candidate[i] = bestHead[i] >= 0 && bestScore[i] > 0 && ratio[i] > 1;
        }
        return new Result(scores, random, kBos, bestLayer, bestHead, bestScore, ratio, candidate);
    }

    /** W_Q^h k_BOS^h / sqrt(d_head) per (layer, head): the residual direction a query needs to score BOS. */
    static double[][] queryDirections(ProcessedWeights w, double[][][] kBos) {
        int d = w.dModel, hd = w.dHead, nh = w.nHeads;
        double[][] q = new double[w.nLayers * nh][d];
        double scale = 1 / Math.sqrt(hd);
        for (int l = 0; l < w.nLayers; l++) {
            for (int h = 0; h < nh; h++) {
                double[] out = q[l * nh + h];
                for (int r = 0; r < d; r++) {
                    double s = 0;
                    for (int c = 0; c < hd; c++) {
                        s += w.wQ[l][(h * d + r) * hd + c] * kBos[l][h][c];
                    }
                    out[r] = s * scale;
                }
            }
        }
        return q;
    }

    /**
     * Each head's key [layer][head][d_head] at position 0 of the one-token input {@code bosId}: the processed model
     * run on one token, where every head attends to that token alone (its output is its value), the LayerNorms
     * reduced to normalisation (their scale and bias are folded into the weights that read them) and rotary
     * embeddings the identity (position 0).
     */
    static double[][][] bosKeys(ProcessedWeights w, ModelConfig cfg, int bosId) {
        int d = w.dModel, hd = w.dHead, nh = w.nHeads, m = w.dMlp;
        double eps = cfg.layerNormEps;
        double[] x = new double[d];
        for (int i = 0; i < d; i++) {
            x[i] = w.wE[bosId * d + i] + (w.wPos == null ? 0 : w.wPos[i]);
        }
        double[][][] keys = new double[w.nLayers][nh][hd];
        for (int l = 0; l < w.nLayers; l++) {
            double[] a = layerNorm(x, eps);
            double[] attn = w.bO[l].clone();
            for (int h = 0; h < nh; h++) {
                double[] v = new double[hd];
                for (int c = 0; c < hd; c++) {
                    double k = w.bK[l][h * hd + c], vv = w.bV[l][h * hd + c];
                    for (int r = 0; r < d; r++) {
                        k += a[r] * w.wK[l][(h * d + r) * hd + c];
                        vv += a[r] * w.wV[l][(h * d + r) * hd + c];
                    }
                    keys[l][h][c] = k;
                    v[c] = vv;
                }
                for (int c = 0; c < hd; c++) {
                    for (int r = 0; r < d; r++) {
                        attn[r] += v[c] * w.wO[l][(h * hd + c) * d + r];
                    }
                }
            }
            double[] next = x.clone();
            for (int r = 0; r < d; r++) {
                next[r] += attn[r];
            }
            double[] b = layerNorm(cfg.parallelResidual ? x : next, eps);
            double[] mlp = w.bOut[l].clone();
            for (int j = 0; j < m; j++) {
                double pre = w.bIn[l][j];
                for (int r = 0; r < d; r++) {
                    pre += b[r] * w.wIn[l][r * m + j];
                }
                double post = gelu(pre, cfg.activation);
                for (int r = 0; r < d; r++) {
                    mlp[r] += post * w.wOut[l][j * d + r];
                }
            }
            for (int r = 0; r < d; r++) {
                next[r] += mlp[r];
            }
            x = next;
        }
        return keys;
    }

    static double gelu(double x, MlpActivation act) {
        if (act == MlpActivation.GELU_TANH) {
            return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
        }
        return 0.5 * x * (1 + Erf.erf(x / Math.sqrt(2)));
    }

    private static double[] layerNorm(double[] x, double eps) {
        int d = x.length;
        double mean = 0;
        for (double v : x) {
            mean += v;
        }
        mean /= d;
        double var = 0;
        for (double v : x) {
            var += (v - mean) * (v - mean);
        }
        var /= d;
        double inv = 1 / Math.sqrt(var + eps);
        double[] y = new double[d];
        for (int i = 0; i < d; i++) {
            y[i] = (x[i] - mean) * inv;
        }
        return y;
    }

    /** The rows of W_out [d_mlp, d_model] scaled to unit length (a zero row stays zero). */
    private static double[][] unitRows(double[] wOut, int m, int d) {
        double[][] u = new double[m][];
        for (int j = 0; j < m; j++) {
            u[j] = Arrays.copyOfRange(wOut, j * d, (j + 1) * d);
            normalise(u[j]);
        }
        return u;
    }

    private static void normalise(double[] u) {
        double norm = 0;
        for (double x : u) {
            norm += x * x;
        }
        norm = Math.sqrt(norm);
        for (int r = 0; r < u.length; r++) {
            u[r] = norm == 0 ? 0 : u[r] / norm;
        }
    }

    /** A standard normal draw (Box-Muller; SplittableRandom has no nextGaussian in Java 17). */
    private static double gaussian(SplittableRandom r) {
        double u = 1 - r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
    }
}
