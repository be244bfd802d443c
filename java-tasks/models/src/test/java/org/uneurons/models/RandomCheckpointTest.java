package org.uneurons.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.EnumSet;

import ai.djl.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.io.CheckpointWeights;
import org.uneurons.formats.ModelConfig;
import org.uneurons.formats.WeightSource;

/**
 * The DJL model against the float64 reference on seeded random checkpoints of shapes and variants other than
 * the fixtures': nothing in the model may be specialised to the fixtures' sizes or options.
 */
class RandomCheckpointTest {
    static final double TOL = 1e-4;

    @TempDir
    Path tmp;

    @Test
    void gpt2UntiedUnprefixedWithMaskBuffers() {
        RandomCheckpoint c = RandomCheckpoint.gpt2();
        c.nLayers = 3;
        c.dModel = 40;
        c.nHeads = 5;
        c.dMlp = 160;
        c.vocab = 777;
        c.nCtx = 48;
        c.prefixed = false;
        c.tied = false;
        c.buffers = true;
        c.seed = 101;
        check("gpt2-untied", c.writeGpt2(tmp.resolve("gpt2-untied")), 3, 48);
    }

    @Test
    void gpt2InverseLayerScalingExactGeluDefaultInner() {
        RandomCheckpoint c = RandomCheckpoint.gpt2();
        c.nLayers = 2;
        c.dModel = 24;
        c.nHeads = 3;
        c.dMlp = 96;
        c.nInnerNull = true;
        c.vocab = 97;
        c.nCtx = 20;
        c.gpt2Activation = "gelu";
        c.scaleByInverseLayerIdx = true;
        c.seed = 102;
        check("gpt2-variant", c.writeGpt2(tmp.resolve("gpt2-variant")), 2, 17);
    }

    @Test
    void neoxSequentialHalfRotaryOldSchema() {
        RandomCheckpoint c = RandomCheckpoint.neox();
        c.nLayers = 2;
        c.dModel = 48;
        c.nHeads = 3;
        c.dMlp = 192;
        c.vocab = 500;
        c.nCtx = 64;
        c.rotaryPct = 0.5;
        c.parallel = false;
        c.oldRopeSchema = true;
        c.buffers = true;
        c.seed = 103;
        check("neox-seq", c.writeNeox(tmp.resolve("neox-seq")), 2, 40);
    }

    @Test
    void neoxFullRotaryTiedUnprefixedOtherBase() {
        RandomCheckpoint c = RandomCheckpoint.neox();
        c.nLayers = 3;
        c.dModel = 32;
        c.nHeads = 2;
        c.dMlp = 80;
        c.vocab = 211;
        c.nCtx = 30;
        c.rotaryPct = 1.0;
        c.rotaryBase = 500;
        c.tied = true;
        c.prefixed = false;
        c.seed = 104;
        check("neox-full", c.writeNeox(tmp.resolve("neox-full")), 2, 30);
    }

    @Test
    void neoxLongSequenceRotaryAtLatePositions() {
        RandomCheckpoint c = RandomCheckpoint.neox();
        c.nLayers = 1;
        c.dModel = 32;
        c.nHeads = 2;
        c.dMlp = 64;
        c.vocab = 64;
        c.nCtx = 512;
        c.rotaryPct = 1.0;
        c.seed = 107;
        check("neox-long", c.writeNeox(tmp.resolve("neox-long")), 1, 512);
    }

    @Test
    void attentionInSlicesOfHeadsEqualsTheWholeComputation() {
        RandomCheckpoint g = RandomCheckpoint.gpt2();
        g.nLayers = 2;
        g.dModel = 40;
        g.nHeads = 5;
        g.dMlp = 64;
        g.vocab = 101;
        g.nCtx = 24;
        g.seed = 105;
        // 3 sequences x 5 heads = 15 (sequence, head) groups in slices of 2: the last slice is short
        check("gpt2-sliced", g.writeGpt2(tmp.resolve("gpt2-sliced")), 3, 24, 2L * 24 * 24);
        RandomCheckpoint n = RandomCheckpoint.neox();
        n.nLayers = 2;
        n.dModel = 48;
        n.nHeads = 4;
        n.dMlp = 64;
        n.vocab = 101;
        n.nCtx = 24;
        n.rotaryPct = 0.5;
        n.seed = 106;
        check("neox-sliced", n.writeNeox(tmp.resolve("neox-sliced")), 2, 20, 3L * 20 * 20);
    }

    private void check(String name, Path dir, int batch, int seq) {
        check(name, dir, batch, seq, 0);
    }

    private static ForwardResult forward(TransformerModel m, int[][] ids, long scoreBlock) {
        if (scoreBlock > 0) {
            m.scoreBlockForTests(scoreBlock);
        }
        return m.forward(ids, EnumSet.allOf(Hook.class));
    }

    private void check(String name, Path dir, int batch, int seq, long scoreBlock) {
        ModelConfig cfg = ModelConfig.read(dir, name);
        int[][] ids = RandomCheckpoint.tokens(cfg.vocabSize * 31L + seq, batch, seq, cfg.vocabSize);
        try (TransformerModel m = Checkpoints.load(dir, Device.cpu());
             CheckpointWeights st = CheckpointWeights.open(dir);
             ForwardResult r = forward(m, ids, scoreBlock)) {
            ReferenceForward ref = new ReferenceForward(cfg, WeightSource.of(st));
            float[][] pre = new float[cfg.nLayers][];
            float[][] post = new float[cfg.nLayers][];
            float[][] hidden = new float[cfg.nLayers + 1][];
            for (int l = 0; l < cfg.nLayers; l++) {
                pre[l] = r.mlpPre(l).toFloatArray();
                post[l] = r.mlpPost(l).toFloatArray();
            }
            for (int k = 0; k <= cfg.nLayers; k++) {
                hidden[k] = r.hidden(k).toFloatArray();
            }
            float[] logits = r.logits().toFloatArray();
            float[] scale = r.lnFinalScale().toFloatArray();
            assertEquals((long) batch * seq * cfg.vocabSize, logits.length);
            assertEquals((long) batch * seq, scale.length);
            double ePre = 0;
            double ePost = 0;
            double eHidden = 0;
            double eLogits = 0;
            double eScale = 0;
            for (int s = 0; s < batch; s++) {
                ReferenceForward.Output o = ref.run(ids[s]);
                for (int l = 0; l < cfg.nLayers; l++) {
                    ePre = Math.max(ePre, Fixtures.maxAbs(pre[l], s * seq * cfg.dMlp, o.mlpPre[l], "mlp_pre"));
                    ePost = Math.max(ePost, Fixtures.maxAbs(post[l], s * seq * cfg.dMlp, o.mlpPost[l], "mlp_post"));
                }
                for (int k = 0; k <= cfg.nLayers; k++) {
                    eHidden = Math.max(eHidden, Fixtures.maxAbs(hidden[k], s * seq * cfg.dModel, o.hidden[k], "hidden"));
                }
                eLogits = Math.max(eLogits, Fixtures.maxAbs(logits, s * seq * cfg.vocabSize, o.logits, "logits"));
                for (int t = 0; t < seq; t++) {
                    // relative: the scale is the std of the residual, whose size depends on the random weights
                    eScale = Math.max(eScale, Math.abs(scale[s * seq + t] - o.lnFinalScale[t]) / o.lnFinalScale[t]);
                }
            }
            System.out.println("random " + name + " [" + cfg + "] DJL vs float64 reference: max abs error mlp_pre "
                    + Fixtures.fmt(ePre) + ", mlp_post " + Fixtures.fmt(ePost) + ", hidden " + Fixtures.fmt(eHidden)
                    + ", logits " + Fixtures.fmt(eLogits) + ", ln_final scale (relative) " + Fixtures.fmt(eScale));
            assertTrue(ePre <= TOL, name + " mlp_pre error " + ePre);
            assertTrue(ePost <= TOL, name + " mlp_post error " + ePost);
            assertTrue(eHidden <= TOL, name + " hidden error " + eHidden);
            assertTrue(eLogits <= TOL, name + " logits error " + eLogits);
            assertTrue(eScale <= 1e-5, name + " ln_final scale error " + eScale);
        }
    }
}
