package org.uneurons.train;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * GPT-2's initialisation (transformers' GPT2PreTrainedModel._init_weights): weights and embeddings normal(0, 0.02),
 * the residual projections (attn.c_proj, mlp.c_proj) normal(0, 0.02 / sqrt(2 n_layer)), LayerNorm weights 1 and
 * biases 0, all biases 0. Drawn in Java from {@code java.util.Random(seed)} (its Gaussian sequence is fixed by the
 * Java specification) in the fixed tensor order of {@link Gpt2Shape#tensors()}, so a seed gives the same weights on
 * any machine and engine.
 */
final class Gpt2Init {
    static final double STD = 0.02;

    private Gpt2Init() {
    }

    static Map<String, float[]> initialise(Gpt2Shape shape, long seed) {
        Random rnd = new Random(seed);
        double residualStd = STD / Math.sqrt(2.0 * shape.nLayer());
        Map<String, float[]> w = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : shape.tensors().entrySet()) {
            String name = e.getKey();
            float[] v = new float[Gpt2Shape.numel(e.getValue())];
            if (name.contains(".ln_") && name.endsWith(".weight")) {
                java.util.Arrays.fill(v, 1f);
            } else if (e.getValue().length >= 2) {
                double std = Gpt2Shape.isResidualProjection(name) ? residualStd : STD;
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (rnd.nextGaussian() * std);
                }
            }
            w.put(name, v);
        }
        return w;
    }
}
