package org.uneurons.core.stats;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Streaming first and second moments of two models' neurons over the same tokens: count, means, sums of squared
 * deviations, the co-moment blocks (sums of products of deviations) of every a layer in range with every b layer,
 * and each b layer's own co-moment matrix (for baselines without a second pass). All totals are float64.
 *
 * <p>Each batch is centred on its own mean, its co-moments come from one product per block, and it is folded into
 * the totals with the pairwise update of Chan, Golub and LeVeque (1979):
 * {@code C += C_batch + (mean_a_batch - mean_a)(mean_b_batch - mean_b)^T n n_b / (n + n_b)}. {@link #merge} applies
 * the same update to a whole other set of totals, so sharding and merging agree with one pass up to rounding, in
 * any order. The raw sum-of-squares formula, which cancels catastrophically for large means, is never used.
 */
public final class PairMoments implements MomentBlocks {
    private final MomentShape shape;
    private long n;
    private final double[] meanA;
    private final double[] meanB;
    private final double[] m2A;
    private final double[] m2B;
    /** comoment[layer of a in range][layer of b] = [dA][dB]. */
    private final double[][][][] comoment;
    /** covB[layer of b] = [dB][dB], sums of products of deviations within that layer. */
    private final double[][][] covB;
    /** The centred batch of one layer, per thread, reused across batches so memory does not grow with the tokens. */
    private final ThreadLocal<double[]> scratch = ThreadLocal.withInitial(() -> new double[0]);
    /** The same in float32, for float32 products: centred values are rounded once, straight into it. */
    private final ThreadLocal<float[]> scratchF = ThreadLocal.withInitial(() -> new float[0]);

    public PairMoments(MomentShape shape) {
        this.shape = shape;
        this.meanA = new double[shape.neuronsA()];
        this.m2A = new double[shape.neuronsA()];
        this.meanB = new double[shape.neuronsB()];
        this.m2B = new double[shape.neuronsB()];
        this.comoment = new double[shape.layersInRangeA()][shape.nLayersB()][][];
        for (double[][][] perA : comoment) {
            for (int lb = 0; lb < perA.length; lb++) {
                perA[lb] = new double[shape.dA()][shape.dB()];
            }
        }
        this.covB = new double[shape.nLayersB()][][];
        for (int lb = 0; lb < covB.length; lb++) {
            covB[lb] = new double[shape.dB()][shape.dB()];
        }
    }

    /** Totals read back from a file; the arrays are taken as they are (not copied). */
    public static PairMoments of(MomentShape shape, long n, double[] meanA, double[] meanB, double[] m2A, double[] m2B,
                                 double[][][][] comoment, double[][][] covB) {
        return new PairMoments(shape, n, meanA, meanB, m2A, m2B, comoment, covB);
    }

    private PairMoments(MomentShape shape, long n, double[] meanA, double[] meanB, double[] m2A, double[] m2B,
                        double[][][][] comoment, double[][][] covB) {
        this.shape = shape;
        this.n = n;
        this.meanA = check(meanA, shape.neuronsA(), "mean_a");
        this.meanB = check(meanB, shape.neuronsB(), "mean_b");
        this.m2A = check(m2A, shape.neuronsA(), "m2_a");
        this.m2B = check(m2B, shape.neuronsB(), "m2_b");
        if (comoment != null) {
            checkBlocks(shape, comoment, covB);
        }
        this.comoment = comoment;
        this.covB = covB;
    }

    private static void checkBlocks(MomentShape shape, double[][][][] comoment, double[][][] covB) {
        if (comoment.length != shape.layersInRangeA()) {
            throw new IllegalArgumentException("comoment has " + comoment.length + " a layers, expected " + shape.layersInRangeA());
        }
        for (double[][][] perA : comoment) {
            if (perA.length != shape.nLayersB()) {
                throw new IllegalArgumentException("comoment has " + perA.length + " b layers, expected " + shape.nLayersB());
            }
            for (double[][] block : perA) {
                checkBlock(block, shape.dA(), shape.dB(), "comoment block");
            }
        }
        if (covB.length != shape.nLayersB()) {
            throw new IllegalArgumentException("cov_b has " + covB.length + " layers, expected " + shape.nLayersB());
        }
        for (double[][] block : covB) {
            checkBlock(block, shape.dB(), shape.dB(), "cov_b block");
        }
    }

    private static double[] check(double[] v, int len, String what) {
        if (v.length != len) {
            throw new IllegalArgumentException(what + " has " + v.length + " values, expected " + len);
        }
        return v;
    }

    private static void checkBlock(double[][] block, int rows, int cols, String what) {
        if (block.length != rows || (rows > 0 && block[0].length != cols)) {
            throw new IllegalArgumentException(what + " is " + block.length + "x" + (block.length > 0 ? block[0].length : 0)
                    + ", expected " + rows + "x" + cols);
        }
    }

    /**
     * Folds one batch of tokens in. {@code a[i]} holds layer {@code firstLayerA + i} of a as [rows x dA] row-major
     * (tokens are rows), {@code b[l]} layer l of b as [rows x dB]; the same token on the same row of both.
     */
    public void update(float[][] a, float[][] b, int rows, Gemm gemm, Gemm.Precision precision) {
        shape.checkBatch(a.length, b.length);
        if (precision.deviceOnly()) {
            throw new IllegalArgumentException(precision.optionName() + " products run on a DJL device only"
                    + " (accumulate's DeviceMoments), not in a heap engine");
        }
        if (rows == 0) {
            return;
        }
        try (Batch batch = new Batch(a.length, b.length)) {
            // Layers are centred and uploaded in parallel (each by one thread: results do not depend on the count).
            IntStream.range(0, a.length + b.length).parallel()
                    .forEach(i -> upload(i, a, b, rows, gemm, precision, batch));
            // Deltas against the running means must be taken before the means move.
            double[] deltaA = minus(batch.meanA, meanA);
            double[] deltaB = minus(batch.meanB, meanB);
            double weight = (double) n * rows / ((double) n + rows);
            int dA = shape.dA(), dB = shape.dB();
            for (int la = 0; la < a.length; la++) {
                for (int lb = 0; lb < b.length; lb++) {
                    gemm.addAtBPlusOuter(batch.opA[la], batch.opB[lb], comoment[la][lb], deltaA, la * dA, deltaB,
                            lb * dB, weight);
                }
            }
            for (int lb = 0; lb < b.length; lb++) {
                gemm.addAtAPlusOuter(batch.opB[lb], covB[lb], deltaB, lb * dB, weight);
            }
            foldMoments(meanA, m2A, batch.meanA, batch.m2A, deltaA, rows);
            foldMoments(meanB, m2B, batch.meanB, batch.m2B, deltaB, rows);
            n += rows;
        }
    }

    /** One batch's means, sums of squared deviations and uploaded centred operands; closing frees the operands. */
    private final class Batch implements AutoCloseable {
        final double[] meanA = new double[PairMoments.this.meanA.length];
        final double[] m2A = new double[PairMoments.this.meanA.length];
        final double[] meanB = new double[PairMoments.this.meanB.length];
        final double[] m2B = new double[PairMoments.this.meanB.length];
        final Gemm.Operand[] opA;
        final Gemm.Operand[] opB;

        Batch(int layersA, int layersB) {
            opA = new Gemm.Operand[layersA];
            opB = new Gemm.Operand[layersB];
        }

        @Override
        public void close() {
            for (Gemm.Operand[] ops : new Gemm.Operand[][] {opA, opB}) {
                for (Gemm.Operand op : ops) {
                    if (op != null) {
                        op.close();
                    }
                }
            }
        }
    }

    /** Centres layer {@code i} (a's layers first, then b's) of the batch and uploads it as an operand. */
    private void upload(int i, float[][] a, float[][] b, int rows, Gemm gemm, Gemm.Precision precision, Batch batch) {
        boolean isA = i < a.length;
        int l = isA ? i : i - a.length;
        float[] x = isA ? a[l] : b[l];
        int d = isA ? shape.dA() : shape.dB();
        double[] mean = isA ? batch.meanA : batch.meanB;
        double[] m2 = isA ? batch.m2A : batch.m2B;
        int need = rows * Math.max(shape.dA(), shape.dB());
        Gemm.Operand op;
        if (precision == Gemm.Precision.FLOAT32) {
            float[] work = scratchF.get();
            if (work.length < need) {
                work = new float[need];
                scratchF.set(work);
            }
            centre(x, rows, d, mean, m2, l * d, null, work);
            op = gemm.uploadFloats(rows, d, work);
        } else {
            double[] work = scratch.get();
            if (work.length < need) {
                work = new double[need];
                scratch.set(work);
            }
            centre(x, rows, d, mean, m2, l * d, work, null);
            op = gemm.upload(rows, d, work, precision);
        }
        if (isA) {
            batch.opA[l] = op;
        } else {
            batch.opB[l] = op;
        }
    }

    /**
     * Folds another set of totals (same shape, e.g. another shard of tokens) into this one. Associative and
     * order independent up to rounding.
     */
    public void merge(PairMoments other) {
        if (!shape.equals(other.shape)) {
            throw new IllegalArgumentException("cannot merge moments of different shapes: " + shape + " vs " + other.shape);
        }
        int dA = shape.dA(), dB = shape.dB();
        double[][] step = foldVectors(other.n, other.meanA, other.meanB, other.m2A, other.m2B);
        double weight = step[2][0];
        if (weight < 0) {
            return; // the other holds no tokens
        }
        for (int la = 0; la < comoment.length; la++) {
            for (int lb = 0; lb < comoment[la].length; lb++) {
                addBlock(comoment[la][lb], other.comoment[la][lb]);
                addOuter(comoment[la][lb], step[0], la * dA, step[1], lb * dB, weight);
            }
        }
        for (int lb = 0; lb < covB.length; lb++) {
            addBlock(covB[lb], other.covB[lb]);
            addOuter(covB[lb], step[1], lb * dB, step[1], lb * dB, weight);
        }
    }

    /**
     * Folds another set's count, means and sums of squared deviations into this one's and returns what its blocks
     * need: {deltaA, deltaB, {weight}} (the other's means minus the running means before the fold, and the Chan
     * weight n n_o / (n + n_o)); {@code {null, null, {-1}}} when the other holds no tokens (nothing changes).
     */
    double[][] foldVectors(long otherN, double[] otherMeanA, double[] otherMeanB, double[] otherM2A, double[] otherM2B) {
        if (otherN == 0) {
            return new double[][] {null, null, {-1}};
        }
        double[] deltaA = minus(otherMeanA, meanA);
        double[] deltaB = minus(otherMeanB, meanB);
        double weight = (double) n * otherN / ((double) n + otherN);
        foldMoments(meanA, m2A, otherMeanA, otherM2A, deltaA, otherN);
        foldMoments(meanB, m2B, otherMeanB, otherM2B, deltaB, otherN);
        n += otherN;
        return new double[][] {deltaA, deltaB, {weight}};
    }

    /** The count and vectors of a set of moments, without blocks (a merger folds vectors only). */
    static PairMoments vectorsOnly(MomentShape shape, long n, double[] meanA, double[] meanB, double[] m2A, double[] m2B) {
        return new PairMoments(shape, n, meanA.clone(), meanB.clone(), m2A.clone(), m2B.clone(), null, null);
    }

    /**
     * Batch mean and sum of squared deviations of each column, and the centred batch in {@code out} (float64) or in
     * {@code outF} (the same float64 deviations rounded to float32), whichever is not null.
     */
    private static void centre(float[] x, int rows, int d, double[] mean, double[] m2, int offset, double[] out, float[] outF) {
        if (x.length < rows * d) {
            throw new IllegalArgumentException("batch layer has " + x.length + " values, expected " + rows + "x" + d);
        }
        double[] sum = new double[d];
        for (int t = 0; t < rows; t++) {
            int o = t * d;
            for (int j = 0; j < d; j++) {
                sum[j] += x[o + j];
            }
        }
        for (int j = 0; j < d; j++) {
            sum[j] /= rows;
        }
        double[] ss = new double[d];
        for (int t = 0; t < rows; t++) {
            int o = t * d;
            if (out != null) {
                for (int j = 0; j < d; j++) {
                    double c = x[o + j] - sum[j];
                    out[o + j] = c;
                    ss[j] += c * c;
                }
            } else {
                for (int j = 0; j < d; j++) {
                    double c = x[o + j] - sum[j];
                    outF[o + j] = (float) c;
                    ss[j] += c * c;
                }
            }
        }
        System.arraycopy(sum, 0, mean, offset, d);
        System.arraycopy(ss, 0, m2, offset, d);
    }

    private void foldMoments(double[] mean, double[] m2, double[] otherMean, double[] otherM2, double[] delta, long rows) {
        double total = (double) n + rows;
        double weight = (double) n * rows / total;
        double step = rows / total;
        for (int i = 0; i < mean.length; i++) {
            m2[i] += otherM2[i] + delta[i] * delta[i] * weight;
            // With n == 0 take the other mean exactly, so a constant neuron keeps a deviation of exactly zero.
            mean[i] = n == 0 ? otherMean[i] : mean[i] + delta[i] * step;
        }
    }

    private static double[] minus(double[] x, double[] y) {
        double[] d = new double[x.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = x[i] - y[i];
        }
        return d;
    }

    private static void addBlock(double[][] into, double[][] from) {
        Outer.addBlock(into, from);
    }

    private static void addOuter(double[][] block, double[] u, int uo, double[] v, int vo, double weight) {
        Outer.add(block, u, uo, v, vo, weight);
    }

    @Override
    public MomentShape shape() {
        return shape;
    }

    /** Number of tokens folded in. */
    @Override
    public long count() {
        return n;
    }

    // The accessors below return the live arrays (for writing files and finalising), not copies.

    @Override
    public double[] meanA() {
        return meanA;
    }

    @Override
    public double[] meanB() {
        return meanB;
    }

    @Override
    public double[] m2A() {
        return m2A;
    }

    @Override
    public double[] m2B() {
        return m2B;
    }

    /** The co-moment block of a's layer {@code firstLayerA + indexA} with b's layer {@code layerB}: [dA][dB]. */
    @Override
    public double[][] comoment(int indexA, int layerB) {
        return comoment[indexA][layerB];
    }

    /** The within-layer co-moment of b's layer: [dB][dB]. */
    @Override
    public double[][] covB(int layerB) {
        return covB[layerB];
    }

    /** Bytes held by the totals, for memory planning. */
    public static long bytes(MomentShape s) {
        long blocks = (long) s.layersInRangeA() * s.nLayersB() * s.dA() * s.dB() + (long) s.nLayersB() * s.dB() * s.dB();
        return 8L * (blocks + 2L * s.neuronsA() + 2L * s.neuronsB());
    }

    @Override
    public String toString() {
        return "PairMoments[" + shape + ", n=" + n + "]";
    }

    /** For tests: a deep copy. */
    public PairMoments copy() {
        double[][][][] c = new double[comoment.length][][][];
        for (int la = 0; la < c.length; la++) {
            c[la] = new double[comoment[la].length][][];
            for (int lb = 0; lb < c[la].length; lb++) {
                c[la][lb] = deep(comoment[la][lb]);
            }
        }
        double[][][] cb = new double[covB.length][][];
        for (int lb = 0; lb < cb.length; lb++) {
            cb[lb] = deep(covB[lb]);
        }
        return new PairMoments(shape, n, meanA.clone(), meanB.clone(), m2A.clone(), m2B.clone(), c, cb);
    }

    private static double[][] deep(double[][] m) {
        double[][] c = new double[m.length][];
        for (int i = 0; i < m.length; i++) {
            c[i] = Arrays.copyOf(m[i], m[i].length);
        }
        return c;
    }
}
