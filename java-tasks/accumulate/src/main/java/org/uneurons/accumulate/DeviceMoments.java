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
 * <p>The arithmetic is {@link PairMoments}'s: each batch is widened to float64 and centred on its own mean on the
 * device ({@link DeviceBatch}); each block's product is one {@code matMul} of centred batches in the
 * {@link Gemm.Precision} asked for ({@link Products}: float64, float32, tf32 or bf16), and the batch is folded into
 * the totals with the Chan, Golub and LeVeque update, in place on the device. Batches come either as Java arrays
 * ({@link #update(float[][], float[][], int)}: uploaded once per layer) or already on the device
 * ({@link #update(DeviceBatch, DeviceBatch)}: a model's batch filtered, checked and centred once, shared by its
 * pairs). The totals come back to the Java heap only in {@link #totals()}, when the file is written.
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

    @Override
    public void update(float[][] a, float[][] b, int rows) {
        shape.checkBatch(a.length, b.length);
        if (rows == 0) {
            return;
        }
        try (DeviceBatch ba = upload(a, rows, shape.dA()); DeviceBatch bb = upload(b, rows, shape.dB())) {
            fold(ba, 0, bb);
        }
    }

    /**
     * Folds one batch in from two models' {@link DeviceBatch}es on this accumulator's device: layers
     * {@code firstLayerA..lastLayerA} of {@code a} (which holds all of a's layers) against every layer of {@code b}.
     * The batches are read only, so one batch may feed every pair its model is in. Both must be prepared in this
     * accumulator's precision, from the same kept rows.
     */
    public void update(DeviceBatch a, DeviceBatch b) {
        if (a.precision() != precision || b.precision() != precision) {
            throw new IllegalArgumentException("batches of " + a.precision().optionName() + "/" + b.precision().optionName()
                    + " operands for totals with " + precision.optionName() + " products");
        }
        if (a.nLayers() != shape.nLayersA() || a.d() != shape.dA() || b.nLayers() != shape.nLayersB() || b.d() != shape.dB()) {
            throw new IllegalArgumentException("batches " + a + " and " + b + " do not fit " + shape);
        }
        if (a.rows() != b.rows()) {
            throw new IllegalArgumentException("batches of " + a.rows() + " and " + b.rows() + " rows");
        }
        if (!a.device().equals(device()) || !b.device().equals(device())) {
            throw new IllegalArgumentException("batches on " + a.device() + " and " + b.device() + ", totals on " + device());
        }
        if (a.rows() > 0) {
            fold(a, shape.firstLayerA(), b);
        }
    }

    /** Uploads rows x d floats per layer (float32, as read) and centres each on the device before the next. */
    private DeviceBatch upload(float[][] layers, int rows, int d) {
        int size = Math.multiplyExact(rows, d);
        DeviceBatch batch = DeviceBatch.empty(device(), precision, rows, d, layers.length);
        try {
            KeptRows all = KeptRows.all(rows);
            for (int l = 0; l < layers.length; l++) {
                if (layers[l].length < size) {
                    throw new IllegalArgumentException("batch layer has " + layers[l].length + " values, expected "
                            + rows + "x" + d);
                }
                // the staging buffer is reused by the next layer, so this layer is centred (copied) first
                try (NDManager up = manager.newSubManager();
                     NDArray raw = up.create(stage(layers[l], size), new Shape(rows, d), DataType.FLOAT32)) {
                    batch.centreLayer(l, raw, all, null, false);
                }
            }
            return batch;
        } catch (RuntimeException | Error e) {
            batch.close();
            throw e;
        }
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

    /** The Chan update with layers {@code firstA..} of {@code a} and all of {@code b}; temporaries die with it. */
    private void fold(DeviceBatch a, int firstA, DeviceBatch b) {
        int la = shape.layersInRangeA(), lb = shape.nLayersB();
        long rows = a.rows();
        try (NDManager scratch = manager.newSubManager()) {
            // Deltas against the running means must be taken before the means move.
            NDArray[] deltaA = new NDArray[la];
            NDArray[] deltaB = new NDArray[lb];
            for (int i = 0; i < la; i++) {
                deltaA[i] = own(scratch, a.mean(firstA + i).sub(meanA[i]));
            }
            for (int l = 0; l < lb; l++) {
                deltaB[l] = own(scratch, b.mean(l).sub(meanB[l]));
            }
            double weight = (double) n * rows / ((double) n + rows);
            for (int i = 0; i < la; i++) {
                for (int l = 0; l < lb; l++) {
                    addProductPlusOuter(comoment[i][l], a.operand(firstA + i), b.operand(l), deltaA[i], deltaB[l], weight);
                }
            }
            for (int l = 0; l < lb; l++) {
                addProductPlusOuter(covB[l], b.operand(l), b.operand(l), deltaB[l], deltaB[l], weight);
            }
            for (int i = 0; i < la; i++) {
                foldMoments(meanA[i], m2A[i], a.mean(firstA + i), a.m2(firstA + i), deltaA[i], rows);
            }
            for (int l = 0; l < lb; l++) {
                foldMoments(meanB[l], m2B[l], b.mean(l), b.m2(l), deltaB[l], rows);
            }
            n += rows;
        }
    }

    private static NDArray own(NDManager scope, NDArray x) {
        x.attach(scope);
        return x;
    }

    /** {@code total += x^T y + w u v^T}; the batch product is freed as soon as it is added. */
    private void addProductPlusOuter(NDArray total, NDArray x, NDArray y, NDArray u, NDArray v, double w) {
        try (NDArray product = Products.product(x, y)) {
            total.addi(product); // a float32 product is widened by the in-place add (type promotion), without a copy
        }
        if (w != 0) {
            try (NDArray col = u.reshape(-1, 1); NDArray row = v.reshape(1, -1); NDArray outer = col.mul(row)) {
                total.addi(outer.muli(w));
            }
        }
    }

    private void foldMoments(NDArray mean, NDArray m2, NDArray batchMean, NDArray batchM2, NDArray delta, long rows) {
        double total = (double) n + rows;
        double weight = (double) n * rows / total;
        double step = rows / total;
        try (NDArray sq = delta.square(); NDArray sum = batchM2.add(sq.muli(weight))) {
            m2.addi(sum);
        }
        if (n == 0) {
            // the totals are zero: take the batch mean exactly, so a constant neuron keeps a deviation of exactly 0
            mean.addi(batchMean);
        } else {
            try (NDArray move = delta.mul(step)) {
                mean.addi(move);
            }
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

    /**
     * Waits until the device has done every update queued so far (one float read back from the last block of the
     * totals; GPU kernels run asynchronously, so a timer needs this). Returns that value.
     */
    public double synchronize() {
        NDArray last = covB.length > 0 ? covB[covB.length - 1] : m2A[m2A.length - 1];
        try (NDArray one = last.get(0)) {
            return one.toDoubleArray()[0];
        }
    }

    /** The precision of the batch products (the totals are float64 whatever it is). */
    public Gemm.Precision precision() {
        return precision;
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
