package org.uneurons.core.stats;

/**
 * Which neurons a {@link PairMoments} covers: layers {@code firstLayerA..lastLayerA} of model a (of its
 * {@code nLayersA}, each {@code dA} wide) against all {@code nLayersB} layers of model b ({@code dB} wide). A range
 * of a's layers bounds a task's memory (GPT-2 small's full matrix is 10.9 GB in float64).
 */
public record MomentShape(int nLayersA, int dA, int firstLayerA, int lastLayerA, int nLayersB, int dB) {

    public MomentShape {
        if (nLayersA <= 0 || dA <= 0 || nLayersB <= 0 || dB <= 0) {
            throw new IllegalArgumentException("layer counts and widths must be positive");
        }
        if (firstLayerA < 0 || lastLayerA >= nLayersA || firstLayerA > lastLayerA) {
            throw new IllegalArgumentException("layer range of a " + firstLayerA + "-" + lastLayerA
                    + " is not within 0-" + (nLayersA - 1));
        }
    }

    /** Every layer of a against every layer of b. */
    public static MomentShape full(int nLayersA, int dA, int nLayersB, int dB) {
        return new MomentShape(nLayersA, dA, 0, nLayersA - 1, nLayersB, dB);
    }

    /** Number of a's layers in the range. */
    public int layersInRangeA() {
        return lastLayerA - firstLayerA + 1;
    }

    /** Neurons of a in the range. */
    public int neuronsA() {
        return layersInRangeA() * dA;
    }

    public int neuronsB() {
        return nLayersB * dB;
    }

    /** Refuses a batch whose layer counts do not match this shape (every moment accumulator checks this first). */
    public void checkBatch(int layersA, int layersB) {
        if (layersA != layersInRangeA() || layersB != nLayersB) {
            throw new IllegalArgumentException("batch has " + layersA + " a layers and " + layersB
                    + " b layers, expected " + layersInRangeA() + " and " + nLayersB);
        }
    }

    public String rangeA() {
        return firstLayerA + "-" + lastLayerA;
    }

    @Override
    public String toString() {
        return "a layers " + rangeA() + " of " + nLayersA + " x " + dA + ", b " + nLayersB + " x " + dB;
    }
}
