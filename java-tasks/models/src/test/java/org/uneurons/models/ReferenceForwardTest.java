package org.uneurons.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.uneurons.core.io.Safetensors;
import org.uneurons.core.io.CheckpointWeights;
import org.uneurons.core.testing.TestData;
import org.uneurons.formats.WeightSource;
import org.uneurons.formats.ModelConfig;

/**
 * The float64 reference forward is the yardstick for the DJL model on random checkpoints, so it must itself
 * agree with transformers on the fixtures (to float32 rounding of transformers' own computation).
 */
class ReferenceForwardTest {
    static final double TOL = 2e-5;

    @Test
    void erfMatchesTabulatedValues() {
        double[][] table = {{0.0, 0.0}, {0.1, 0.1124629160182849}, {0.5, 0.5204998778130465},
            {1.0, 0.8427007929497149}, {2.0, 0.9953222650189527}, {2.4, 0.9993114861033550},
            {2.6, 0.9997639655834707}, {3.0, 0.9999779095030014}, {4.5, 0.9999999998033839}};
        for (double[] row : table) {
            assertEquals(row[1], ReferenceForward.erf(row[0]), 2e-15, "erf(" + row[0] + ")");
            assertEquals(-row[1], ReferenceForward.erf(-row[0]), 2e-15, "erf(-" + row[0] + ")");
        }
    }

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
        ModelConfig cfg = ModelConfig.read(dir, name);
        try (CheckpointWeights st = CheckpointWeights.open(dir);
             Safetensors ref = Safetensors.open(Fixtures.reference(dir))) {
            ReferenceForward fwd = new ReferenceForward(cfg, WeightSource.of(st));
            int[][] ids = Fixtures.inputIds(ref);
            int seq = ids[0].length;
            double post = 0;
            double hidden = 0;
            double logits = 0;
            for (int s = 0; s < ids.length; s++) {
                ReferenceForward.Output o = fwd.run(ids[s]);
                for (int l = 0; l < cfg.nLayers; l++) {
                    post = Math.max(post, Fixtures.maxAbs(ref.floats("mlp_post." + l), s * seq * cfg.dMlp,
                            o.mlpPost[l], "mlp_post." + l));
                }
                for (int k = 0; k <= cfg.nLayers; k++) {
                    hidden = Math.max(hidden, Fixtures.maxAbs(ref.floats("hidden." + k), s * seq * cfg.dModel,
                            o.hidden[k], "hidden." + k));
                }
                logits = Math.max(logits, Fixtures.maxAbs(ref.floats("logits"), s * seq * cfg.vocabSize, o.logits,
                        "logits"));
            }
            System.out.println("golden " + name + " (float64 reference vs transformers): max abs error mlp_post "
                    + Fixtures.fmt(post) + ", hidden " + Fixtures.fmt(hidden) + ", logits " + Fixtures.fmt(logits));
            assertTrue(post <= TOL, name + " mlp_post error " + post);
            assertTrue(hidden <= TOL, name + " hidden error " + hidden);
            assertTrue(logits <= TOL, name + " logits error " + logits);
        }
    }
}
