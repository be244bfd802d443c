package org.uneurons.blas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.uneurons.core.stats.Gemm;
import org.uneurons.core.stats.PairMoments;
import org.uneurons.core.stats.PlainGemm;
import org.uneurons.core.stats.ReferencePearson;
import org.uneurons.core.stats.Rotations;
import org.uneurons.core.stats.Synthetic;

/** The native engine against plain loops, and the whole streaming computation on it against the reference. */
class OpenBlasGemmTest {
    private static final Gemm PLAIN = new PlainGemm();
    /** The precisions a heap engine runs (tf32 and bf16 are device-only). */
    private static final Gemm.Precision[] HEAP_PRECISIONS = {Gemm.Precision.FLOAT64, Gemm.Precision.FLOAT32};

    @Test
    void productsEqualPlainLoops() {
        SplittableRandom rng = new SplittableRandom(1);
        int k = 37, m = 13, n = 29;
        double[] a = new double[k * m + 5]; // longer than needed, as the engine's scratch buffers are
        double[] b = new double[k * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = rng.nextGaussian() * 100;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = rng.nextGaussian();
        }
        try (OpenBlasGemm blas = new OpenBlasGemm()) {
            for (Gemm.Precision p : HEAP_PRECISIONS) {
                double[][] want = new double[m][n];
                double[][] got = new double[m][n];
                for (int i = 0; i < m; i++) { // non-zero start: the engine must add, not overwrite
                    want[i][i % n] = 5;
                    got[i][i % n] = 5;
                }
                try (Gemm.Operand pa = PLAIN.upload(k, m, a, p); Gemm.Operand pb = PLAIN.upload(k, n, b, p)) {
                    PLAIN.addAtB(pa, pb, want);
                }
                try (Gemm.Operand pa = blas.upload(k, m, a, p); Gemm.Operand pb = blas.upload(k, n, b, p)) {
                    blas.addAtB(pa, pb, got);
                }
                double[][] wantSym = new double[m][m];
                double[][] gotSym = new double[m][m];
                wantSym[2][5] = gotSym[2][5] = 1; // non-zero start, off the diagonal, not symmetric
                try (Gemm.Operand pa = PLAIN.upload(k, m, a, p)) {
                    PLAIN.addAtA(pa, wantSym);
                }
                try (Gemm.Operand pa = blas.upload(k, m, a, p)) {
                    blas.addAtA(pa, gotSym);
                }
                // float32 sums of k products: relative error a few k * 2^-24 of the largest entry
                double tol = (p == Gemm.Precision.FLOAT64 ? 1e-13 : 1e-5) * (1 + maxAbs(wantSym));
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < m; j++) {
                        assertEquals(wantSym[i][j], gotSym[i][j], tol, p + " syrk at " + i + "," + j);
                    }
                }
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        assertEquals(want[i][j], got[i][j], tol, p + " at " + i + "," + j);
                    }
                }
            }
            double[][] x = new double[7][11], y = new double[5][11];
            for (double[] r : x) {
                for (int j = 0; j < r.length; j++) {
                    r[j] = rng.nextGaussian();
                }
            }
            for (double[] r : y) {
                for (int j = 0; j < r.length; j++) {
                    r[j] = rng.nextGaussian();
                }
            }
            double[][] want = PLAIN.multiplyABt(x, y);
            double[][] got = blas.multiplyABt(x, y);
            for (int i = 0; i < want.length; i++) {
                for (int j = 0; j < want[i].length; j++) {
                    assertEquals(want[i][j], got[i][j], 1e-12);
                }
            }
            assertEquals(Runtime.getRuntime().availableProcessors(), OpenBlasGemm.threads());
        }
    }

    @Test
    void symmetricProductAcrossSeveralTilesEqualsPlainLoops() {
        SplittableRandom rng = new SplittableRandom(2);
        int k = 20, n = 150; // three 64-wide tiles, the last one partial
        double[] a = new double[k * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = rng.nextGaussian();
        }
        try (OpenBlasGemm blas = new OpenBlasGemm()) {
            for (Gemm.Precision p : HEAP_PRECISIONS) {
                double[][] want = new double[n][n];
                double[][] got = new double[n][n];
                try (Gemm.Operand pa = PLAIN.upload(k, n, a, p)) {
                    PLAIN.addAtA(pa, want);
                }
                try (Gemm.Operand pa = blas.upload(k, n, a, p)) {
                    blas.addAtA(pa, got);
                    blas.addAtA(pa, got); // accumulates
                }
                double tol = (p == Gemm.Precision.FLOAT64 ? 1e-13 : 1e-5) * (1 + maxAbs(want));
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        assertEquals(2 * want[i][j], got[i][j], 2 * tol, p + " at " + i + "," + j);
                    }
                }
            }
        }
    }

    @Test
    void fusedRankOneCorrectionsEqualPlainLoops() {
        SplittableRandom rng = new SplittableRandom(4);
        int k = 11, m = 70, n = 90;
        double[] a = new double[k * m], b = new double[k * n], u = new double[m + 3], v = new double[n + 5];
        for (double[] x : new double[][] {a, b, u, v}) {
            for (int i = 0; i < x.length; i++) {
                x[i] = rng.nextGaussian();
            }
        }
        u[3 + 7] = 0; // a row without correction
        try (OpenBlasGemm blas = new OpenBlasGemm()) {
            for (Gemm.Precision p : HEAP_PRECISIONS) {
                double[][] want = new double[m][n], got = new double[m][n];
                double[][] wantSym = new double[m][m], gotSym = new double[m][m];
                try (Gemm.Operand pa = PLAIN.upload(k, m, a, p); Gemm.Operand pb = PLAIN.upload(k, n, b, p)) {
                    PLAIN.addAtBPlusOuter(pa, pb, want, u, 3, v, 5, 0.75);
                    PLAIN.addAtAPlusOuter(pa, wantSym, u, 3, 0.75);
                }
                try (Gemm.Operand pa = blas.upload(k, m, a, p); Gemm.Operand pb = blas.upload(k, n, b, p)) {
                    blas.addAtBPlusOuter(pa, pb, got, u, 3, v, 5, 0.75);
                    blas.addAtAPlusOuter(pa, gotSym, u, 3, 0.75);
                }
                double tol = (p == Gemm.Precision.FLOAT64 ? 1e-13 : 1e-5) * (1 + maxAbs(want));
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        assertEquals(want[i][j], got[i][j], tol, p + " at " + i + "," + j);
                    }
                    for (int j = 0; j < m; j++) {
                        assertEquals(wantSym[i][j], gotSym[i][j], tol, p + " sym at " + i + "," + j);
                    }
                }
            }
        }
    }

    @Test
    void lapackHaarMatrixEqualsGramSchmidt() {
        try (OpenBlasGemm blas = new OpenBlasGemm()) {
            for (int d : new int[] {1, 7, 64}) {
                double[][] plain = Rotations.matrix(Rotations.Kind.HAAR, 9, 1, 2, d);
                double[][] lapack = Rotations.matrix(Rotations.Kind.HAAR, 9, 1, 2, d, blas);
                for (int i = 0; i < d; i++) {
                    for (int j = 0; j < d; j++) {
                        assertEquals(plain[i][j], lapack[i][j], 1e-10, "d=" + d + " at " + i + "," + j);
                    }
                }
            }
        }
    }

    @Test
    void streamingPearsonOnOpenBlasMeetsTheAccuracyTargets() {
        Synthetic s = Synthetic.adversarial(41, 3000, 2, 24, 2, 20);
        double[][] ref = ReferencePearson.correlations(s.a, s.dA, s.b, s.dB, s.tokens);
        try (OpenBlasGemm blas = new OpenBlasGemm()) {
            double err64 = error(s, ref, blas, Gemm.Precision.FLOAT64);
            double err32 = error(s, ref, blas, Gemm.Precision.FLOAT32);
            System.out.printf(Locale.ROOT, "correlate accuracy on OpenBLAS, adversarial activations: float64 max |dr| = %.3e, "
                    + "float32 products max |dr| = %.3e%n", err64, err32);
            assertTrue(err64 <= 1e-6, "float64 max |dr| " + err64);
            assertTrue(err32 <= 1e-4, "float32 max |dr| " + err32);
        }
    }

    private static double maxAbs(double[][] x) {
        double m = 0;
        for (double[] r : x) {
            for (double v : r) {
                m = Math.max(m, Math.abs(v));
            }
        }
        return m;
    }

    private static double error(Synthetic s, double[][] ref, Gemm gemm, Gemm.Precision p) {
        PairMoments m = new PairMoments(s.shape());
        // batches of 1000 and a single-token tail
        s.feed(m, 0, s.tokens - 1, 1000, gemm, p);
        s.feed(m, s.tokens - 1, s.tokens, 1, gemm, p);
        return ReferencePearson.maxAbsDiff(ReferencePearson.fromMoments(m), ref);
    }
}
