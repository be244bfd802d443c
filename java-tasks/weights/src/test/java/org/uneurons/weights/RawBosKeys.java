package org.uneurons.weights;

import java.nio.file.Path;
import java.util.Set;

import org.apache.commons.math3.special.Erf;
import org.uneurons.core.io.CheckpointWeights;
import org.uneurons.formats.Architecture;
import org.uneurons.formats.MlpActivation;
import org.uneurons.formats.ModelConfig;

/**
 * The reference for the BOS keys: a plain float64 forward of one token on the RAW checkpoint tensors in their Hugging
 * Face layouts (GPT-2 Conv1D [in, out]; NeoX Linear [out, in] with q, k, v interleaved per head), LayerNorms with their
 * own scale and bias, written from GPT2Block / GPTNeoXLayer. It shares nothing with the weight processing; the keys
 * agree because TransformerLens' processing leaves every head's keys unchanged. Rotary embeddings rotate by angle
 * position x frequency, 0 at position 0, so the key is used as projected.
 */
final class RawBosKeys {
    private RawBosKeys() {
    }

    /** Keys [layer][head][d_head] of the one-token input {@code bos}. */
    static double[][][] keys(Path ck, int bos) {
        ModelConfig cfg = ModelConfig.read(ck, "ref");
        try (CheckpointWeights st = CheckpointWeights.open(ck)) {
            return cfg.architecture == Architecture.GPT2 ? gpt2(cfg, st, bos) : neox(cfg, st, bos);
        }
    }

    private static double[][][] gpt2(ModelConfig cfg, CheckpointWeights st, int bos) {
        int d = cfg.dModel, nh = cfg.nHeads, hd = d / nh, m = cfg.dMlp;
        String p = st.names().contains("transformer.wte.weight") ? "transformer." : "";
        double[] wte = t(st, p + "wte.weight"), wpe = t(st, p + "wpe.weight");
        double[] h = new double[d];
        for (int i = 0; i < d; i++) {
            h[i] = wte[bos * d + i] + wpe[i];
        }
        double[][][] keys = new double[cfg.nLayers][nh][hd];
        for (int l = 0; l < cfg.nLayers; l++) {
            String b = p + "h." + l + ".";
            double[] a = layerNorm(h, t(st, b + "ln_1.weight"), t(st, b + "ln_1.bias"), cfg.layerNormEps);
            double[] qkv = inOut(a, t(st, b + "attn.c_attn.weight"), t(st, b + "attn.c_attn.bias"), 3 * d);
            double[] v = new double[d];
            for (int hh = 0; hh < nh; hh++) {
                for (int c = 0; c < hd; c++) {
                    keys[l][hh][c] = qkv[d + hh * hd + c];
                    v[hh * hd + c] = qkv[2 * d + hh * hd + c]; // one key: softmax 1 on it, z = v
                }
            }
            double[] attn = inOut(v, t(st, b + "attn.c_proj.weight"), t(st, b + "attn.c_proj.bias"), d);
            double[] h2 = add(h, attn);
            double[] x = layerNorm(h2, t(st, b + "ln_2.weight"), t(st, b + "ln_2.bias"), cfg.layerNormEps);
            double[] pre = inOut(x, t(st, b + "mlp.c_fc.weight"), t(st, b + "mlp.c_fc.bias"), m);
            h = add(h2, inOut(gelu(pre, cfg.activation), t(st, b + "mlp.c_proj.weight"), t(st, b + "mlp.c_proj.bias"), d));
        }
        return keys;
    }

    private static double[][][] neox(ModelConfig cfg, CheckpointWeights st, int bos) {
        int d = cfg.dModel, nh = cfg.nHeads, hd = d / nh, m = cfg.dMlp;
        Set<String> names = st.names();
        String p = names.contains("gpt_neox.embed_in.weight") ? "gpt_neox." : "";
        double[] emb = t(st, p + "embed_in.weight");
        double[] h = new double[d];
        for (int i = 0; i < d; i++) {
            h[i] = emb[bos * d + i];
        }
        double[][][] keys = new double[cfg.nLayers][nh][hd];
        for (int l = 0; l < cfg.nLayers; l++) {
            String b = p + "layers." + l + ".";
            double[] a = layerNorm(h, t(st, b + "input_layernorm.weight"), t(st, b + "input_layernorm.bias"),
                    cfg.layerNormEps);
            double[] qkv = outIn(a, t(st, b + "attention.query_key_value.weight"),
                    bias(st, b + "attention.query_key_value.bias", 3 * d), 3 * d);
            double[] v = new double[d];
            for (int hh = 0; hh < nh; hh++) {
                for (int c = 0; c < hd; c++) {
                    keys[l][hh][c] = qkv[hh * 3 * hd + hd + c]; // per head (q, k, v)
                    v[hh * hd + c] = qkv[hh * 3 * hd + 2 * hd + c];
                }
            }
            double[] attn = outIn(v, t(st, b + "attention.dense.weight"), bias(st, b + "attention.dense.bias", d), d);
            // parallel: the MLP reads the layer's input; sequential: the input plus the attention output
            double[] mlpIn = cfg.parallelResidual ? h : add(h, attn);
            double[] x = layerNorm(mlpIn, t(st, b + "post_attention_layernorm.weight"),
                    t(st, b + "post_attention_layernorm.bias"), cfg.layerNormEps);
            double[] pre = outIn(x, t(st, b + "mlp.dense_h_to_4h.weight"), t(st, b + "mlp.dense_h_to_4h.bias"), m);
            double[] mlp = outIn(gelu(pre, cfg.activation), t(st, b + "mlp.dense_4h_to_h.weight"),
                    t(st, b + "mlp.dense_4h_to_h.bias"), d);
            h = add(add(h, attn), mlp);
        }
        return keys;
    }

    private static double[] t(CheckpointWeights st, String name) {
        float[] f = st.floats(name);
        double[] x = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            x[i] = f[i];
        }
        return x;
    }

    private static double[] bias(CheckpointWeights st, String name, int n) {
        return st.names().contains(name) ? t(st, name) : new double[n];
    }

    /** x W + b with W [in, out] (Conv1D). */
    private static double[] inOut(double[] x, double[] w, double[] b, int out) {
        double[] y = b.clone();
        for (int i = 0; i < x.length; i++) {
            for (int o = 0; o < out; o++) {
                y[o] += x[i] * w[i * out + o];
            }
        }
        return y;
    }

    /** W x + b with W [out, in] (Linear). */
    private static double[] outIn(double[] x, double[] w, double[] b, int out) {
        double[] y = b.clone();
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < x.length; i++) {
                y[o] += w[o * x.length + i] * x[i];
            }
        }
        return y;
    }

    private static double[] layerNorm(double[] x, double[] g, double[] b, double eps) {
        double mean = 0, var = 0;
        for (double v : x) {
            mean += v / x.length;
        }
        for (double v : x) {
            var += (v - mean) * (v - mean) / x.length;
        }
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (x[i] - mean) / Math.sqrt(var + eps) * g[i] + b[i];
        }
        return y;
    }

    private static double[] gelu(double[] x, MlpActivation act) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            y[i] = act == MlpActivation.GELU_TANH
                    ? 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)))
                    : 0.5 * v * (1 + Erf.erf(v / Math.sqrt(2)));
        }
        return y;
    }

    private static double[] add(double[] a, double[] b) {
        double[] y = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            y[i] = a[i] + b[i];
        }
        return y;
    }
}
