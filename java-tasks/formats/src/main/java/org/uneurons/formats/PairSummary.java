package org.uneurons.formats;

import java.nio.file.Path;

import org.uneurons.core.cli.InputException;

/**
 * One correlation summary as the universality tool reads it ({@link CorrelationSummaryFile#read}): per neuron of
 * model a in the file's layer range, the max correlation over every neuron of every layer of b with the b layer and
 * neuron where it is reached (-1 where no live neuron of b reaches it, and for a dead neuron of a), whether the
 * neuron is dead (constant on the analysed tokens; all false in files of earlier versions), and the max baseline
 * correlation of one baseline kind. {@code modelASha256} and {@code modelBSha256} are the content hashes of the two
 * checkpoints' weights (null in files of earlier versions).
 */
public record PairSummary(Path file, String modelA, String modelB, String modelASha256, String modelBSha256, int nLayersA,
                          int dA, int firstLayerA, int lastLayerA, int nLayersB, int dB, double[] maxCorr, int[] maxLayer,
                          int[] maxNeuron, boolean[] deadA, double[] baseline, String baselineKind, long baselineSeed,
                          int baselineSamples) {

    public int rows() {
        return maxCorr.length;
    }

    /** The summaries of one pair, split over a's layer ranges, joined into one covering every layer of a. */
    public static PairSummary join(java.util.List<PairSummary> parts) {
        java.util.List<PairSummary> sorted = new java.util.ArrayList<>(parts);
        sorted.sort(java.util.Comparator.comparingInt(PairSummary::firstLayerA));
        PairSummary f = sorted.get(0);
        int next = 0;
        for (PairSummary p : sorted) {
            if (p.nLayersA != f.nLayersA || p.dA != f.dA || p.nLayersB != f.nLayersB || p.dB != f.dB) {
                throw new InputException(p.file + ": shape a " + p.nLayersA + " x " + p.dA + ", b " + p.nLayersB + " x "
                        + p.dB + " differs from " + f.file + " (a " + f.nLayersA + " x " + f.dA + ", b " + f.nLayersB
                        + " x " + f.dB + ") for the same pair " + f.modelA + " vs " + f.modelB);
            }
            if (p.firstLayerA != next) {
                throw new InputException(p.file + ": covers layers " + p.firstLayerA + "-" + p.lastLayerA + " of "
                        + f.modelA + " vs " + f.modelB + ", but " + (p.firstLayerA < next ? "layers up to " + (next - 1)
                        + " are already covered by another summary" : "layers " + next + "-" + (p.firstLayerA - 1)
                        + " are covered by no summary"));
            }
            if (!p.baselineKind.equals(f.baselineKind)) {
                throw new IllegalStateException("baseline kinds differ");
            }
            next = p.lastLayerA + 1;
        }
        if (next != f.nLayersA) {
            throw new InputException(sorted.get(sorted.size() - 1).file + ": summaries of " + f.modelA + " vs " + f.modelB
                    + " end at layer " + (next - 1) + ", but " + f.modelA + " has " + f.nLayersA + " layers");
        }
        if (sorted.size() == 1) {
            return f;
        }
        int rows = f.nLayersA * f.dA;
        double[] maxCorr = new double[rows];
        int[] maxLayer = new int[rows];
        int[] maxNeuron = new int[rows];
        double[] baseline = new double[rows];
        boolean[] dead = new boolean[rows];
        for (PairSummary p : sorted) {
            int at = p.firstLayerA * p.dA;
            System.arraycopy(p.maxCorr, 0, maxCorr, at, p.rows());
            System.arraycopy(p.maxLayer, 0, maxLayer, at, p.rows());
            System.arraycopy(p.maxNeuron, 0, maxNeuron, at, p.rows());
            System.arraycopy(p.deadA, 0, dead, at, p.rows());
            System.arraycopy(p.baseline, 0, baseline, at, p.rows());
            if (p.baselineSeed != f.baselineSeed || p.baselineSamples != f.baselineSamples) {
                throw new InputException(p.file + ": baseline seed " + p.baselineSeed + " / " + p.baselineSamples
                        + " samples differ from " + f.file + " (" + f.baselineSeed + " / " + f.baselineSamples
                        + ") for the same pair");
            }
        }
        return new PairSummary(f.file, f.modelA, f.modelB, f.modelASha256, f.modelBSha256, f.nLayersA, f.dA, 0,
                f.nLayersA - 1, f.nLayersB, f.dB, maxCorr, maxLayer, maxNeuron, dead, baseline, f.baselineKind,
                f.baselineSeed, f.baselineSamples);
    }
}
