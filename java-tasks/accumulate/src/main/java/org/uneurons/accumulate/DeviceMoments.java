package org.uneurons.accumulate;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.uneurons.core.stats.Gemm;
import org.uneurons.core.stats.MomentBlocks;
import org.uneurons.core.stats.MomentShape;
import org.uneurons.core.stats.PairMoments;

/**
 * The co-moment totals of one model pair held on a DJL device (PyTorch engine; CPU or GPU): count, means, sums of
 * squared deviations, the co-moment blocks and b's within-layer co-moments, all float64 arrays on the device.
 *
 * <p>The arithmetic is {@link PairMoments}'s: each batch is uploaded once (float32, as read), widened to float64
 * and centred on its own mean on the device; each block's product is one {@code matMul} of centred batches (float64,
 * or float32 on the centred data when asked, as {@link Gemm.Precision} says), and the batch is folded into the
 * totals with the Chan, Golub and LeVeque update, in place on the device. The totals come back to the Java heap
 * only in {@link #totals()}, when the file is written.
 *
 * <p>Memory: the totals live on one long-lived manager; everything a batch creates lives on a sub-manager closed
 * at the end of the batch, and each block's product is freed as soon as it is added, so a batch holds its centred
 * layers plus one block at a time.
 */
public final class DeviceMoments implements MomentAccumulator {
    private final MomentShape shape;
    private final Gemm.Precision precision;
    private final NDManager manager;
    private long n;
    /** Per a layer in range: [dA]. */
    private final NDArray[] meanA;
    private final NDArray[] m2A;
    /** Per b layer: [dB]. */
    private final NDArray[] meanB;
    private final NDArray[] m2B;
    /** comoment[layer of a in range][layer of b] = [dA, dB]. */
    private final NDArray[][] comoment;
    /** covB[layer of b] = [dB, dB]. */
    private final NDArray[] covB;
    /**
     * Staging for uploads, reused by every layer of every batch: DJL copies a heap array into a freshly allocated
     * direct buffer first, which costs as much as the upload itself.
     */
    private ByteBuffer staging = ByteBuffer.allocateDirect(0);

    public DeviceMoments(MomentShape shape, Device device, Gemm.Precision precision) {
        this.shape = shape;
        this.precision = precision;
        this.manager = NDManager.newBaseManager(device, "PyTorch");
        int la = shape.layersInRangeA(), lb = shape.nLayersB(), dA = shape.dA(), dB = shape.dB();
        try {
            meanA = zeros(la, new Shape(dA));
            m2A = zeros(la, new Shape(dA));
            meanB = zeros(lb, new Shape(dB));
            m2B = zeros(lb, new Shape(dB));
            comoment = new NDArray[la][];
            for (int i = 0; i < la; i++) {
                comoment[i] = zeros(lb, new Shape(dA, dB));
            }
            covB = zeros(lb, new Shape(dB, dB));
        } catch (RuntimeException | Error e) {
            manager.close();
            throw e;
        }
    }

    private NDArray[] zeros(int count, Shape s) {
        NDArray[] out = new NDArray[count];
        for (int i = 0; i < count; i++) {
            out[i] = manager.zeros(s, DataType.FLOAT64);
        }
        return out;
    }

    /** One layer of one batch on the device: its mean, sum of squared deviations and the centred operand. */
    private record Centred(NDArray mean, NDArray m2, NDArray operand) {
    }

    @Override
    public void update(float[][] a, float[][] b, int rows) {
        shape.checkBatch(a.length, b.length);
        if (rows == 0) {
            return;
        }
        int dA = shape.dA(), dB = shape.dB();
        try (NDManager batch = manager.newSubManager()) {
            Centred[] ca = new Centred[a.length];
            Centred[] cb = new Centred[b.length];
            for (int i = 0; i < a.length; i++) {
                ca[i] = centre(batch, a[i], rows, dA);
            }
            for (int l = 0; l < b.length; l++) {
                cb[l] = centre(batch, b[l], rows, dB);
            }
            // Deltas against the running means must be taken before the means move.
            NDArray[] deltaA = new NDArray[a.length];
            NDArray[] deltaB = new NDArray[b.length];
            for (int i = 0; i < a.length; i++) {
                deltaA[i] = ca[i].mean().sub(meanA[i]);
            }
            for (int l = 0; l < b.length; l++) {
                deltaB[l] = cb[l].mean().sub(meanB[l]);
            }
            double weight = (double) n * rows / ((double) n + rows);
            for (int i = 0; i < a.length; i++) {
                for (int l = 0; l < b.length; l++) {
                    addProductPlusOuter(comoment[i][l], ca[i].operand(), cb[l].operand(), deltaA[i], deltaB[l], weight);
                }
            }
            for (int l = 0; l < b.length; l++) {
                addProductPlusOuter(covB[l], cb[l].operand(), cb[l].operand(), deltaB[l], deltaB[l], weight);
            }
            for (int i = 0; i < a.length; i++) {
                foldMoments(meanA[i], m2A[i], ca[i], deltaA[i], rows);
            }
            for (int l = 0; l < b.length; l++) {
                foldMoments(meanB[l], m2B[l], cb[l], deltaB[l], rows);
            }
            n += rows;
        }
    }

    /** Uploads rows x d floats, widens them to float64 and centres them on their column means. */
    private Centred centre(NDManager batch, float[] x, int rows, int d) {
        int size = Math.multiplyExact(rows, d);
        if (x.length < size) {
            throw new IllegalArgumentException("batch layer has " + x.length + " values, expected " + rows + "x" + d);
        }
        // PyTorch's CPU allocator maps every large tensor afresh, so the batch is centred in place and the sums of
        // squares come from a norm (a reduction, no squared copy): two rows x d tensors per layer, not four.
        NDArray centred;
        try (NDArray raw = batch.create(stage(x, size), new Shape(rows, d), DataType.FLOAT32)) {
            centred = raw.toType(DataType.FLOAT64, true); // a copy: the staging buffer is free again after this
        }
        NDArray mean = centred.mean(new int[] {0});
        centred.subi(mean);
        NDArray m2;
        try (NDArray norm = centred.norm(new int[] {0})) {
            m2 = norm.square();
        }
        NDArray operand = centred;
        if (precision == Gemm.Precision.FLOAT32) {
            operand = centred.toType(DataType.FLOAT32, true);
            centred.close();
        }
        return new Centred(mean, m2, operand);
    }

    /** The first {@code size} floats of {@code x} in the staging buffer, ready to upload. */
    private ByteBuffer stage(float[] x, int size) {
        long bytes = 4L * size;
        if (staging.capacity() < bytes) {
            staging = ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.nativeOrder());
        }
        staging.clear();
        staging.asFloatBuffer().put(x, 0, size);
        staging.limit((int) bytes);
        return staging;
    }

    /** {@code total += x^T y + w u v^T}; the batch product is freed as soon as it is added. */
    private static void addProductPlusOuter(NDArray total, NDArray x, NDArray y, NDArray u, NDArray v, double w) {
        try (NDArray product = x.transpose().matMul(y)) {
            total.addi(product); // a float32 product is widened by the in-place add (type promotion), without a copy
        }
        if (w != 0) {
            try (NDArray outer = u.reshape(-1, 1).mul(v.reshape(1, -1)).muli(w)) {
                total.addi(outer);
            }
        }
    }

    private void foldMoments(NDArray mean, NDArray m2, Centred batch, NDArray delta, long rows) {
        double total = (double) n + rows;
        double weight = (double) n * rows / total;
        double step = rows / total;
        m2.addi(batch.m2().add(delta.square().muli(weight)));
        if (n == 0) {
            // the totals are zero: take the batch mean exactly, so a constant neuron keeps a deviation of exactly 0
            mean.addi(batch.mean());
        } else {
            mean.addi(delta.mul(step));
        }
    }

    @Override
    public MomentShape shape() {
        return shape;
    }

    @Override
    public long count() {
        return n;
    }

    /** The device the totals live on. */
    public Device device() {
        return manager.getDevice();
    }

    /** Copies the totals to the Java heap (one transfer per array). */
    @Override
    public PairMoments totals() {
        int dA = shape.dA(), dB = shape.dB();
        double[][][][] c = new double[comoment.length][][][];
        for (int i = 0; i < c.length; i++) {
            c[i] = new double[comoment[i].length][][];
            for (int l = 0; l < c[i].length; l++) {
                c[i][l] = matrix(comoment[i][l], dA, dB);
            }
        }
        double[][][] cov = new double[covB.length][][];
        for (int l = 0; l < cov.length; l++) {
            cov[l] = matrix(covB[l], dB, dB);
        }
        return PairMoments.of(shape, n, concat(meanA, dA), concat(meanB, dB), concat(m2A, dA), concat(m2B, dB), c, cov);
    }

    @Override
    public MomentBlocks blocks() {
        int dA = shape.dA(), dB = shape.dB();
        double[] mA = concat(meanA, dA), mB = concat(meanB, dB), sA = concat(m2A, dA), sB = concat(m2B, dB);
        long count = n;
        return new MomentBlocks() {
            @Override
            public MomentShape shape() {
                return shape;
            }

            @Override
            public long count() {
                return count;
            }

            @Override
            public double[] meanA() {
                return mA;
            }

            @Override
            public double[] m2A() {
                return sA;
            }

            @Override
            public double[] meanB() {
                return mB;
            }

            @Override
            public double[] m2B() {
                return sB;
            }

            @Override
            public double[][] comoment(int indexA, int layerB) {
                return matrix(comoment[indexA][layerB], dA, dB);
            }

            @Override
            public double[][] covB(int layerB) {
                return matrix(covB[layerB], dB, dB);
            }
        };
    }

    private static double[] concat(NDArray[] parts, int d) {
        double[] out = new double[parts.length * d];
        for (int i = 0; i < parts.length; i++) {
            System.arraycopy(parts[i].toDoubleArray(), 0, out, i * d, d);
        }
        return out;
    }

    private static double[][] matrix(NDArray x, int rows, int cols) {
        double[] flat = x.toDoubleArray();
        double[][] out = new double[rows][];
        for (int i = 0; i < rows; i++) {
            out[i] = java.util.Arrays.copyOfRange(flat, i * cols, (i + 1) * cols);
        }
        return out;
    }

    @Override
    public void close() {
        manager.close();
    }

    @Override
    public String toString() {
        return "DeviceMoments[" + shape + ", n=" + n + ", " + manager.getDevice() + "]";
    }
}
