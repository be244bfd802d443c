package org.uneurons.models;

import java.util.Set;
import org.uneurons.formats.Architecture;
import org.uneurons.formats.MlpActivation;
import org.uneurons.formats.WeightSource;
import org.uneurons.formats.ModelConfig;

/**
 * An independent float64 forward pass of GPT-2 and GPT-NeoX in plain loops, written from the Hugging Face
 * modelling code (GPT2Block / GPTNeoXLayer), reading tensors in their stored Hugging Face layouts (GPT-2 Conv1D
 * [in, out], NeoX Linear [out, in] with per-head interleaved q,k,v). It shares nothing with the DJL model but
 * the parsed config, and is the yardstick for it on checkpoints of any shape. One sequence at a time.
 */
final class ReferenceForward {
    /** Outputs of one sequence: [layer][t][j], [k][t][i], [t][v], [t]. */
    static final class Output {
        double[][][] mlpPre;
        double[][][] mlpPost;
        double[][][] hidden;
        double[][] logits;
        double[] lnFinalScale;
        /** Per layer, head, query position: attention probability on key 0 and ||z|| ([layer][head][t]). */
        double[][][] attnBos;
        double[][][] zNorm;
        /** The residual entering the final LayerNorm [t][i]. */
        double[][] residFinal;
    }

    /**
     * Edits of one run, as TransformerLens hooks would make them: one neuron's post-activation set per position
     * (fixLayer >= 0), one neuron's output removed from one head's query input at positions >= ablateFrom
     * (ablateHeadLayer >= 0), the final LayerNorm's scale frozen at given values (frozenScale != null).
     */
    static final class Edits {
        int fixLayer = -1;
        int fixNeuron;
        double[] fixValues;
        int ablateNeuronLayer = -1;
        int ablateNeuron;
        int ablateHeadLayer = -1;
        int ablateHead;
        int ablateFrom;
        double[] frozenScale;
    }

    private Edits edits = new Edits();
    /** The removed neuron output [t][i], made in its layer, used in the head's layer. */
    private double[][] removed;
    private int currentLayer;
    private Output current;

    Output run(int[] ids, Edits e) {
        this.edits = e;
        try {
            return run(ids);
        } finally {
            this.edits = new Edits();
        }
    }

    private final ModelConfig cfg;
    private final WeightSource w;
    private final String p;
    private final boolean gpt2;

    ReferenceForward(ModelConfig cfg, WeightSource weights) {
        this.cfg = cfg;
        this.w = weights;
        this.gpt2 = cfg.architecture == Architecture.GPT2;
        Set<String> names = weights.names();
        if (gpt2) {
            this.p = names.contains("transformer.wte.weight") ? "transformer." : "";
        } else {
            this.p = names.contains("gpt_neox.embed_in.weight") ? "gpt_neox." : "";
        }
    }

    private double[] t(String name) {
        float[] f = w.floats(name);
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    Output run(int[] ids) {
        int n = ids.length;
        int d = cfg.dModel;
        Output out = new Output();
        out.mlpPre = new double[cfg.nLayers][][];
        out.mlpPost = new double[cfg.nLayers][][];
        out.hidden = new double[cfg.nLayers + 1][][];
        out.attnBos = new double[cfg.nLayers][cfg.nHeads][n];
        out.zNorm = new double[cfg.nLayers][cfg.nHeads][n];
        current = out;
        double[][] h = new double[n][d];
        double[] wte = t(p + (gpt2 ? "wte.weight" : "embed_in.weight"));
        double[] wpe = gpt2 ? t(p + "wpe.weight") : null;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                h[i][j] = wte[ids[i] * d + j] + (gpt2 ? wpe[i * d + j] : 0);
            }
        }
        out.hidden[0] = copy(h);
        for (int l = 0; l < cfg.nLayers; l++) {
            String b = p + (gpt2 ? "h." : "layers.") + l + ".";
            currentLayer = l;
            double[][] attnIn = layerNorm(h, gpt2 ? b + "ln_1" : b + "input_layernorm");
            double[][] queryIn = null;
            if (edits.ablateHeadLayer == l) {
                double[][] hq = copy(h);
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < d; j++) {
                        hq[i][j] -= removed[i][j];
                    }
                }
                queryIn = layerNorm(hq, gpt2 ? b + "ln_1" : b + "input_layernorm");
            }
            double[][] attn = gpt2 ? gpt2Attention(attnIn, queryIn, b, l) : neoxAttention(attnIn, queryIn, b);
            double[][] mlpIn;
            double[][] resid;
            if (!gpt2 && cfg.parallelResidual) {
                mlpIn = layerNorm(h, b + "post_attention_layernorm");
                resid = add(h, attn);
            } else {
                resid = add(h, attn);
                mlpIn = layerNorm(resid, gpt2 ? b + "ln_2" : b + "post_attention_layernorm");
            }
            double[][] pre;
            if (gpt2) {
                pre = conv1d(mlpIn, b + "mlp.c_fc", d, cfg.dMlp);
            } else {
                pre = linear(mlpIn, b + "mlp.dense_h_to_4h", d, cfg.dMlp);
            }
            double[][] post = new double[n][cfg.dMlp];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < cfg.dMlp; j++) {
                    post[i][j] = cfg.activation == MlpActivation.GELU_TANH ? geluTanh(pre[i][j]) : geluErf(pre[i][j]);
                }
                if (edits.fixLayer == l) {
                    post[i][edits.fixNeuron] = edits.fixValues[i];
                }
            }
            if (edits.ablateNeuronLayer == l) {
                double[] wo = t(gpt2 ? b + "mlp.c_proj.weight" : b + "mlp.dense_4h_to_h.weight");
                removed = new double[n][d];
                for (int i = edits.ablateFrom; i < n; i++) {
                    for (int j = 0; j < d; j++) {
                        // Conv1D [d_mlp, d_model] row n; Linear [d_model, d_mlp] column n
                        double w = gpt2 ? wo[edits.ablateNeuron * d + j] : wo[j * cfg.dMlp + edits.ablateNeuron];
                        removed[i][j] = post[i][edits.ablateNeuron] * w;
                    }
                }
            }
            double[][] mlpOut = gpt2 ? conv1d(post, b + "mlp.c_proj", cfg.dMlp, d)
                    : linear(post, b + "mlp.dense_4h_to_h", cfg.dMlp, d);
            h = add(resid, mlpOut);
            out.mlpPre[l] = pre;
            out.mlpPost[l] = post;
            out.hidden[l + 1] = copy(h);
        }
        out.residFinal = copy(h);
        out.lnFinalScale = new double[n];
        for (int i = 0; i < n; i++) {
            double mean = 0;
            for (double v : h[i]) {
                mean += v;
            }
            mean /= d;
            double var = 0;
            for (double v : h[i]) {
                var += (v - mean) * (v - mean);
            }
            var /= d;
            out.lnFinalScale[i] = Math.sqrt(var + cfg.layerNormEps);
        }
        double[][] hf = layerNorm(h, p + (gpt2 ? "ln_f" : "final_layer_norm"));
        if (edits.frozenScale != null) {
            double[] g = t(p + (gpt2 ? "ln_f" : "final_layer_norm") + ".weight");
            double[] bb = t(p + (gpt2 ? "ln_f" : "final_layer_norm") + ".bias");
            for (int i = 0; i < n; i++) {
                double mean = 0;
                for (double v : h[i]) {
                    mean += v;
                }
                mean /= d;
                for (int j = 0; j < d; j++) {
                    hf[i][j] = (h[i][j] - mean) / edits.frozenScale[i] * g[j] + bb[j];
                }
            }
        }
        out.hidden[cfg.nLayers] = hf;
        String unembed;
        if (cfg.tiedUnembed) {
            unembed = p + (gpt2 ? "wte.weight" : "embed_in.weight");
        } else {
            unembed = gpt2 ? "lm_head.weight" : "embed_out.weight";
        }
        double[] u = t(unembed);
        out.logits = new double[n][cfg.vocabSize];
        for (int i = 0; i < n; i++) {
            for (int v = 0; v < cfg.vocabSize; v++) {
                double s = 0;
                for (int j = 0; j < d; j++) {
                    s += hf[i][j] * u[v * d + j];
                }
                out.logits[i][v] = s;
            }
        }
        return out;
    }

    /** HF GPT2Attention: c_attn (Conv1D) to q|k|v, heads split as [head, hd] within each. */
    private double[][] gpt2Attention(double[][] x, double[][] queryIn, String b, int layer) {
        int d = cfg.dModel;
        double[][] qkv = conv1d(x, b + "attn.c_attn", d, 3 * d);
        double[][] qkvEdited = queryIn == null ? null : conv1d(queryIn, b + "attn.c_attn", d, 3 * d);
        int n = x.length;
        int hd = cfg.headDim();
        double[][][] q = new double[cfg.nHeads][n][hd];
        double[][][] k = new double[cfg.nHeads][n][hd];
        double[][][] v = new double[cfg.nHeads][n][hd];
        for (int i = 0; i < n; i++) {
            for (int hh = 0; hh < cfg.nHeads; hh++) {
                for (int j = 0; j < hd; j++) {
                    q[hh][i][j] = (qkvEdited != null && hh == edits.ablateHead ? qkvEdited : qkv)[i][hh * hd + j];
                    k[hh][i][j] = qkv[i][d + hh * hd + j];
                    v[hh][i][j] = qkv[i][2 * d + hh * hd + j];
                }
            }
        }
        double scale = 1;
        if (cfg.scaleAttnWeights) {
            scale /= Math.sqrt(hd);
        }
        if (cfg.scaleAttnByInverseLayerIdx) {
            scale /= layer + 1;
        }
        double[][] merged = causalAttention(q, k, v, scale);
        return conv1d(merged, b + "attn.c_proj", d, d);
    }

    /** HF GPTNeoXAttention: qkv viewed as [head, 3, hd]; rotary on the first rotary_ndims of q and k. */
    private double[][] neoxAttention(double[][] x, double[][] queryIn, String b) {
        int d = cfg.dModel;
        double[][] qkv = linear(x, b + "attention.query_key_value", d, 3 * d);
        double[][] qkvEdited = queryIn == null ? null : linear(queryIn, b + "attention.query_key_value", d, 3 * d);
        int n = x.length;
        int hd = cfg.headDim();
        double[][][] q = new double[cfg.nHeads][n][];
        double[][][] k = new double[cfg.nHeads][n][];
        double[][][] v = new double[cfg.nHeads][n][hd];
        for (int i = 0; i < n; i++) {
            for (int hh = 0; hh < cfg.nHeads; hh++) {
                double[] qi = new double[hd];
                double[] ki = new double[hd];
                int base = hh * 3 * hd;
                for (int j = 0; j < hd; j++) {
                    qi[j] = (qkvEdited != null && hh == edits.ablateHead ? qkvEdited : qkv)[i][base + j];
                    ki[j] = qkv[i][base + hd + j];
                    v[hh][i][j] = qkv[i][base + 2 * hd + j];
                }
                q[hh][i] = rope(qi, i);
                k[hh][i] = rope(ki, i);
            }
        }
        double[][] merged = causalAttention(q, k, v, 1.0 / Math.sqrt(hd));
        return linear(merged, b + "attention.dense", d, d);
    }

    /** x*cos + rotate_half(x)*sin on dims [0, rd), rotate_half(x) = cat(-x[half:rd], x[0:half]). */
    private double[] rope(double[] x, int pos) {
        int rd = cfg.rotaryDim;
        int half = rd / 2;
        double[] y = x.clone();
        for (int j = 0; j < rd; j++) {
            int f = j % half;
            double invFreq = Math.pow(cfg.rotaryBase, -2.0 * f / rd);
            double angle = pos * invFreq;
            double rotated = j < half ? -x[j + half] : x[j - half];
            y[j] = x[j] * Math.cos(angle) + rotated * Math.sin(angle);
        }
        return y;
    }

    private double[][] causalAttention(double[][][] q, double[][][] k, double[][][] v, double scale) {
        int heads = q.length;
        int n = q[0].length;
        int hd = v[0][0].length;
        double[][] merged = new double[n][heads * hd];
        for (int hh = 0; hh < heads; hh++) {
            for (int i = 0; i < n; i++) {
                double[] s = new double[i + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int u = 0; u <= i; u++) {
                    double dot = 0;
                    for (int j = 0; j < hd; j++) {
                        dot += q[hh][i][j] * k[hh][u][j];
                    }
                    s[u] = dot * scale;
                    max = Math.max(max, s[u]);
                }
                double z = 0;
                for (int u = 0; u <= i; u++) {
                    s[u] = Math.exp(s[u] - max);
                    z += s[u];
                }
                for (int u = 0; u <= i; u++) {
                    for (int j = 0; j < hd; j++) {
                        merged[i][hh * hd + j] += s[u] / z * v[hh][u][j];
                    }
                }
                current.attnBos[currentLayer][hh][i] = s[0] / z;
                double norm = 0;
                for (int j = 0; j < hd; j++) {
                    norm += merged[i][hh * hd + j] * merged[i][hh * hd + j];
                }
                current.zNorm[currentLayer][hh][i] = Math.sqrt(norm);
            }
        }
        return merged;
    }

    /** GPT-2 Conv1D: y = x W + b with W stored [in, out]. */
    private double[][] conv1d(double[][] x, String name, int in, int out) {
        double[] wt = t(name + ".weight");
        double[] bias = t(name + ".bias");
        double[][] y = new double[x.length][out];
        for (int i = 0; i < x.length; i++) {
            for (int o = 0; o < out; o++) {
                double s = bias[o];
                for (int c = 0; c < in; c++) {
                    s += x[i][c] * wt[c * out + o];
                }
                y[i][o] = s;
            }
        }
        return y;
    }

    /** torch.nn.Linear: y = x W^T + b with W stored [out, in]; no bias if the checkpoint has none. */
    private double[][] linear(double[][] x, String name, int in, int out) {
        double[] wt = t(name + ".weight");
        double[] bias = w.names().contains(name + ".bias") ? t(name + ".bias") : new double[out];
        double[][] y = new double[x.length][out];
        for (int i = 0; i < x.length; i++) {
            for (int o = 0; o < out; o++) {
                double s = bias[o];
                for (int c = 0; c < in; c++) {
                    s += x[i][c] * wt[o * in + c];
                }
                y[i][o] = s;
            }
        }
        return y;
    }

    private double[][] layerNorm(double[][] x, String name) {
        double[] g = t(name + ".weight");
        double[] bb = t(name + ".bias");
        int d = g.length;
        double[][] y = new double[x.length][d];
        for (int i = 0; i < x.length; i++) {
            double mean = 0;
            for (int j = 0; j < d; j++) {
                mean += x[i][j];
            }
            mean /= d;
            double var = 0;
            for (int j = 0; j < d; j++) {
                var += (x[i][j] - mean) * (x[i][j] - mean);
            }
            var /= d;
            double inv = 1.0 / Math.sqrt(var + cfg.layerNormEps);
            for (int j = 0; j < d; j++) {
                y[i][j] = (x[i][j] - mean) * inv * g[j] + bb[j];
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

    private static double[][] copy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }

    static double geluTanh(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    static double geluErf(double x) {
        return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
    }

    /**
     * erf to ~1e-15: Maclaurin series below |x| = 2.5 (terms stay below e^6.25, so cancellation costs at most three
     * digits), Lentz's continued fraction for erfc above.
     */
    static double erf(double x) {
        double ax = Math.abs(x);
        double r;
        if (ax < 2.5) {
            double term = ax;
            double sum = ax;
            double x2 = ax * ax;
            for (int k = 1; k < 200; k++) {
                term *= -x2 / k;
                double add = term / (2 * k + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
                    break;
                }
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))
            double tiny = 1e-300;
            double f = ax;
            double c = ax;
            double dd = 0;
            for (int k = 1; k < 500; k++) {
                double a = k / 2.0;
                dd = ax + a * dd;
                dd = Math.abs(dd) < tiny ? tiny : dd;
                c = ax + a / c;
                c = Math.abs(c) < tiny ? tiny : c;
                dd = 1 / dd;
                double delta = c * dd;
                f *= delta;
                if (Math.abs(delta - 1) < 1e-16) {
                    break;
                }
            }
            r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
        }
        return x < 0 ? -r : r;
    }
}
