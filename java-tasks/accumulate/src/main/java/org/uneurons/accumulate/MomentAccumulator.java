package org.uneurons.accumulate;

import org.uneurons.core.stats.MomentBlocks;
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

    /** The totals on the Java heap, all at once (device totals are copied back here, once). */
    PairMoments totals();

    /**
     * The totals block by block, for writing the file: on the heap the totals themselves, on a device one block
     * copied back per call, so the host never holds more than a block of a pair held on a GPU.
     */
    MomentBlocks blocks();

    /** Frees what the totals hold outside the Java heap. */
    @Override
    void close();
}
