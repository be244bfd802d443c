package org.uneurons.bench;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J's own float32 gemm rate, for the benchmark's comparison. ND4J is not shipped with the task jar (the engine
 * calls the same OpenBLAS directly); put its jars on the classpath to measure it.
 */
final class Nd4jRate {
    private Nd4jRate() {
    }

    static boolean available() {
        try {
            Class.forName("org.nd4j.linalg.factory.Nd4j", false, Nd4jRate.class.getClassLoader());
            Class.forName("org.nd4j.linalg.cpu.nativecpu.CpuBackend", false, Nd4jRate.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Best of three after a warm-up, GFLOP/s, of C = A^T B with A [k x m], B [k x n] (the co-moment's shape). */
    static double sgemmAtB(int k, int m, int n, int threads) {
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        INDArray a = Nd4j.rand(DataType.FLOAT, k, m);
        INDArray b = Nd4j.rand(DataType.FLOAT, k, n);
        INDArray c = Nd4j.createUninitialized(DataType.FLOAT, new long[] {m, n}, 'f');
        double best = 0;
        for (int rep = 0; rep < 4; rep++) {
            long t0 = System.nanoTime();
            Nd4j.gemm(a, b, c, true, false, 1.0, 0.0);
            double s = (System.nanoTime() - t0) / 1e9;
            if (rep > 0) {
                best = Math.max(best, 2.0 * k * m * n / s / 1e9);
            }
        }
        a.close();
        b.close();
        c.close();
        return best;
    }
}
