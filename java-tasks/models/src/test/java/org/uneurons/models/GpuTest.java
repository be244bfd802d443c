package org.uneurons.models;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.EnumSet;

import ai.djl.engine.Engine;
import org.junit.jupiter.api.Test;
import org.uneurons.core.io.Safetensors;
import org.uneurons.core.testing.TestData;

/** The golden check on a GPU; skipped (never failed) where PyTorch sees none. */
class GpuTest {
    @Test
    void gpt2TinyOnGpuMatchesTransformers() {
        assumeTrue(Engine.getEngine("PyTorch").getGpuCount() > 0, "no GPU visible to PyTorch");
        Path dir = TestData.hf("gpt2-tiny");
        try (TransformerModel m = Checkpoints.load(dir, Devices.parse("gpu"));
             Safetensors ref = Safetensors.open(Fixtures.reference(dir));
             ForwardResult r = m.forward(Fixtures.inputIds(ref), EnumSet.of(Hook.MLP_POST, Hook.LOGITS))) {
            double post = 0;
            for (int l = 0; l < m.config().nLayers; l++) {
                post = Math.max(post, Fixtures.maxAbs(r.mlpPost(l), ref, "mlp_post." + l));
            }
            double logits = Fixtures.maxAbs(r.logits(), ref, "logits");
            System.out.println("golden gpt2-tiny on GPU: max abs error mlp_post " + Fixtures.fmt(post) + ", logits "
                    + Fixtures.fmt(logits));
            assertTrue(post <= 1e-4 && logits <= 1e-4, "GPU errors " + post + ", " + logits);
        }
    }
}
