package org.uneurons.accumulate;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.uneurons.core.stats.TokenFilter;

/**
 * The rows of one batch that the token filter keeps, as an int64 index on the device that holds the activations.
 * Built once per batch from the token ids (which are on the host anyway: they are the forward pass's input), and
 * shared by every model of the batch: one upload of {@code 8 x kept} bytes per batch. When nothing is dropped
 * there is no index and {@link DeviceBatch} skips the row selection.
 */
public final class KeptRows implements AutoCloseable {
    private final int rows;
    private final int[] kept;
    private final NDManager manager;
    private final NDArray index;

    private KeptRows(int rows, int[] kept, NDManager manager, NDArray index) {
        this.rows = rows;
        this.kept = kept;
        this.manager = manager;
        this.index = index;
    }

    /**
     * The rows {@code from .. to-1} of {@code tokenIds} (a batch of sequences flattened row-major, as the forward
     * pass's activations are) that {@code filter} keeps, as an index (relative to {@code from}) on {@code device}.
     */
    public static KeptRows of(Device device, int[] tokenIds, int from, int to, TokenFilter filter) {
        int rows = to - from;
        int[] keep = filter.keptRows(tokenIds, from, to);
        if (keep.length == rows) {
            return all(rows);
        }
        if (keep.length == 0) {
            return new KeptRows(rows, keep, null, null); // nothing kept: no batch will be centred, no index needed
        }
        long[] idx = new long[keep.length];
        for (int i = 0; i < keep.length; i++) {
            idx[i] = keep[i];
        }
        NDManager m = NDManager.newBaseManager(device, "PyTorch");
        try {
            return new KeptRows(rows, keep, m, m.create(idx, new Shape(idx.length)));
        } catch (RuntimeException | Error e) {
            m.close();
            throw e;
        }
    }

    /** Every row kept (no filter): no index, nothing on the device. */
    public static KeptRows all(int rows) {
        int[] keep = new int[rows];
        for (int i = 0; i < rows; i++) {
            keep[i] = i;
        }
        return new KeptRows(rows, keep, null, null);
    }

    /** Rows of the batch before filtering. */
    public int rows() {
        return rows;
    }

    /** Rows kept. */
    public int kept() {
        return kept.length;
    }

    /** True when no row is dropped. */
    public boolean keepsAll() {
        return kept.length == rows;
    }

    /** The kept rows, ascending, on the host. */
    public int[] keptRows() {
        return kept.clone();
    }

    /** The int64 index of the kept rows on the device; null when all or none are kept. */
    NDArray index() {
        return index;
    }

    /** The index on {@code device}: this one, or a copy when the activations live elsewhere. */
    NDArray indexOn(Device device, NDManager scope) {
        if (index == null || index.getDevice().equals(device)) {
            return index;
        }
        NDArray copy = index.toDevice(device, true);
        copy.attach(scope);
        return copy;
    }

    @Override
    public void close() {
        if (manager != null) {
            manager.close();
        }
    }

    @Override
    public String toString() {
        return "KeptRows[" + kept.length + " of " + rows + "]";
    }
}
