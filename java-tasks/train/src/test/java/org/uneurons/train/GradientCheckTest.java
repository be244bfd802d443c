package org.uneurons.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

/** Autograd gradients of the training loss against central finite differences, for every kind of parameter. */
class GradientCheckTest {
    static final Gpt2Shape SHAPE = new Gpt2Shape(2, 8, 2, 16, 6, 11);
    static final int[][] IDS = {{0, 3, 7, 1, 9, 4}, {0, 10, 2, 2, 5, 8}};
    static final int[][] TARGETS = {{3, 7, 1, 9, 4, 6}, {10, 2, 2, 5, 8, 1}};

    /** Weights with LN and biases moved off their init values, so their gradients are generic. */
    static Map<String, float[]> weights() {
        Map<String, float[]> w = Gpt2Init.initialise(SHAPE, 5);
        Random r = new Random(9);
        Map<String, float[]> out = new LinkedHashMap<>();
        w.forEach((k, v) -> {
            float[] c = v.clone();
            for (int i = 0; i < c.length; i++) {
                c[i] += (float) (r.nextGaussian() * 0.3);
            }
            out.put(k, c);
        });
        return out;
    }

    static double loss(Map<String, float[]> w) {
        try (TrainableGpt2 m = new TrainableGpt2(SHAPE, w, Device.cpu());
             NDManager s = m.manager().newSubManager()) {
            return m.loss(TrainTool.ids(s, IDS, new int[] {0, 1}), TrainTool.ids(s, TARGETS, new int[] {0, 1})).getFloat();
        }
    }

    @Test
    void autogradMatchesFiniteDifferences() {
        Map<String, float[]> w = weights();
        Map<String, float[]> grads = new LinkedHashMap<>();
        try (TrainableGpt2 m = new TrainableGpt2(SHAPE, w, Device.cpu());
             NDManager s = m.manager().newSubManager()) {
            m.zeroGradients();
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                gc.backward(m.loss(TrainTool.ids(s, IDS, new int[] {0, 1}), TrainTool.ids(s, TARGETS, new int[] {0, 1})));
            }
            m.parameters().forEach((k, p) -> {
                try (NDArray g = p.getGradient()) {
                    grads.put(k, g.toFloatArray());
                }
            });
        }
        Random pick = new Random(3);
        float h = 1e-2f;
        int checked = 0;
        for (String name : List.copyOf(w.keySet())) {
            for (int trial = 0; trial < 3; trial++) {
                float[] v = w.get(name);
                int i = pick.nextInt(v.length);
                float orig = v[i];
                v[i] = orig + h;
                double up = loss(w);
                v[i] = orig - h;
                double down = loss(w);
                v[i] = orig;
                double fd = (up - down) / (2 * h);
                double ag = grads.get(name)[i];
                assertTrue(Math.abs(fd - ag) <= 2e-3 + 0.03 * Math.abs(ag),
                        name + "[" + i + "]: autograd " + ag + ", finite difference " + fd);
                checked++;
            }
        }
        assertTrue(checked >= 3 * 26);
    }
}
