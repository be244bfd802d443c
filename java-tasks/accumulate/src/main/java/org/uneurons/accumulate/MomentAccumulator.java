package org.uneurons.accumulate;

import org.uneurons.core.stats.MomentShape;
import org.uneurons.core.stats.PairMoments;

/**
 * The running totals of one model pair, wherever they are held: on the Java heap ({@link HeapMoments}, products on
 * OpenBLAS) or on a DJL device ({@link DeviceMoments}). Both take the same batches and give the same
 * {@link PairMoments} at the end, so the file written from them is the same format either way.
 */
public interface MomentAccumulator extends AutoCloseable {

    MomentShape shape();

    /**
     * Folds one batch in: {@code a[i]} is layer {@code firstLayerA + i} of a, {@code b[l]} layer l of b, each
     * [rows x d] row-major from offset 0 (the arrays may be longer, as reused buffers are).
     */
    void update(float[][] a, float[][] b, int rows);

    /** Tokens folded in so far. */
    long count();

    /** The totals on the Java heap, for writing the file (device totals are copied back here, once). */
    PairMoments totals();

    /** Frees what the totals hold outside the Java heap. */
    @Override
    void close();
}
