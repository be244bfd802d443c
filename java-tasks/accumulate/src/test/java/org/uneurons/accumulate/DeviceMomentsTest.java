package org.uneurons.accumulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Locale;

import ai.djl.Device;
import ai.djl.engine.Engine;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.uneurons.core.stats.Gemm;
import org.uneurons.core.stats.MomentShape;
import org.uneurons.core.stats.PairMoments;
import org.uneurons.core.stats.PlainGemm;
import org.uneurons.core.stats.ReferencePearson;
import org.uneurons.core.stats.Synthetic;

/**
 * The device accumulator (PyTorch through DJL) against the plain float64 two-pass reference and against the heap
 * engine, on the adversarial activations of core's accuracy tests: means ~1e3 with variance ~1e-2, dead neurons,
 * Cauchy and lognormal tails, single-token and ragged batches. On the CPU engine always; on a GPU when there is one.
 */
class DeviceMomentsTest {
    private static final Gemm PLAIN = new PlainGemm();

    /** Streams the synthetic tokens into device totals in batches of {@code batch} rows. */
    private static PairMoments onDevice(Device device, Synthetic s, MomentShape shape, int batch, Gemm.Precision p) {
        try (DeviceMoments m = new DeviceMoments(shape, device, p)) {
            for (int t = 0; t < s.tokens; t += batch) {
                int e = Math.min(s.tokens, t + batch);
                m.update(Synthetic.rows(s.a, s.dA, t, e), Synthetic.rows(s.b, s.dB, t, e), e - t);
            }
            assertEquals(s.tokens, m.count());
            return m.totals();
        }
    }

    private static double errorAgainstReference(Device device, Gemm.Precision p, Synthetic s, int batch) {
        PairMoments m = onDevice(device, s, s.shape(), batch, p);
        double[][] ref = ReferencePearson.correlations(s.a, s.dA, s.b, s.dB, s.tokens);
        return ReferencePearson.maxAbsDiff(ReferencePearson.fromMoments(m), ref);
    }

    /** The accuracy bounds of the heap engine (PairMomentsAccuracyTest), on {@code device}. */
    private static void accuracy(Device device, String label) {
        Synthetic s64 = Synthetic.adversarial(1, 1500, 2, 10, 3, 7);
        double e64 = errorAgainstReference(device, Gemm.Precision.FLOAT64, s64, 256);
        Synthetic s32 = Synthetic.adversarial(2, 1500, 2, 10, 3, 7);
        double e32 = errorAgainstReference(device, Gemm.Precision.FLOAT32, s32, 500);
        System.out.printf(Locale.ROOT, "device accumulator on %s: max |dr| vs two-pass reference: float64 products %.3e,"
                + " float32 products %.3e%n", label, e64, e32);
        assertTrue(e64 <= 1e-6, "float64 max |dr| " + e64);
        assertTrue(e32 <= 1e-4, "float32 max |dr| " + e32);
    }

    @Test
    void cpuEngineMatchesTheTwoPassReference() {
        accuracy(Device.cpu(), "cpu");
    }

    @Test
    void gpuMatchesTheTwoPassReference() {
        int gpus = Engine.getEngine("PyTorch").getGpuCount();
        Assumptions.assumeTrue(gpus > 0, "no GPU visible to PyTorch (DJL getGpuCount() == 0): GPU accumulator test skipped");
        accuracy(Device.gpu(), "gpu:0");
        // and the GPU totals equal the CPU engine's
        Synthetic s = Synthetic.adversarial(8, 700, 2, 6, 2, 5);
        PairMoments gpu = onDevice(Device.gpu(), s, s.shape(), 128, Gemm.Precision.FLOAT64);
        PairMoments cpu = onDevice(Device.cpu(), s, s.shape(), 128, Gemm.Precision.FLOAT64);
        double d = maxScaledDifference(cpu, gpu);
        System.out.printf(Locale.ROOT, "device accumulator gpu:0 vs cpu totals: max |d|/scale %.2e%n", d);
        assertTrue(d <= 1e-12, "gpu vs cpu totals " + d);
    }

    @Test
    void equalsTheHeapEngineTotals() {
        Synthetic s = Synthetic.adversarial(7, 900, 2, 8, 3, 6);
        PairMoments device = onDevice(Device.cpu(), s, s.shape(), 200, Gemm.Precision.FLOAT64);
        PairMoments heap = new PairMoments(s.shape());
        s.feed(heap, 0, s.tokens, 200, PLAIN, Gemm.Precision.FLOAT64);
        assertEquals(heap.count(), device.count());
        double d = maxScaledDifference(heap, device);
        System.out.printf(Locale.ROOT, "device accumulator (cpu) vs heap totals, float64 products: max |d|/scale %.2e%n", d);
        assertTrue(d <= 1e-12, "device vs heap totals " + d);
        // the float32 option rounds the centred operands as the heap engine does: equal to float32 accuracy
        PairMoments device32 = onDevice(Device.cpu(), s, s.shape(), 200, Gemm.Precision.FLOAT32);
        PairMoments heap32 = new PairMoments(s.shape());
        s.feed(heap32, 0, s.tokens, 200, PLAIN, Gemm.Precision.FLOAT32);
        double d32 = maxScaledDifference(heap32, device32);
        System.out.printf(Locale.ROOT, "device accumulator (cpu) vs heap totals, float32 products: max |d|/scale %.2e%n", d32);
        assertTrue(d32 <= 1e-5, "device vs heap totals, float32 products " + d32);
    }

    @Test
    void singleTokenRaggedAndOversizedBatches() {
        Synthetic s = Synthetic.adversarial(3, 300, 1, 6, 2, 5);
        int[] cuts = {0, 1, 2, 3, 5, 12, 300};
        PairMoments m;
        try (DeviceMoments dm = new DeviceMoments(s.shape(), Device.cpu(), Gemm.Precision.FLOAT64)) {
            for (int c = 0; c + 1 < cuts.length; c++) {
                float[][] a = Synthetic.rows(s.a, s.dA, cuts[c], cuts[c + 1]);
                float[][] b = Synthetic.rows(s.b, s.dB, cuts[c], cuts[c + 1]);
                if (c == 3) { // reused buffers are longer than the batch: only rows x d values count
                    a = pad(a, 17);
                    b = pad(b, 23);
                }
                dm.update(a, b, cuts[c + 1] - cuts[c]);
            }
            dm.update(new float[][] {new float[0]}, new float[][] {new float[0], new float[0]}, 0); // empty batch
            m = dm.totals();
        }
        assertEquals(300, m.count());
        double[][] ref = ReferencePearson.correlations(s.a, s.dA, s.b, s.dB, s.tokens);
        double err = ReferencePearson.maxAbsDiff(ReferencePearson.fromMoments(m), ref);
        System.out.printf(Locale.ROOT, "device accumulator, batches of 1, 1, 1, 2, 7, 288 tokens: max |dr| %.3e%n", err);
        assertTrue(err <= 1e-6, "ragged batches max |dr| " + err);
    }

    private static float[][] pad(float[][] layers, int extra) {
        float[][] out = new float[layers.length][];
        for (int l = 0; l < layers.length; l++) {
            out[l] = Arrays.copyOf(layers[l], layers[l].length + extra);
            Arrays.fill(out[l], layers[l].length, out[l].length, Float.NaN); // would poison the totals if read
        }
        return out;
    }

    @Test
    void deadNeuronsKeepExactlyZeroDeviation() {
        Synthetic s = Synthetic.adversarial(4, 200, 1, 8, 1, 9);
        PairMoments m = onDevice(Device.cpu(), s, s.shape(), 64, Gemm.Precision.FLOAT64);
        // neuron 1 of a is dead (3.25), neuron 4 of b is dead (-7.5)
        assertEquals(0.0, m.m2A()[1]);
        assertEquals(0.0, m.m2B()[4]);
        assertEquals(3.25, m.meanA()[1]);
        assertEquals(-7.5, m.meanB()[4]);
        double[][] r = ReferencePearson.fromMoments(m);
        for (double[] row : r) {
            assertEquals(0.0, row[4]);
            for (double v : row) {
                assertFalse(Double.isNaN(v));
            }
        }
        for (double v : r[1]) {
            assertEquals(0.0, v);
        }
    }

    @Test
    void layerRangeOfAEqualsTheSameRowsOfTheFullMatrix() {
        Synthetic s = Synthetic.adversarial(5, 400, 3, 4, 2, 5);
        PairMoments full = onDevice(Device.cpu(), s, s.shape(), 100, Gemm.Precision.FLOAT64);
        MomentShape range = new MomentShape(3, 4, 1, 2, 2, 5);
        PairMoments part;
        try (DeviceMoments dm = new DeviceMoments(range, Device.cpu(), Gemm.Precision.FLOAT64)) {
            for (int t = 0; t < s.tokens; t += 100) {
                float[][] a = Synthetic.rows(s.a, s.dA, t, t + 100);
                dm.update(new float[][] {a[1], a[2]}, Synthetic.rows(s.b, s.dB, t, t + 100), 100);
            }
            part = dm.totals();
        }
        double[][] rf = ReferencePearson.fromMoments(full);
        double[][] rp = ReferencePearson.fromMoments(part);
        for (int i = 0; i < rp.length; i++) {
            for (int j = 0; j < rp[i].length; j++) {
                assertEquals(rf[4 + i][j], rp[i][j], 1e-12);
            }
        }
    }

    /**
     * Largest difference over every total, each in its natural scale: a mean against max(|mean|, standard
     * deviation), an m2 against itself, a co-moment (i, j) against sqrt(m2_i m2_j) (so in units of correlation).
     */
    static double maxScaledDifference(PairMoments x, PairMoments y) {
        MomentShape sh = x.shape();
        assertEquals(sh, y.shape());
        assertEquals(x.count(), y.count());
        long n = x.count();
        double worst = 0;
        for (int i = 0; i < sh.neuronsA(); i++) {
            worst = Math.max(worst, scaled(x.m2A()[i], y.m2A()[i], x.m2A()[i]));
            worst = Math.max(worst, scaled(x.meanA()[i], y.meanA()[i], Math.max(Math.abs(x.meanA()[i]), Math.sqrt(x.m2A()[i] / n))));
        }
        for (int j = 0; j < sh.neuronsB(); j++) {
            worst = Math.max(worst, scaled(x.m2B()[j], y.m2B()[j], x.m2B()[j]));
            worst = Math.max(worst, scaled(x.meanB()[j], y.meanB()[j], Math.max(Math.abs(x.meanB()[j]), Math.sqrt(x.m2B()[j] / n))));
        }
        for (int la = 0; la < sh.layersInRangeA(); la++) {
            for (int lb = 0; lb < sh.nLayersB(); lb++) {
                for (int i = 0; i < sh.dA(); i++) {
                    for (int j = 0; j < sh.dB(); j++) {
                        double scale = Math.sqrt(x.m2A()[la * sh.dA() + i] * x.m2B()[lb * sh.dB() + j]);
                        worst = Math.max(worst, scaled(x.comoment(la, lb)[i][j], y.comoment(la, lb)[i][j], scale));
                    }
                }
            }
        }
        for (int lb = 0; lb < sh.nLayersB(); lb++) {
            for (int i = 0; i < sh.dB(); i++) {
                for (int j = 0; j < sh.dB(); j++) {
                    double scale = Math.sqrt(x.m2B()[lb * sh.dB() + i] * x.m2B()[lb * sh.dB() + j]);
                    worst = Math.max(worst, scaled(x.covB(lb)[i][j], y.covB(lb)[i][j], scale));
                }
            }
        }
        return worst;
    }

    /** |x - y| / scale; a difference where the scale is 0 (a dead neuron) counts as infinite. */
    private static double scaled(double x, double y, double scale) {
        double d = Math.abs(x - y);
        if (d == 0) {
            return 0;
        }
        return scale == 0 || Double.isNaN(d) ? Double.POSITIVE_INFINITY : d / scale;
    }
}
