package org.uneurons.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

/** A gradient that holds NaN or infinity must not poison later steps, nor move the parameters. */
class NonFiniteStepTest {
    private static final int[] ROWS = {0, 1};

    private static void backward(TrainableGpt2 m, NDManager s) {
        m.zeroGradients();
        try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
            gc.backward(m.loss(TrainTool.ids(s, GradientCheckTest.IDS, ROWS), TrainTool.ids(s, GradientCheckTest.TARGETS, ROWS)));
        }
    }

    private static Map<String, float[]> gradients(TrainableGpt2 m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        m.parameters().forEach((k, p) -> {
            try (NDArray g = p.getGradient()) {
                out.put(k, g.toFloatArray());
            }
        });
        return out;
    }

    /** Writes NaN and infinity into one parameter's gradient, as a bad backward pass would leave it. */
    private static void poison(TrainableGpt2 m, String name) {
        try (NDArray g = m.parameters().get(name).getGradient()) {
            float[] bad = g.toFloatArray();
            bad[0] = Float.NaN;
            bad[bad.length - 1] = Float.POSITIVE_INFINITY;
            g.set(FloatBuffer.wrap(bad));
        }
    }

    @Test
    void clearingRemovesNonFiniteGradients() {
        try (TrainableGpt2 m = new TrainableGpt2(GradientCheckTest.SHAPE, GradientCheckTest.weights(), Device.cpu());
             NDManager s = m.manager().newSubManager()) {
            backward(m, s);
            Map<String, float[]> clean = gradients(m);
            String name = m.parameters().keySet().iterator().next();
            poison(m, name);
            assertTrue(Float.isNaN(gradients(m).get(name)[0]));
            // g - g (the every-step zeroing) would leave NaN in place; clearing must write zeros
            m.clearGradients();
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                gc.backward(m.loss(TrainTool.ids(s, GradientCheckTest.IDS, ROWS), TrainTool.ids(s, GradientCheckTest.TARGETS, ROWS)));
            }
            Map<String, float[]> again = gradients(m);
            for (String k : clean.keySet()) {
                assertArrayEquals(clean.get(k), again.get(k), 0f, k);
            }
        }
    }

    @Test
    void aNonFiniteGradientLeavesParametersAndMomentsAlone() {
        try (TrainableGpt2 m = new TrainableGpt2(GradientCheckTest.SHAPE, GradientCheckTest.weights(), Device.cpu());
             TrainableGpt2 ref = new TrainableGpt2(GradientCheckTest.SHAPE, GradientCheckTest.weights(), Device.cpu());
             NDManager s = m.manager().newSubManager();
             NDManager rs = ref.manager().newSubManager()) {
            AdamW opt = new AdamW(m.parameters(), m.manager(), 0.9, 0.95, 1e-8, 0.1, 1.0);
            AdamW refOpt = new AdamW(ref.parameters(), ref.manager(), 0.9, 0.95, 1e-8, 0.1, 1.0);
            Map<String, float[]> before = m.weights();
            backward(m, s);
            poison(m, m.parameters().keySet().iterator().next());
            double norm = opt.step(1e-2, s);
            assertFalse(Double.isFinite(norm), "norm " + norm);
            assertTrue(m.parametersFinite());
            Map<String, float[]> after = m.weights();
            for (String k : before.keySet()) {
                assertArrayEquals(before.get(k), after.get(k), 0f, k + " moved on a skipped step");
            }
            // the skipped step left no trace: the next good step equals a fresh optimizer's first step
            m.clearGradients();
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                gc.backward(m.loss(TrainTool.ids(s, GradientCheckTest.IDS, ROWS), TrainTool.ids(s, GradientCheckTest.TARGETS, ROWS)));
            }
            backward(ref, rs);
            assertEquals(refOpt.step(1e-2, rs), opt.step(1e-2, s), 0.0);
            Map<String, float[]> w = m.weights();
            Map<String, float[]> rw = ref.weights();
            for (String k : w.keySet()) {
                assertArrayEquals(rw.get(k), w.get(k), 0f, k);
            }
        }
    }
}
