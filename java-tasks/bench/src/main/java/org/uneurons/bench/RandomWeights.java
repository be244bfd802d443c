package org.uneurons.bench;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import org.uneurons.formats.WeightSource;

/**
 * A randomly initialised GPT-2 held in memory (for benchmarks: real-shaped work without shipping or
 * downloading weights). Matrices N(0, 0.02) as GPT-2's initialiser, LayerNorm gains 1, biases 0.
 */
final class RandomWeights implements WeightSource {
    private final Map<String, long[]> shapes = new HashMap<>();
    private final Map<String, float[]> values = new HashMap<>();

    static RandomWeights gpt2(int nLayers, int dModel, int dMlp, int vocab, int nCtx, long seed) {
        RandomWeights w = new RandomWeights();
        SplittableRandom rnd = new SplittableRandom(seed);
        w.normal(rnd, "wte.weight", vocab, dModel);
        w.normal(rnd, "wpe.weight", nCtx, dModel);
        for (int l = 0; l < nLayers; l++) {
            String h = "h." + l + ".";
            w.constant(h + "ln_1.weight", 1f, dModel);
            w.constant(h + "ln_1.bias", 0f, dModel);
            w.normal(rnd, h + "attn.c_attn.weight", dModel, 3L * dModel);
            w.constant(h + "attn.c_attn.bias", 0f, 3L * dModel);
            w.normal(rnd, h + "attn.c_proj.weight", dModel, dModel);
            w.constant(h + "attn.c_proj.bias", 0f, dModel);
            w.constant(h + "ln_2.weight", 1f, dModel);
            w.constant(h + "ln_2.bias", 0f, dModel);
            w.normal(rnd, h + "mlp.c_fc.weight", dModel, dMlp);
            w.constant(h + "mlp.c_fc.bias", 0f, dMlp);
            w.normal(rnd, h + "mlp.c_proj.weight", dMlp, dModel);
            w.constant(h + "mlp.c_proj.bias", 0f, dModel);
        }
        w.constant("ln_f.weight", 1f, dModel);
        w.constant("ln_f.bias", 0f, dModel);
        return w;
    }

    /** The matching config.json text (tied unembedding, gelu_new). */
    static String gpt2Config(int nLayers, int dModel, int nHeads, int dMlp, int vocab, int nCtx) {
        return "{\"model_type\": \"gpt2\", \"n_layer\": " + nLayers + ", \"n_embd\": " + dModel + ", \"n_head\": "
                + nHeads + ", \"n_inner\": " + dMlp + ", \"vocab_size\": " + vocab + ", \"n_positions\": " + nCtx
                + ", \"activation_function\": \"gelu_new\", \"tie_word_embeddings\": true}";
    }

    private void normal(SplittableRandom rnd, String name, long... shape) {
        float[] v = new float[numel(shape)];
        // Sum of 4 uniforms, rescaled: close enough to normal for timing, and much faster than nextGaussian.
        for (int i = 0; i < v.length; i++) {
            double s = rnd.nextDouble() + rnd.nextDouble() + rnd.nextDouble() + rnd.nextDouble() - 2.0;
            v[i] = (float) (s * 0.02 * Math.sqrt(3.0));
        }
        shapes.put(name, shape);
        values.put(name, v);
    }

    private void constant(String name, float c, long... shape) {
        float[] v = new float[numel(shape)];
        java.util.Arrays.fill(v, c);
        shapes.put(name, shape);
        values.put(name, v);
    }

    private static int numel(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return Math.toIntExact(n);
    }

    @Override
    public Set<String> names() {
        return values.keySet();
    }

    @Override
    public long[] shape(String name) {
        return shapes.get(name);
    }

    @Override
    public float[] floats(String name) {
        return values.get(name);
    }
}
