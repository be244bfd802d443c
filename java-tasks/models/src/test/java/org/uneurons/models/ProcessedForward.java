package org.uneurons.models;

import org.uneurons.formats.MlpActivation;
import org.uneurons.formats.ModelConfig;

/**
 * A plain float64 forward pass of a model from its PROCESSED weights, as TransformerLens runs it after
 * from_pretrained's processing: every LayerNorm is LNPre (centre and normalise, no scale or bias of its own),
 * attention and MLP read the folded, centred weights. GPT-2 (learned positions, sequential residual) and GPT-NeoX
 * (rotary on the first rotary_dim dims of each head, parallel or sequential residual). One sequence at a time.
 */
public final class ProcessedForward {
    final double[][][] mlpPre;
    final double[][][] mlpPost;
    final double[][] logits;

    ProcessedForward(ModelConfig cfg, ProcessedWeights w, int[] ids) {
        int n = ids.length, d = w.dModel;
        mlpPre = new double[w.nLayers][][];
        mlpPost = new double[w.nLayers][][];
        double[][] x = new double[n][d];
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < d; j++) {
                x[t][j] = w.wE[ids[t] * d + j] + (w.wPos != null ? w.wPos[t * d + j] : 0);
            }
        }
        for (int l = 0; l < w.nLayers; l++) {
            double[][] attn = attention(cfg, w, l, lnPre(x, cfg.layerNormEps));
            double[][] resid = add(x, attn);
            double[][] mlpIn = lnPre(cfg.parallelResidual ? x : resid, cfg.layerNormEps);
            double[][] pre = new double[n][w.dMlp];
            double[][] post = new double[n][w.dMlp];
            double[][] mlpOut = new double[n][d];
            for (int t = 0; t < n; t++) {
                for (int j = 0; j < w.dMlp; j++) {
                    double s = w.bIn[l][j];
                    for (int r = 0; r < d; r++) {
                        s += mlpIn[t][r] * w.wIn[l][r * w.dMlp + j];
                    }
                    pre[t][j] = s;
                    post[t][j] = cfg.activation == MlpActivation.GELU_TANH ? geluTanh(s) : geluErf(s);
                }
                for (int r = 0; r < d; r++) {
                    double s = w.bOut[l][r];
                    for (int j = 0; j < w.dMlp; j++) {
                        s += post[t][j] * w.wOut[l][j * d + r];
                    }
                    mlpOut[t][r] = s;
                }
            }
            mlpPre[l] = pre;
            mlpPost[l] = post;
            x = add(resid, mlpOut);
        }
        double[][] f = lnPre(x, cfg.layerNormEps);
        logits = new double[n][w.vocab];
        for (int t = 0; t < n; t++) {
            for (int v = 0; v < w.vocab; v++) {
                double s = w.bU[v];
                for (int r = 0; r < d; r++) {
                    s += f[t][r] * w.wU[r * w.vocab + v];
                }
                logits[t][v] = s;
            }
        }
    }

    private static double[][] attention(ModelConfig cfg, ProcessedWeights w, int l, double[][] x) {
        int n = x.length, d = w.dModel, hd = w.dHead;
        double[][] out = new double[n][d];
        for (int t = 0; t < n; t++) {
            System.arraycopy(w.bO[l], 0, out[t], 0, d);
        }
        double scale = cfg.scaleAttnWeights || cfg.architecture == org.uneurons.formats.Architecture.GPT_NEOX ? 1 / Math.sqrt(hd) : 1;
        if (cfg.scaleAttnByInverseLayerIdx) {
            scale /= l + 1;
        }
        for (int i = 0; i < w.nHeads; i++) {
            double[][] q = project(x, w.wQ[l], w.bQ[l], i, d, hd);
            double[][] k = project(x, w.wK[l], w.bK[l], i, d, hd);
            double[][] v = project(x, w.wV[l], w.bV[l], i, d, hd);
            if (cfg.rotaryDim > 0) {
                for (int t = 0; t < n; t++) {
                    q[t] = rope(q[t], t, cfg.rotaryDim, cfg.rotaryBase);
                    k[t] = rope(k[t], t, cfg.rotaryDim, cfg.rotaryBase);
                }
            }
            for (int t = 0; t < n; t++) {
                double[] s = new double[t + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int u = 0; u <= t; u++) {
                    double dot = 0;
                    for (int e = 0; e < hd; e++) {
                        dot += q[t][e] * k[u][e];
                    }
                    s[u] = dot * scale;
                    max = Math.max(max, s[u]);
                }
                double z = 0;
                for (int u = 0; u <= t; u++) {
                    s[u] = Math.exp(s[u] - max);
                    z += s[u];
                }
                double[] zt = new double[hd];
                for (int u = 0; u <= t; u++) {
                    for (int e = 0; e < hd; e++) {
                        zt[e] += s[u] / z * v[u][e];
                    }
                }
                for (int e = 0; e < hd; e++) {
                    int row = (i * hd + e) * d;
                    for (int m = 0; m < d; m++) {
                        out[t][m] += zt[e] * w.wO[l][row + m];
                    }
                }
            }
        }
        return out;
    }

    /** x W[i] + b[i] with W [n_heads, d_model, d_head], b [n_heads, d_head]. */
    private static double[][] project(double[][] x, double[] W, double[] b, int i, int d, int hd) {
        double[][] y = new double[x.length][hd];
        for (int t = 0; t < x.length; t++) {
            for (int e = 0; e < hd; e++) {
                double s = b[i * hd + e];
                for (int m = 0; m < d; m++) {
                    s += x[t][m] * W[(i * d + m) * hd + e];
                }
                y[t][e] = s;
            }
        }
        return y;
    }

    /** Rotary on dims [0, rd) in the rotate_half convention of GPT-NeoX. */
    private static double[] rope(double[] x, int pos, int rd, double base) {
        int half = rd / 2;
        double[] y = x.clone();
        for (int j = 0; j < rd; j++) {
            int f = j % half;
            double angle = pos * Math.pow(base, -2.0 * f / rd);
            double rotated = j < half ? -x[j + half] : x[j - half];
            y[j] = x[j] * Math.cos(angle) + rotated * Math.sin(angle);
        }
        return y;
    }

    static double[][] lnPre(double[][] x, double eps) {
        double[][] y = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            int d = x[t].length;
            double mean = 0;
            for (double v : x[t]) {
                mean += v;
            }
            mean /= d;
            double var = 0;
            for (double v : x[t]) {
                var += (v - mean) * (v - mean);
            }
            var /= d;
            double inv = 1 / Math.sqrt(var + eps);
            y[t] = new double[d];
            for (int j = 0; j < d; j++) {
                y[t][j] = (x[t][j] - mean) * inv;
            }
        }
        return y;
    }

    private static double[][] add(double[][] a, double[][] b) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = new double[a[i].length];
            for (int j = 0; j < a[i].length; j++) {
                c[i][j] = a[i][j] + b[i][j];
            }
        }
        return c;
    }

    public static double geluTanh(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    /** Exact GELU with erf from its Maclaurin series (|x| < 3) or the erfc continued fraction. */
    static double geluErf(double x) {
        return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
    }

    static double erf(double x) {
        double ax = Math.abs(x);
        double r;
        if (ax < 3) {
            double term = ax, sum = ax, x2 = ax * ax;
            for (int k = 1; k < 300; k++) {
                term *= -x2 / k;
                double add = term / (2 * k + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
                    break;
                }
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            // erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated bottom-up
            double f = ax;
            for (int k = 200; k >= 1; k--) {
                f = ax + (k / 2.0) / f;
            }
            r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
        }
        return x < 0 ? -r : r;
    }
}
