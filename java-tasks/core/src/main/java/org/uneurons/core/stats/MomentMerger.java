package org.uneurons.core.stats;

import java.util.ArrayList;
import java.util.List;

/**
 * Several sets of moments of one pair (e.g. the partials of every chunk of tokens) merged lazily, one block at a
 * time: the vectors are folded once when the merger is made, and each co-moment block is computed when asked, from
 * the same block of every source. The arithmetic is {@link PairMoments#merge}'s, applied in the order given, so the
 * result is bit-identical to merging whole PairMoments in that order; memory is the vectors plus two blocks.
 */
public final class MomentMerger implements MomentBlocks {
    private final List<? extends MomentBlocks> sources;
    private final MomentShape shape;
    private final PairMoments vectors;
    /** Per source after the first: deltas of its means against the running means, and the Chan weight. */
    private final List<double[]> deltaA = new ArrayList<>();
    private final List<double[]> deltaB = new ArrayList<>();
    private final List<Double> weight = new ArrayList<>();

    private MomentMerger(List<? extends MomentBlocks> sources) {
        this.sources = sources;
        this.shape = sources.get(0).shape();
        MomentBlocks first = sources.get(0);
        this.vectors = PairMoments.vectorsOnly(shape, first.count(), first.meanA(), first.meanB(), first.m2A(),
                first.m2B());
        for (int i = 1; i < sources.size(); i++) {
            MomentBlocks s = sources.get(i);
            if (!s.shape().equals(shape)) {
                throw new IllegalArgumentException("cannot merge moments of different shapes: " + shape + " vs " + s.shape());
            }
            double[][] step = vectors.foldVectors(s.count(), s.meanA(), s.meanB(), s.m2A(), s.m2B());
            deltaA.add(step[0]);
            deltaB.add(step[1]);
            weight.add(step[2][0]);
        }
    }

    /** The merge of {@code sources} in this order (at least one; all of one shape). */
    public static MomentMerger of(List<? extends MomentBlocks> sources) {
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("nothing to merge");
        }
        return new MomentMerger(List.copyOf(sources));
    }

    @Override
    public MomentShape shape() {
        return shape;
    }

    @Override
    public long count() {
        return vectors.count();
    }

    @Override
    public double[] meanA() {
        return vectors.meanA();
    }

    @Override
    public double[] m2A() {
        return vectors.m2A();
    }

    @Override
    public double[] meanB() {
        return vectors.meanB();
    }

    @Override
    public double[] m2B() {
        return vectors.m2B();
    }

    @Override
    public double[][] comoment(int indexA, int layerB) {
        double[][] c = copy(sources.get(0).comoment(indexA, layerB));
        for (int i = 1; i < sources.size(); i++) {
            if (weight.get(i - 1) < 0) {
                continue; // an empty source
            }
            Outer.addBlock(c, sources.get(i).comoment(indexA, layerB));
            Outer.add(c, deltaA.get(i - 1), indexA * shape.dA(), deltaB.get(i - 1), layerB * shape.dB(), weight.get(i - 1));
        }
        return c;
    }

    @Override
    public double[][] covB(int layerB) {
        double[][] c = copy(sources.get(0).covB(layerB));
        for (int i = 1; i < sources.size(); i++) {
            if (weight.get(i - 1) < 0) {
                continue;
            }
            Outer.addBlock(c, sources.get(i).covB(layerB));
            Outer.add(c, deltaB.get(i - 1), layerB * shape.dB(), deltaB.get(i - 1), layerB * shape.dB(), weight.get(i - 1));
        }
        return c;
    }

    /** A block is the source's own array for moments in memory: never add into it. */
    private static double[][] copy(double[][] block) {
        double[][] c = new double[block.length][];
        for (int i = 0; i < block.length; i++) {
            c[i] = block[i].clone();
        }
        return c;
    }
}
