package org.uneurons.report;

import java.util.List;
import java.util.Map;

/**
 * Every number and text the report shows, computed once by {@link ModelBuilder} from the loaded inputs. The page
 * ({@link ReportPage}) and the charts ({@link ReportCharts}) only present it. Immutable: lists and maps are
 * unmodifiable copies; an optional part is null when its input was not given (noted where it applies).
 *
 * @param groups labels of the neuron tables, the anchor first; a group's colour is its position
 */
record ReportModel(String title, List<String> groups, double threshold, String version, RunSummary run,
                   Headline headline, List<Histogram> distributions, List<SweepRow> sweep, Layers layers,
                   Properties properties, TopNeurons top) {

    /** A count and its fraction of a whole. */
    record Share(long count, double fraction) {
    }

    // ---------------------------------------------------------------- run summary

    /**
     * Model shapes, token counts, parameters, timings (null without --timings), training (null without logs), the
     * run's plan (item to value; null without --plan).
     */
    record RunSummary(List<ModelShape> models, Tokens tokens, Map<String, String> params, Timings timings,
                      Training training, Map<String, String> plan) {
    }

    record ModelShape(String name, String type, int layers, int dModel, int heads, int dMlp, long neurons, int ctx,
                      int vocab) {
    }

    /** Tokens as given ({@code --tokens}), in the statistics file and in the given shards; each may be null. */
    record Tokens(Long given, StatsTokens inStats, Long inShards) {
        boolean any() {
            return given != null || inStats != null || inShards != null;
        }
    }

    record StatsTokens(String model, int shards, long tokens) {
    }

    /** One row per process (sorted by name), then the sums over all processes. */
    record Timings(List<ProcessTiming> processes, int tasks, long wallMs, long cpuMs, boolean cpuComplete) {
    }

    /** @param peakRssMib largest peak memory of one task, -1 if none was measured */
    record ProcessTiming(String process, int tasks, int failedRuns, long wallMs, long longestMs, long cpuMs,
                         int cpuUnknown, long peakRssMib) {
    }

    record Training(List<TrainingRow> rows, List<LossCurve> curves) {
    }

    /**
     * @param finalTrain the last train loss, NaN if none
     * @param finalVal   the last validation loss, NaN if none
     * @param valStep    the step of {@code finalVal} when it is not the last row's, else null
     * @param tokens     tokens trained on by the last row, -1 if the log does not say
     */
    record TrainingRow(String label, long steps, double finalTrain, double finalVal, Long valStep, long tokens) {
    }

    /** A loss curve: x and y of equal length, NaN where the step has no such loss; colour is a palette index. */
    record LossCurve(String name, List<Double> x, List<Double> y, int colour, boolean dashed) {
    }

    // ---------------------------------------------------------------- headline

    /** One row per group, and the groups whose is_universal disagrees with excess > threshold. */
    record Headline(List<GroupHeadline> groups, List<Mismatch> mismatches) {
    }

    record GroupHeadline(String label, int neurons, double meanCorr, double meanBaseline, double meanExcess,
                         double medianExcess, double maxExcess, Share above02, Share above05, Share universal) {
    }

    /** {@code neurons} rows of a group whose is_universal differs from excess > the run's threshold (> 0). */
    record Mismatch(String label, int neurons) {
    }

    // ---------------------------------------------------------------- distributions

    /**
     * Density histograms of one quantity over shared bins: {@code edges} has one more entry than each density.
     *
     * @param quantity the neurons.csv column, e.g. {@code excess_corr}
     */
    record Histogram(String quantity, String title, String xLabel, List<Double> edges, List<Density> densities) {
    }

    record Density(String group, List<Double> values) {
    }

    // ---------------------------------------------------------------- threshold sweep

    /** Neurons above one threshold, per group; {@code run} marks the run's threshold. */
    record SweepRow(double threshold, boolean run, List<Share> byGroup) {
    }

    // ---------------------------------------------------------------- per layer

    /**
     * @param rows         one per layer of the deepest group
     * @param checkedAgainst file name of the layer_fractions.csv the anchor's counts agree with, or null
     */
    record Layers(List<LayerRow> rows, String checkedAgainst) {
    }

    record LayerRow(int layer, List<LayerCell> byGroup) {
    }

    /**
     * One group in one layer.
     *
     * @param universal  is_universal count of the layer, null when the group has fewer layers
     * @param above02    neurons with excess > 0.2, null when the layer has no neuron rows
     * @param meanExcess mean excess of the layer's neurons, NaN when it has none
     */
    record LayerCell(UniversalInLayer universal, Share above02, double meanExcess) {
    }

    record UniversalInLayer(int universal, int total, double fraction) {
    }

    // ---------------------------------------------------------------- properties

    enum PropertiesState { NO_INPUT, NO_UNIVERSAL, SHOWN }

    /**
     * Median within-layer percentiles of the anchor's universal (and non-universal) neurons per metric. Rows,
     * columns and file are empty or null unless {@code state} is SHOWN.
     *
     * @param layerColumns   per-layer columns of percentiles.csv ({@code L0}, ...), in layer order
     * @param withOther      whether non-universal medians were computed (the table has a column for them)
     * @param percentilesFile file name of percentiles.csv when the universal columns come from it, else null
     */
    record Properties(PropertiesState state, String anchor, List<String> layerColumns, List<PropertyRow> rows,
                      boolean withOther, String percentilesFile) {
    }

    /**
     * @param other   non-universal neurons, null when not computed for this metric
     * @param byLayer universal neurons per layer column; a missing column shows as a dash
     */
    record PropertyRow(String metric, String label, Percentile universal, Percentile other,
                       Map<String, Percentile> byLayer) {
    }

    /** A median percentile (NaN if there is none) of {@code neurons} neurons. */
    record Percentile(double median, int neurons) {
    }

    // ---------------------------------------------------------------- top neurons

    /**
     * The anchor's neurons with the highest excess.
     *
     * @param withContexts whether top-activating contexts were given (the table has a column for them)
     * @param decoding     how each shard's tokens were decoded, by shard name (empty without contexts)
     */
    record TopNeurons(String anchor, boolean withContexts, List<TopNeuron> rows, Map<String, String> decoding) {
    }

    /** @param contexts null without contexts */
    record TopNeuron(int rank, int layer, int neuron, boolean universal, double excess, double meanCorr,
                     double baseline, List<Partner> partners, Contexts.NeuronContexts contexts) {
    }

    /** The best-matching neuron in another model. */
    record Partner(String model, int layer, int neuron, double corr) {
    }
}
