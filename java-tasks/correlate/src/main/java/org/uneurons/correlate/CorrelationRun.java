package org.uneurons.correlate;

import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.Progress;
import org.uneurons.core.stats.Gemm;
import org.uneurons.core.stats.MomentShape;
import org.uneurons.core.stats.PairMoments;
import org.uneurons.core.stats.TokenFilter;
import org.uneurons.accumulate.HeapMoments;
import org.uneurons.accumulate.MomentAccumulator;
import org.uneurons.formats.Provenance;

/**
 * Streams two activation sources over the same tokens into {@link PairMoments} (or any {@link MomentAccumulator}):
 * batches of rows, token filter, a check for non-finite activations, then the moment update.
 */
public final class CorrelationRun {
    private final ActivationSource a;
    private final ActivationSource b;
    private final MomentShape shape;
    private final TokenFilter filter;
    private final Gemm gemm;
    private final Gemm.Precision precision;
    private final int batchTokens;

    public CorrelationRun(ActivationSource a, ActivationSource b, int firstLayerA, int lastLayerA, TokenFilter filter,
                          Gemm gemm, Gemm.Precision precision, int batchTokens) {
        this.a = a;
        this.b = b;
        this.shape = new MomentShape(a.nLayers(), a.dMlp(), firstLayerA, lastLayerA, b.nLayers(), b.dMlp());
        this.filter = filter;
        this.gemm = gemm;
        this.precision = precision;
        this.batchTokens = batchTokens;
    }

    /**
     * Fails when the two sources hold activations of different tokens: by their recorded identities (the content
     * hash of the tokens, with their filter and unknown id) where both have one, else at the first row whose token
     * ids differ.
     */
    public static void checkSameTokens(ActivationSource a, ActivationSource b) {
        if (a.shardSha256() != null && b.shardSha256() != null && !a.shardSha256().equals(b.shardSha256())) {
            throw new InputException(b.label() + ": activations of other tokens than " + a.label() + " (shard "
                    + b.shard() + ", sha256 " + Provenance.abbreviate(b.shardSha256()) + ", against shard " + a.shard()
                    + ", sha256 " + Provenance.abbreviate(a.shardSha256()) + "); both must be activations of the same"
                    + " token shard");
        }
        if (a.nTokens() != b.nTokens()) {
            throw new InputException(b.label() + ": has " + b.nTokens() + " tokens, " + a.label() + " has " + a.nTokens()
                    + "; both must be activations of the same token shard");
        }
        int chunk = 1 << 20;
        for (long from = 0; from < a.nTokens(); from += chunk) {
            int count = (int) Math.min(chunk, a.nTokens() - from);
            int[] x = a.tokenIds(from, count);
            int[] y = b.tokenIds(from, count);
            for (int i = 0; i < count; i++) {
                if (x[i] != y[i]) {
                    throw new InputException(b.label() + ": token_ids differ from " + a.label() + " at row " + (from + i)
                            + " (" + y[i] + " vs " + x[i] + "); both must be activations of the same token shard");
                }
            }
        }
    }

    /** One pass into totals on the Java heap, with the engine and precision given to the constructor. */
    public PairMoments run(Progress progress) {
        try (HeapMoments m = new HeapMoments(shape, gemm, precision)) {
            run(m, progress);
            return m.totals();
        }
    }

    /** One pass into {@code m} (of this run's shape), wherever it holds its totals. */
    public void run(MomentAccumulator m, Progress progress) {
        if (!m.shape().equals(shape)) {
            throw new IllegalArgumentException("accumulator is for " + m.shape() + ", this run is " + shape);
        }
        int la = shape.layersInRangeA();
        for (long from = 0; from < a.nTokens(); from += batchTokens) {
            int count = (int) Math.min(batchTokens, a.nTokens() - from);
            int[] keep = filter.keptRows(a.tokenIds(from, count), 0, count);
            float[][] xa = new float[la][];
            for (int l = 0; l < la; l++) {
                xa[l] = rows(a, shape.firstLayerA() + l, from, count, keep);
            }
            float[][] xb = new float[shape.nLayersB()][];
            for (int l = 0; l < xb.length; l++) {
                xb[l] = rows(b, l, from, count, keep);
            }
            m.update(xa, xb, keep.length);
            if (progress != null) {
                progress.advance(count);
            }
        }
    }

    private static float[] rows(ActivationSource src, int layer, long from, int count, int[] keep) {
        float[] x = src.rows(layer, from, count);
        if (keep.length < count) {
            x = TokenFilter.select(x, src.dMlp(), keep);
        }
        for (int i = 0; i < x.length; i++) {
            if (!Float.isFinite(x[i])) {
                int row = i / src.dMlp();
                throw new InputException(src.label() + ": layer " + layer + " has a non-finite activation (" + x[i]
                        + ") at token row " + (from + (keep.length < count ? keep[row] : row)) + ", neuron "
                        + (i % src.dMlp()) + "; expected finite activations");
            }
        }
        return x;
    }

    public MomentShape shape() {
        return shape;
    }
}
