package org.uneurons.core.stats;

/**
 * The finished moments of one model pair, read block by block: the count, the means and sums of squared deviations
 * (small vectors), and the co-moment blocks, each {@code [dA][dB]} of one a layer in range with one b layer, and b's
 * within-layer blocks. In memory ({@link PairMoments}), in a file (formats' MomentsFile reader), lazily merged from
 * several sources ({@link MomentMerger}) or on a device: consumers (finalise's summaries and baselines, the moments
 * writer) ask for one block at a time, so their memory is a block or two, whatever the size of the pair.
 */
public interface MomentBlocks {
    MomentShape shape();

    /** Tokens folded in. */
    long count();

    double[] meanA();

    double[] m2A();

    double[] meanB();

    double[] m2B();

    /** The co-moment block of a's layer {@code firstLayerA + indexA} with b's layer {@code layerB}: [dA][dB]. */
    double[][] comoment(int indexA, int layerB);

    /** The within-layer co-moment of b's layer: [dB][dB]. */
    double[][] covB(int layerB);
}
