package org.uneurons.accumulate;

import org.uneurons.core.stats.Gemm;
import org.uneurons.core.stats.MomentBlocks;
import org.uneurons.core.stats.MomentShape;
import org.uneurons.core.stats.PairMoments;

/** Totals on the Java heap ({@link PairMoments}), products on a {@link Gemm} engine: the default on CPU. */
public final class HeapMoments implements MomentAccumulator {
    private final PairMoments moments;
    private final Gemm gemm;
    private final Gemm.Precision precision;

    public HeapMoments(MomentShape shape, Gemm gemm, Gemm.Precision precision) {
        if (precision.deviceOnly()) {
            throw new IllegalArgumentException(precision.optionName() + " products need the device accumulator");
        }
        this.moments = new PairMoments(shape);
        this.gemm = gemm;
        this.precision = precision;
    }

    @Override
    public MomentShape shape() {
        return moments.shape();
    }

    @Override
    public void update(float[][] a, float[][] b, int rows) {
        moments.update(a, b, rows, gemm, precision);
    }

    @Override
    public long count() {
        return moments.count();
    }

    @Override
    public PairMoments totals() {
        return moments;
    }

    @Override
    public MomentBlocks blocks() {
        return moments;
    }

    @Override
    public void close() {
        // nothing outside the heap; the Gemm engine belongs to the caller
    }
}
