package org.uneurons.accumulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import java.util.Random;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.uneurons.core.stats.Gemm;
import org.uneurons.core.stats.PairMoments;
import org.uneurons.core.stats.ReferencePearson;
import org.uneurons.core.stats.Synthetic;

/** The tf32 and bf16 product formats: their rounding on the device, and the |dr| each one makes. */
class ProductsTest {

    /** Round to nearest even, dropping the {@code drop} low mantissa bits of a float32 (the reference in Java). */
    static float roundBits(float x, int drop) {
        int bits = Float.floatToRawIntBits(x);
        int half = 1 << (drop - 1);
        int lsb = (bits >> drop) & 1;
        return Float.intBitsToFloat(((bits + half - 1 + lsb) >> drop) << drop);
    }

    private static void roundsAsTheReference(float splitter, int drop) {
        Random r = new Random(drop);
        float[] x = new float[1 << 16];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(9) - 4));
        }
        float unit = Float.intBitsToFloat(Float.floatToRawIntBits(1f) + (1 << drop)) - 1f; // the format's ulp at 1
        x[0] = 1f + unit / 2 + unit / 64; // just above half an ulp: rounds up
        x[1] = 1f + unit / 2 - unit / 64; // just below: rounds down
        float[] t;
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            t = Products.round(m.create(x), splitter).toFloatArray();
        }
        assertEquals(1f + unit, t[0]);
        assertEquals(1f, t[1]);
        int ties = 0;
        for (int i = 0; i < x.length; i++) {
            assertEquals(0, Float.floatToRawIntBits(t[i]) & ((1 << drop) - 1), "low bits of " + t[i] + " must be zero");
            if (t[i] != roundBits(x[i], drop)) {
                // Veltkamp splitting may break an exact tie the other way; nothing else may differ
                assertEquals(0, Float.floatToRawIntBits(x[i]) & ((1 << drop) - 1) ^ (1 << (drop - 1)), x[i] + " -> " + t[i]);
                ties++;
            }
        }
        System.out.printf(Locale.ROOT, "rounding to %d significant bits on the device: %d values, equal to round to nearest"
                + " even but for %d exact ties%n", 24 - drop, x.length, ties);
    }

    @Test
    void tf32KeepsElevenSignificantBitsRoundedToNearest() {
        roundsAsTheReference(Products.TF32_SPLITTER, 13);
    }

    @Test
    void bf16KeepsEightSignificantBitsRoundedToNearest() {
        roundsAsTheReference(Products.BF16_SPLITTER, 16);
    }

    /** Streams the synthetic tokens into device totals in batches of {@code batch} rows. */
    private static double error(Device device, Synthetic s, int batch, Gemm.Precision p) {
        PairMoments m;
        try (DeviceMoments dm = new DeviceMoments(s.shape(), device, p)) {
            for (int t = 0; t < s.tokens; t += batch) {
                int e = Math.min(s.tokens, t + batch);
                dm.update(Synthetic.rows(s.a, s.dA, t, e), Synthetic.rows(s.b, s.dB, t, e), e - t);
            }
            m = dm.totals();
        }
        double[][] ref = ReferencePearson.correlations(s.a, s.dA, s.b, s.dB, s.tokens);
        return ReferencePearson.maxAbsDiff(ReferencePearson.fromMoments(m), ref);
    }

    /** The adversarial data of core's accuracy tests: centring is float64 whatever the products, so only they err. */
    private static void accuracy(Device device, String label) {
        Synthetic s = Synthetic.adversarial(9, 1500, 2, 10, 3, 7);
        double e32 = error(device, s, Gemm.Precision.FLOAT32);
        double tf32 = error(device, s, Gemm.Precision.TF32);
        double bf16 = error(device, s, Gemm.Precision.BF16);
        System.out.printf(Locale.ROOT, "products on %s, max |dr| against the two-pass reference: float32 %.2e, tf32 %.2e,"
                + " bf16 %.2e%n", label, e32, tf32, bf16);
        assertTrue(e32 <= 1e-4 && tf32 <= 5e-3 && bf16 <= 5e-2, e32 + " " + tf32 + " " + bf16);
        assertTrue(e32 < tf32 && tf32 < bf16, "each format coarser than the one before");
    }

    private static double error(Device device, Synthetic s, Gemm.Precision p) {
        return error(device, s, 500, p);
    }

    @Test
    void eachFormatErrsAsItsMantissaSaysOnTheCpu() {
        accuracy(Device.cpu(), "cpu");
    }

    @Test
    void eachFormatOnTheGpu() {
        Assumptions.assumeTrue(Engine.getEngine("PyTorch").getGpuCount() > 0, "no GPU visible to PyTorch: skipped");
        accuracy(Device.gpu(), "gpu:0");
    }
}
