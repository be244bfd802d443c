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
}
