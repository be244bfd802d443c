package org.uneurons.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.cli.UsageException;
import org.uneurons.core.io.CheckpointWeights;
import org.uneurons.formats.ModelConfig;
import org.uneurons.formats.WeightSource;

/**
 * Interventions against the float64 reference forward with the same edits, against effects computed by hand, and
 * against their own invariants (a neuron fixed to its own activation changes nothing; a query-path ablation leaves
 * keys, values and the other heads bit-identical).
 */
class InterventionTest {
    static final double TOL = 1e-4;
    static final Set<Hook> ALL = EnumSet.of(Hook.MLP_POST, Hook.LOGITS, Hook.LN_FINAL_SCALE, Hook.RESID_FINAL,
            Hook.ATTN_BOS, Hook.HEAD_Z_NORM, Hook.ATTN_K, Hook.ATTN_V);

    @TempDir
    Path tmp;

    private Path gpt2() {
        RandomCheckpoint c = RandomCheckpoint.gpt2();
        c.nLayers = 3;
        c.dModel = 32;
        c.nHeads = 4;
        c.dMlp = 64;
        c.vocab = 211;
        c.nCtx = 24;
        c.std = 0.3;
        c.seed = 7;
        return c.writeGpt2(tmp.resolve("gpt2"));
    }

    private Path neox() {
        RandomCheckpoint c = RandomCheckpoint.neox();
        c.nLayers = 3;
        c.dModel = 24;
        c.nHeads = 3;
        c.dMlp = 48;
        c.vocab = 150;
        c.nCtx = 24;
        c.std = 0.3;
        c.seed = 8;
        return c.writeNeox(tmp.resolve("neox"));
    }

    @Test
    void fixingANeuronToItsOwnActivationChangesNothing() {
        for (Path dir : new Path[] {gpt2(), neox()}) {
            try (TransformerModel m = Checkpoints.load(dir, Device.cpu())) {
                int[][] ids = RandomCheckpoint.tokens(3, 2, 16, m.config().vocabSize);
                try (ForwardResult nominal = m.forward(ids, ALL)) {
                    float[] own = ForwardResult.floats(nominal.mlpPost(1).get(":, :, 5"));
                    try (ForwardResult fixed = m.forward(ids, ALL, Intervention.none().fixTo(1, 5, own))) {
                        double worst = 0;
                        for (int l = 0; l < 3; l++) {
                            worst = Math.max(worst, maxDiff(nominal.mlpPost(l), fixed.mlpPost(l)));
                            worst = Math.max(worst, maxDiff(nominal.attnBos(l), fixed.attnBos(l)));
                            worst = Math.max(worst, maxDiff(nominal.headZNorm(l), fixed.headZNorm(l)));
                        }
                        worst = Math.max(worst, maxDiff(nominal.logits(), fixed.logits()));
                        worst = Math.max(worst, maxDiff(nominal.lnFinalScale(), fixed.lnFinalScale()));
                        assertTrue(worst <= 1e-6, dir + ": fixing to the own activation changed a value by " + worst);
                    }
                }
            }
        }
    }

    @Test
    void fixedAndScaledActivationsMatchTheReference() {
        for (Path dir : new Path[] {gpt2(), neox()}) {
            ModelConfig cfg = ModelConfig.read(dir, "m");
            try (TransformerModel m = Checkpoints.load(dir, Device.cpu());
                 CheckpointWeights st = CheckpointWeights.open(dir)) {
                ReferenceForward ref = new ReferenceForward(cfg, WeightSource.of(st));
                int[][] ids = RandomCheckpoint.tokens(4, 2, 14, cfg.vocabSize);
                try (ForwardResult fixed = m.forward(ids, ALL, Intervention.none().fix(0, 9, 3f));
                     ForwardResult nominal = m.forward(ids, ALL)) {
                    double moved = maxDiff(nominal.logits(), fixed.logits());
                    assertTrue(moved > 1e-2, dir + ": fixing L0.9 at 3 should move the logits, moved " + moved);
                    float[] post0 = ForwardResult.floats(fixed.mlpPost(0));
                    float[] logits = ForwardResult.floats(fixed.logits());
                    float[] scale = ForwardResult.floats(fixed.lnFinalScale());
                    for (int s = 0; s < ids.length; s++) {
                        ReferenceForward.Edits e = new ReferenceForward.Edits();
                        e.fixLayer = 0;
                        e.fixNeuron = 9;
                        e.fixValues = constant(ids[s].length, 3.0);
                        ReferenceForward.Output o = ref.run(ids[s], e);
                        int seq = ids[s].length;
                        for (int t = 0; t < seq; t++) {
                            assertEquals(3f, post0[(s * seq + t) * cfg.dMlp + 9], 0f);
                            assertEquals(o.lnFinalScale[t], scale[s * seq + t], TOL);
                            for (int v = 0; v < cfg.vocabSize; v++) {
                                assertEquals(o.logits[t][v], logits[(s * seq + t) * cfg.vocabSize + v], TOL,
                                        dir + " logit " + s + "," + t + "," + v);
                            }
                        }
                    }
                }
                // scaling by 0 and fixing at 0 are the same edit
                try (ForwardResult scaled = m.forward(ids, ALL, Intervention.none().scale(2, 3, 0f));
                     ForwardResult zero = m.forward(ids, ALL, Intervention.none().fix(2, 3, 0f))) {
                    assertEquals(0.0, maxDiff(scaled.logits(), zero.logits()), 0.0);
                }
            }
        }
    }

    @Test
    void queryPathAblationChangesOnlyThatHeadsQueries() {
        for (Path dir : new Path[] {gpt2(), neox()}) {
            ModelConfig cfg = ModelConfig.read(dir, "m");
            int neuron = 11, head = 1, from = 5, seq = 13;
            try (TransformerModel m = Checkpoints.load(dir, Device.cpu());
                 CheckpointWeights st = CheckpointWeights.open(dir)) {
                ReferenceForward ref = new ReferenceForward(cfg, WeightSource.of(st));
                int[][] ids = RandomCheckpoint.tokens(5, 2, seq, cfg.vocabSize);
                Intervention iv = Intervention.none().ablateQueryPath(0, neuron, 2, head, from);
                try (ForwardResult nominal = m.forward(ids, ALL); ForwardResult ablated = m.forward(ids, ALL, iv)) {
                    for (int l = 0; l < cfg.nLayers; l++) {
                        assertArrayEquals(ForwardResult.floats(nominal.attnK(l)), ForwardResult.floats(ablated.attnK(l)),
                                dir + ": keys of layer " + l + " changed");
                        assertArrayEquals(ForwardResult.floats(nominal.attnV(l)), ForwardResult.floats(ablated.attnV(l)),
                                dir + ": values of layer " + l + " changed");
                    }
                    for (int l = 0; l < 2; l++) {
                        assertArrayEquals(ForwardResult.floats(nominal.mlpPost(l)), ForwardResult.floats(ablated.mlpPost(l)));
                        assertArrayEquals(ForwardResult.floats(nominal.attnBos(l)), ForwardResult.floats(ablated.attnBos(l)));
                    }
                    float[] bosN = ForwardResult.floats(nominal.attnBos(2));
                    float[] bosA = ForwardResult.floats(ablated.attnBos(2));
                    float[] zN = ForwardResult.floats(nominal.headZNorm(2));
                    float[] zA = ForwardResult.floats(ablated.headZNorm(2));
                    double changed = 0;
                    for (int s = 0; s < ids.length; s++) {
                        ReferenceForward.Edits e = new ReferenceForward.Edits();
                        e.ablateNeuronLayer = 0;
                        e.ablateNeuron = neuron;
                        e.ablateHeadLayer = 2;
                        e.ablateHead = head;
                        e.ablateFrom = from;
                        ReferenceForward.Output o = ref.run(ids[s], e);
                        for (int h = 0; h < cfg.nHeads; h++) {
                            for (int t = 0; t < seq; t++) {
                                int i = (s * cfg.nHeads + h) * seq + t;
                                if (h != head || t < from) {
                                    assertEquals(bosN[i], bosA[i], 0f, dir + " head " + h + " position " + t);
                                    assertEquals(zN[i], zA[i], 0f, dir + " head " + h + " position " + t);
                                } else {
                                    changed = Math.max(changed, Math.abs(zN[i] - zA[i]));
                                }
                                assertEquals(o.attnBos[2][h][t], bosA[i], TOL, dir + " BOS probability " + h + "," + t);
                                assertEquals(o.zNorm[2][h][t], zA[i], TOL, dir + " ||z|| " + h + "," + t);
                            }
                        }
                    }
                    assertTrue(changed > 1e-3, dir + ": the ablation should change the head's output, changed " + changed);
                }
            }
        }
    }

    /**
     * A last-layer neuron zeroed with the final LayerNorm scale frozen: by hand, logit v at token t moves by
     * -a_t / sigma_t * sum_j gamma_j (w_j - mean(w)) U[v, j] (a_t the nominal activation, w the neuron's output row,
     * gamma the final LayerNorm weight, U the unembedding), computed here from the checkpoint's tensors in float64.
     */
    @Test
    void zeroAblationWithFrozenScaleHasTheHandComputedDirectEffect() {
        Path dir = gpt2();
        ModelConfig cfg = ModelConfig.read(dir, "m");
        int layer = cfg.nLayers - 1, n = 17, d = cfg.dModel;
        try (TransformerModel m = Checkpoints.load(dir, Device.cpu());
             CheckpointWeights st = CheckpointWeights.open(dir)) {
            WeightSource w = WeightSource.of(st);
            float[] cProj = w.floats("transformer.h." + layer + ".mlp.c_proj.weight"); // [d_mlp, d_model]
            float[] gamma = w.floats("transformer.ln_f.weight");
            float[] u = w.floats("transformer.wte.weight"); // tied [vocab, d_model]
            double mean = 0;
            for (int j = 0; j < d; j++) {
                mean += cProj[n * d + j];
            }
            mean /= d;
            double[] direction = new double[cfg.vocabSize];
            for (int v = 0; v < cfg.vocabSize; v++) {
                for (int j = 0; j < d; j++) {
                    direction[v] += gamma[j] * (cProj[n * d + j] - mean) * u[v * d + j];
                }
            }
            int[][] ids = RandomCheckpoint.tokens(6, 2, 10, cfg.vocabSize);
            Set<Hook> hooks = EnumSet.of(Hook.MLP_POST, Hook.RESID_FINAL, Hook.LN_FINAL_SCALE);
            try (ForwardResult nominal = m.forward(ids, hooks);
                 ForwardResult ablated = m.forward(ids, hooks, Intervention.none().fix(layer, n, 0f))) {
                NDArray scale = nominal.lnFinalScale();
                float[] before = ForwardResult.floats(m.finalLogits(nominal.residFinal(), scale));
                float[] after = ForwardResult.floats(m.finalLogits(ablated.residFinal(), scale));
                float[] free = ForwardResult.floats(m.finalLogits(ablated.residFinal(), null));
                float[] act = ForwardResult.floats(nominal.mlpPost(layer).get(":, :, " + n));
                float[] sigma = ForwardResult.floats(scale);
                double freeGap = 0;
                for (int i = 0; i < act.length; i++) {
                    for (int v = 0; v < cfg.vocabSize; v++) {
                        double expected = -act[i] / sigma[i] * direction[v];
                        double got = after[i * cfg.vocabSize + v] - before[i * cfg.vocabSize + v];
                        assertEquals(expected, got, TOL, "token " + i + " logit " + v);
                        freeGap = Math.max(freeGap, Math.abs(free[i * cfg.vocabSize + v] - after[i * cfg.vocabSize + v]));
                    }
                }
                // the scale does move when it is not frozen: the two differ
                assertTrue(freeGap > 1e-4, "the unfrozen LayerNorm should differ from the frozen one, gap " + freeGap);
                assertNotAllZero(act);
            }
        }
    }

    /** The logit direction ranks tokens as TransformerLens' W_U . w_out on processed weights: they differ by a constant. */
    @Test
    void logitDirectionIsTheProcessedUnembeddingOfWOutUpToAConstant() {
        for (Path dir : new Path[] {gpt2(), neox()}) {
            ModelConfig cfg = ModelConfig.read(dir, "m");
            ProcessedWeights w;
            try (CheckpointWeights st = CheckpointWeights.open(dir)) {
                w = WeightProcessing.process(cfg, WeightSource.of(st));
            }
            try (TransformerModel m = Checkpoints.load(dir, Device.cpu())) {
                for (int[] ln : new int[][] {{0, 3}, {2, 40}}) {
                    float[] got = m.logitDirection(ln[0], ln[1]);
                    double[] want = new double[cfg.vocabSize];
                    for (int v = 0; v < cfg.vocabSize; v++) {
                        for (int r = 0; r < cfg.dModel; r++) {
                            want[v] += w.wOut[ln[0]][ln[1] * cfg.dModel + r] * w.wU[r * cfg.vocabSize + v];
                        }
                    }
                    double offset = got[0] - want[0];
                    double spread = 0;
                    for (int v = 0; v < cfg.vocabSize; v++) {
                        spread = Math.max(spread, Math.abs(got[v] - want[v] - offset));
                    }
                    assertTrue(spread < 1e-5, dir + " L" + ln[0] + "." + ln[1] + ": not a constant offset, spread " + spread);
                }
            }
        }
    }

    @Test
    void stopAfterRunsTheFirstBlocksOnly() {
        Path dir = gpt2();
        try (TransformerModel m = Checkpoints.load(dir, Device.cpu())) {
            int[][] ids = RandomCheckpoint.tokens(9, 1, 8, m.config().vocabSize);
            try (ForwardResult full = m.forward(ids, ALL);
                 ForwardResult part = m.forward(ids, ALL, Intervention.none().stopAfter(1))) {
                assertArrayEquals(ForwardResult.floats(full.mlpPost(1)), ForwardResult.floats(part.mlpPost(1)));
                assertNull(part.mlpPost(2));
                assertNull(part.logits());
            }
        }
    }

    @Test
    void interventionsOutsideTheModelAreRefusedWithOneLine() {
        Path dir = gpt2();
        try (TransformerModel m = Checkpoints.load(dir, Device.cpu())) {
            int[][] ids = RandomCheckpoint.tokens(9, 2, 8, m.config().vocabSize);
            assertEquals("intervention: neuron L0.64 outside the model's 3 layers x 64 neurons",
                    assertThrows(UsageException.class, () -> m.forward(ids, ALL, Intervention.none().fix(0, 64, 1f))).getMessage());
            assertEquals("intervention: head layer 1 must be after the neuron's layer 1 and below 3",
                    assertThrows(UsageException.class,
                            () -> m.forward(ids, ALL, Intervention.none().ablateQueryPath(1, 0, 1, 0, 0))).getMessage());
            assertEquals("intervention: head 4 outside [0, 4)", assertThrows(UsageException.class,
                    () -> m.forward(ids, ALL, Intervention.none().ablateQueryPath(0, 0, 2, 4, 0))).getMessage());
            assertEquals("intervention: 15 per-token values for neuron L1.2, the batch has 2 x 8 tokens",
                    assertThrows(UsageException.class,
                            () -> m.forward(ids, ALL, Intervention.none().fixTo(1, 2, new float[15]))).getMessage());
        }
    }

    private static void assertNotAllZero(float[] a) {
        double s = 0;
        for (float x : a) {
            s += Math.abs(x);
        }
        assertTrue(s > 0, "activations all zero: the test would prove nothing");
    }

    private static double[] constant(int n, double v) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    private static double maxDiff(NDArray a, NDArray b) {
        float[] x = ForwardResult.floats(a);
        float[] y = ForwardResult.floats(b);
        assertEquals(x.length, y.length);
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            worst = Math.max(worst, Math.abs(x[i] - y[i]));
        }
        return worst;
    }
}
