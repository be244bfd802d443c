package org.uneurons.accumulate;

import java.util.List;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import org.uneurons.core.stats.Gemm;

/**
 * One model's activations of one batch, made ready for every pair the model is in, without leaving the device:
 * the filtered rows dropped (one index select per layer with the batch's {@link KeptRows}), every value checked
 * finite (one reduction per layer and one host round trip per batch; the exact location is looked up only when
 * the check fails), and each layer centred once on its batch mean, with the mean and the sum of squared
 * deviations (M2) kept for the Chan update. {@link DeviceMoments#update(DeviceBatch, DeviceBatch)} then takes a
 * pair's two batches, so a model shared by several pairs is filtered, checked and centred once per batch.
 *
 * <p>Arithmetic: each kept layer is widened to float64 on the device, its column means and M2 are float64, and the
 * centred layer becomes the product operand in the batch's {@link Gemm.Precision} ({@link Products}). This is the
 * arithmetic of {@link DeviceMoments}' heap-array path, so the two give the same totals.
 *
 * <p>Memory on the device: per layer {@code rows x d} operand values (8 bytes each for float64 products, 4 for
 * float32, tf32 and bf16) plus two float64 vectors of {@code d}; while a layer is prepared, one
 * float32 copy of its kept rows and one float64 copy. Everything lives on the batch's own manager: closing the batch
 * frees it, and the activations it was made from (owned by the caller, e.g. a ForwardResult) may be closed as
 * soon as {@link #of} returns.
 */
public final class DeviceBatch implements AutoCloseable {
    /** Where a batch's activations come from, for the message that names a non-finite value. */
    public record Origin(String model, String hook, int firstSequence, int ctx) {
    }

    private final NDManager manager;
    private final Gemm.Precision precision;
    private final int rows;
    private final int d;
    private final NDArray[] mean;
    private final NDArray[] m2;
    private final NDArray[] operand;

    private DeviceBatch(NDManager manager, Gemm.Precision precision, int rows, int d, int layers) {
        this.manager = manager;
        this.precision = precision;
        this.rows = rows;
        this.d = d;
        this.mean = new NDArray[layers];
        this.m2 = new NDArray[layers];
        this.operand = new NDArray[layers];
    }

    /**
     * Prepares one model's batch. {@code layers}: its activations per layer, float32 {@code [batch, seq, d]} or
     * {@code [rows, d]} with the rows in the order of the token ids {@code keep} was built from, all on one device
     * (read, never modified or closed). Throws {@link org.uneurons.core.cli.InputException} naming the model, hook,
     * layer, sequence, position and neuron of the first non-finite value, as the heap path does (all rows are
     * checked, filtered or not).
     */
    public static DeviceBatch of(List<NDArray> layers, KeptRows keep, Gemm.Precision precision, Origin origin) {
        return of(layers, keep, precision, origin, false);
    }

    /**
     * As {@link #of(List, KeptRows, Gemm.Precision, Origin)}; with {@code float16} every value is first rounded to
     * float16, as staged mode's activation files store it at {@code --dtype float16} (a value beyond float16's range
     * is an {@link org.uneurons.core.cli.InputException}), so both modes correlate the same numbers.
     */
    public static DeviceBatch of(List<NDArray> layers, KeptRows keep, Gemm.Precision precision, Origin origin,
                                 boolean float16) {
        NonFinite.check(layers, origin, float16);
        Device device = layers.get(0).getDevice();
        int d = Math.toIntExact(layers.get(0).getShape().tail());
        DeviceBatch batch = empty(device, precision, keep.kept(), d, layers.size());
        if (keep.kept() == 0) {
            return batch; // every row filtered: an empty batch, which updates nothing
        }
        try {
            NDArray index = keep.indexOn(device, batch.manager);
            for (int l = 0; l < layers.size(); l++) {
                batch.centreLayer(l, layers.get(l), keep, index, float16);
            }
            return batch;
        } catch (RuntimeException | Error e) {
            batch.close();
            throw e;
        }
    }

    /** A batch whose layers are filled one by one with {@link #centreLayer} (the caller closes it on failure). */
    static DeviceBatch empty(Device device, Gemm.Precision precision, int rows, int d, int layers) {
        return new DeviceBatch(NDManager.newBaseManager(device, "PyTorch"), precision, rows, d, layers);
    }

    /**
     * Keeps the kept rows of one layer ({@code index} null: all of them), widens them to float64, centres them and
     * makes the product operand. {@code x} is read only.
     */
    void centreLayer(int l, NDArray x, KeptRows keep, NDArray index, boolean float16) {
        if (x.getShape().tail() != d || x.size() != (long) keep.rows() * d) {
            throw new IllegalArgumentException("layer " + l + " has shape " + x.getShape() + ", expected " + keep.rows()
                    + " rows of " + d);
        }
        NDArray centred;
        try (NDArray flat = x.reshape(keep.rows(), d)) {
            if (index == null) {
                centred = widen(flat, float16);
            } else {
                try (NDArray kept = flat.get(new NDIndex("{}", index))) {
                    centred = widen(kept, float16);
                }
            }
        }
        centred.attach(manager);
        NDArray mu = centred.mean(new int[] {0});
        centred.subi(mu);
        NDArray ss;
        try (NDArray norm = centred.norm(new int[] {0})) {
            ss = norm.square();
        }
        mean[l] = mu;
        m2[l] = ss;
        operand[l] = Products.operand(centred, precision);
        operand[l].attach(manager);
    }

    /** x as float64; with {@code float16} rounded to float16 first (float16 to float64 is exact). */
    private static NDArray widen(NDArray x, boolean float16) {
        if (!float16) {
            return x.toType(DataType.FLOAT64, true);
        }
        try (NDArray stored = x.toType(DataType.FLOAT16, true)) {
            return stored.toType(DataType.FLOAT64, true);
        }
    }

    /** Kept rows (tokens) of the batch. */
    public int rows() {
        return rows;
    }

    public int nLayers() {
        return operand.length;
    }

    /** Neurons per layer. */
    public int d() {
        return d;
    }

    public Gemm.Precision precision() {
        return precision;
    }

    public Device device() {
        return manager.getDevice();
    }

    /** Column means of layer l, float64 [d]. */
    NDArray mean(int l) {
        return mean[l];
    }

    /** Sums of squared deviations from {@link #mean} of layer l, float64 [d]. */
    NDArray m2(int l) {
        return m2[l];
    }

    /** The centred layer l in the product format, [rows, d]. */
    NDArray operand(int l) {
        return operand[l];
    }

    @Override
    public void close() {
        manager.close();
    }

    @Override
    public String toString() {
        return "DeviceBatch[" + operand.length + " layers x " + d + ", " + rows + " rows, " + precision.optionName() + ", "
                + manager.getDevice() + "]";
    }
}
