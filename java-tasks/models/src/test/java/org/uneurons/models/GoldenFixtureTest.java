package org.uneurons.models;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.EnumSet;

import ai.djl.Device;
import org.junit.jupiter.api.Test;
import org.uneurons.core.io.Safetensors;
import org.uneurons.core.testing.TestData;

/**
 * The DJL model against what Hugging Face transformers computed for the same checkpoints and tokens
 * (testdata/hf/*): every layer's MLP post-activations, every hidden state and the logits, to 1e-4 absolute.
 */
class GoldenFixtureTest {
    static final double TOL = 1e-4;

    @Test
    void gpt2TinyMatchesTransformers() {
        check("gpt2-tiny");
    }

    @Test
    void neoxTinyMatchesTransformers() {
        check("neox-tiny");
    }

    private void check(String name) {
        Path dir = TestData.hf(name);
        try (TransformerModel m = Checkpoints.load(dir, Device.cpu());
             Safetensors ref = Safetensors.open(Fixtures.reference(dir))) {
            int[][] ids = Fixtures.inputIds(ref);
            try (ForwardResult r = m.forward(ids, EnumSet.of(Hook.MLP_POST, Hook.HIDDEN, Hook.LOGITS))) {
                double post = 0;
                for (int l = 0; l < m.config().nLayers; l++) {
                    post = Math.max(post, Fixtures.maxAbs(r.mlpPost(l), ref, "mlp_post." + l));
                }
                double hidden = 0;
                for (int k = 0; k <= m.config().nLayers; k++) {
                    hidden = Math.max(hidden, Fixtures.maxAbs(r.hidden(k), ref, "hidden." + k));
                }
                double logits = Fixtures.maxAbs(r.logits(), ref, "logits");
                System.out.println("golden " + name + " (DJL float32 vs transformers): max abs error mlp_post "
                        + Fixtures.fmt(post) + ", hidden " + Fixtures.fmt(hidden) + ", logits " + Fixtures.fmt(logits)
                        + " (|logits| max " + Fixtures.fmt(Fixtures.maxAbsValue(ref.floats("logits"))) + ")");
                assertTrue(post <= TOL, name + " mlp_post error " + post);
                assertTrue(hidden <= TOL, name + " hidden error " + hidden);
                assertTrue(logits <= TOL, name + " logits error " + logits);
            }
        }
    }

    /**
     * The final LayerNorm's scale means what TransformerLens's ln_final.hook_scale means, sqrt(var + eps): with the
     * residual entering it, (x - mean(x)) / scale * w + b must give transformers' last hidden state (after ln_f),
     * and the scale must be sqrt(var(x) + eps) computed plainly in float64 (layer_norm_eps of config.json).
     */
    @Test
    void lnFinalScaleIsTheDivisorOfTheFinalLayerNorm() {
        for (String name : new String[] {"gpt2-tiny", "neox-tiny"}) {
            Path dir = TestData.hf(name);
            boolean gpt2 = name.startsWith("gpt2");
            try (TransformerModel m = Checkpoints.load(dir, Device.cpu());
                 Safetensors ref = Safetensors.open(Fixtures.reference(dir));
                 Safetensors weights = Safetensors.open(dir.resolve("model.safetensors"))) {
                int[][] ids = Fixtures.inputIds(ref);
                int d = m.config().dModel;
                float[] w = weights.floats(gpt2 ? "transformer.ln_f.weight" : "gpt_neox.final_layer_norm.weight");
                float[] b = weights.floats(gpt2 ? "transformer.ln_f.bias" : "gpt_neox.final_layer_norm.bias");
                float[] last = ref.floats("hidden." + m.config().nLayers);
                try (ForwardResult r = m.forward(ids, EnumSet.of(Hook.RESID_FINAL, Hook.LN_FINAL_SCALE))) {
                    float[] x = r.residFinal().toFloatArray();
                    float[] scale = r.lnFinalScale().toFloatArray();
                    double eLn = 0, eScale = 0;
                    for (int t = 0; t < scale.length; t++) {
                        double mean = 0, var = 0;
                        for (int i = 0; i < d; i++) {
                            mean += x[t * d + i];
                        }
                        mean /= d;
                        for (int i = 0; i < d; i++) {
                            var += (x[t * d + i] - mean) * (x[t * d + i] - mean);
                        }
                        var /= d;
                        double plain = Math.sqrt(var + m.config().layerNormEps);
                        eScale = Math.max(eScale, Math.abs(scale[t] - plain) / plain);
                        for (int i = 0; i < d; i++) {
                            double y = (x[t * d + i] - mean) / scale[t] * w[i] + b[i];
                            eLn = Math.max(eLn, Math.abs(y - last[t * d + i]));
                        }
                    }
                    System.out.println("ln_final scale " + name + ": (x - mean) / scale * w + b vs transformers' last"
                            + " hidden state, max abs " + Fixtures.fmt(eLn) + "; scale vs plain sqrt(var + eps), max"
                            + " relative " + Fixtures.fmt(eScale));
                    assertTrue(eLn <= TOL, name + ": the scale does not reproduce ln_f: " + eLn);
                    assertTrue(eScale <= 1e-5, name + ": scale error " + eScale);
                }
            }
        }
    }
}
