package org.uneurons.report;

import java.util.List;
import java.util.Map;

/**
 * Every number and text the report shows, computed once by {@link ModelBuilder} from the loaded inputs. The page
 * ({@link ReportPage}) and the charts ({@link ReportCharts}) only present it. Immutable: lists and maps are
 * unmodifiable copies; an optional part is null when its input was not given (noted where it applies).
 *
 * @param groups   labels of the neuron tables, the anchor first; a group's colour is its position
 * @param families the neuron families of the groups given a families file, null without any
 * @param roles    the functional roles of the models given a roles directory and the groups' interventions, null
 *                 without either
 */
record ReportModel(String title, List<String> groups, double threshold, String version, RunSummary run,
                   Headline headline, List<Histogram> distributions, Sweep sweep, Layers layers,
                   Properties properties, Families families, Reference reference, TopNeurons top,
                   FunctionalRoles roles) {

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

    /** @param dead neurons constant on the analysed tokens (no correlation, never universal) */
    record GroupHeadline(String label, int neurons, double meanCorr, double meanBaseline, double meanExcess,
                         double medianExcess, double maxExcess, Share above02, Share above05, Share universal, int dead) {
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

    /** The sweep's rows; {@code anyAbove} is false when no group has a neuron above any threshold (nothing to draw). */
    record Sweep(List<SweepRow> rows, boolean anyAbove) {
    }

    /** Neurons above one threshold, per group; {@code run} marks the run's threshold. */
    record SweepRow(double threshold, boolean run, List<Share> byGroup) {
    }

    // ---------------------------------------------------------------- per layer

    /**
     * Per layer and group: the is_universal fraction, the fractions above the other thresholds and the
     * distribution of excess.
     *
     * @param thresholds     excess thresholds counted beside is_universal: the paper's 0.5 and lower ones, without
     *                       the run's own (which is_universal counts), descending
     * @param rows           one per layer of the deepest group
     * @param anyUniversal   whether any group has a universal neuron (else there is no universal chart to draw)
     * @param anyAbove       per threshold, whether any group has a neuron above it
     * @param checkedAgainst file name of the layer_fractions.csv the anchor's counts agree with, or null
     */
    record Layers(List<Double> thresholds, List<LayerRow> rows, boolean anyUniversal, List<Boolean> anyAbove,
                  String checkedAgainst) {
    }

    record LayerRow(int layer, List<LayerCell> byGroup) {
    }

    /**
     * One group in one layer.
     *
     * @param universal  is_universal count of the layer, null when the group has fewer layers
     * @param above      neurons with excess above each of {@link Layers#thresholds()}, empty when the layer has no
     *                   neuron rows
     * @param meanExcess mean excess of the layer's neurons, NaN when it has none
     * @param excess     the distribution of the layer's excess, null when it has no neuron rows
     */
    record LayerCell(UniversalInLayer universal, List<Share> above, double meanExcess, Box excess) {
    }

    record UniversalInLayer(int universal, int total, double fraction) {
    }

    /**
     * A box plot of n values: quartiles (linear interpolation), whiskers at the most extreme values within 1.5 IQR
     * of the box, and the values beyond the whiskers.
     */
    record Box(int n, double mean, double min, double q1, double median, double q3, double max, double whiskerLow,
               double whiskerHigh, List<Double> outliers) {
    }

    // ---------------------------------------------------------------- properties

    enum PropertiesState { NO_INPUT, NO_UNIVERSAL, SHOWN }

    /**
     * What distinguishes the anchor's most universal neurons (METHOD 5.4): per metric, the median within-layer
     * percentile of each selection of neurons and of the rest, the selections' median values and the paper's.
     * Computed from the anchor's neuron table when it has statistics columns; else the universal medians of
     * percentiles.csv ({@code percentilesFile}). Lists are empty and names null unless {@code state} is SHOWN.
     *
     * @param rule           how the selections were chosen, one sentence
     * @param selections     the universal neurons; or, when the anchor has none, its top 1% and top 5% by excess
     * @param restLabel      the neurons outside the last selection (e.g. non-universal), null without them
     * @param layerColumns   per-layer columns of the first selection ({@code L0}, ...), in layer order
     * @param binnedColumns  activation columns used from the histogram (the paper's definitions)
     * @param exactColumns   activation columns used because the table has no binned column for them
     * @param paperModels    the models of the paper's medians in each row's {@code paper}
     * @param percentilesFile file name of percentiles.csv when the rows come from it, else null
     */
    record Properties(PropertiesState state, String anchor, String rule, List<Selection> selections, String restLabel,
                      List<PropertyRow> rows, List<String> layerColumns, List<String> binnedColumns,
                      List<String> exactColumns, List<String> paperModels, String percentilesFile) {
    }

    /** A set of the anchor's neurons whose properties are shown, e.g. {@code universal} or {@code top 1%}. */
    record Selection(String name, int neurons) {
    }

    /**
     * @param column      the neuron table column used, null when the row comes from percentiles.csv
     * @param bySelection median within-layer percentile per selection
     * @param rest        the same for the rest of the neurons, null when not computed
     * @param values      median value per selection (NaN from percentiles.csv)
     * @param paper       the paper's median over universal neurons per paper model, NaN where it gives none
     * @param byLayer     the first selection per layer column; a missing column shows as a dash
     */
    record PropertyRow(String metric, String label, String column, List<Percentile> bySelection, Percentile rest,
                       List<Double> values, List<Double> paper, Map<String, Percentile> byLayer) {
    }

    /** A median percentile (NaN if there is none) of {@code neurons} neurons. */
    record Percentile(double median, int neurons) {
    }

    // ---------------------------------------------------------------- neuron families

    /**
     * What the chosen neurons of each group respond to (METHOD 6), from the groups' families files.
     *
     * @param families the families that have a neuron in some group, in the families tool's order (unknown names
     *                 after them, as first seen)
     * @param groups   one per group with a families file, in the report's group order
     * @param byLayer  one row per layer of the deepest of those groups' tables
     * @param without  the report's groups without a families file
     */
    record Families(List<String> families, List<GroupFamilies> groups, List<FamilyLayerRow> byLayer,
                    List<String> without) {
        /** Whether any group has an explained neuron (else there is no per-layer chart to draw). */
        boolean anyNeuron() {
            return groups.stream().anyMatch(g -> g.neurons() > 0);
        }
    }

    /**
     * One group's families file.
     *
     * @param model      the model it was computed on (the file's {@code model}), null when it does not say
     * @param rule       how the neurons were chosen, as the file records it (null when it does not say)
     * @param neurons    neurons explained
     * @param families   per family with a neuron, in {@link Families#families()} order
     * @param duplicates the duplicate families: family features shared by several neurons, largest first, at most
     *                   {@link FamiliesBuilder#DUPLICATES} of {@code duplicateFamilies}
     */
    record GroupFamilies(String group, String file, String model, String rule, String tokenTexts, String tagger,
                         int neurons, List<FamilySet> families, List<FamilySet> duplicates, int duplicateFamilies,
                         Clusters clusters) {
    }

    /**
     * A family (name: the family) or a duplicate family (name: the shared feature) with its neurons' count and the
     * first examples, by excess correlation.
     *
     * @param families the families of its neurons (one for a family; a duplicate family may span alphabet and unigram)
     */
    record FamilySet(String name, List<String> families, int neurons, List<FamilyNeuron> examples) {
    }

    /**
     * An explained neuron. Feature names are empty and VRs NaN where there is none.
     *
     * @param topTokens its mean-activating tokens, best first
     * @param topRank   its rank in the top-neurons table, null when it is not there
     */
    record FamilyNeuron(int layer, int neuron, double excess, String family, String best, double bestVr,
                        String runnerUp, double runnerUpVr, List<TopToken> topTokens, Integer topRank) {
    }

    /** A mean-activating token: its text, mean post-activation and how often it was seen. */
    record TopToken(String text, double mean, long count) {
    }

    /**
     * @param chosen     the number of clusters the file records
     * @param silhouette the mean silhouette of that choice, NaN when none (fewer than 3 neurons)
     * @param rows       one per cluster with a neuron, by cluster number
     */
    record Clusters(int chosen, double silhouette, List<Cluster> rows) {
    }

    /** @param feature the most common best feature of the cluster's neurons (empty: none), held by {@code withFeature} */
    record Cluster(int cluster, int neurons, String feature, int withFeature) {
    }

    /** @param byGroup per group of {@link Families#groups()}, null when the group's table has no such layer */
    record FamilyLayerRow(int layer, List<FamilyCounts> byGroup) {
    }

    /** Neurons per family of {@link Families#families()} in one layer, and their total. */
    record FamilyCounts(List<Integer> counts, int total) {
    }

    // ---------------------------------------------------------------- reference comparison

    /**
     * The anchor's table against a reference table of the same model shape (null without --reference).
     *
     * @param rows          neuron rows of the reference
     * @param complete      whether the reference lists every neuron (else a selection, e.g. the paper's universal.csv)
     * @param flagged       whether its universality comes from its is_universal column (else excess > threshold)
     * @param both          neurons universal in both tables
     * @param jaccard       both / neurons universal in either, NaN when neither has one
     * @param shared        neurons in both tables, over which the correlations of excess_corr run
     * @param excess        excess_corr of the shared neurons: the anchor's (x) and the reference's (y)
     * @param onlyAnchor    neurons universal only in the anchor's table, the first {@code listed} in layer order
     * @param onlyReference the same for the reference
     */
    record Reference(String label, String anchor, String file, int rows, boolean complete, boolean flagged,
                     int layers, int dMlp, int anchorUniversal, int referenceUniversal, int both, double jaccard,
                     int shared, double pearson, double spearman, List<ReferenceLayer> byLayer, Scatter excess,
                     NeuronList onlyAnchor, NeuronList onlyReference, int listed) {
    }

    /** One layer: universal neurons of each table as a share of the layer's {@code neurons} (the anchor's). */
    record ReferenceLayer(int layer, int neurons, Share anchor, Share reference) {
    }

    record Scatter(List<Double> x, List<Double> y) {
    }

    /** The first neurons of a longer list of {@code total}. */
    record NeuronList(List<ListedNeuron> neurons, int total) {
    }

    /** A neuron with its excess in each table; {@code referenceExcess} is NaN when the reference does not list it. */
    record ListedNeuron(int layer, int neuron, double anchorExcess, double referenceExcess) {
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

    // ---------------------------------------------------------------- functional roles

    /**
     * Functional roles read from the weights (--roles) and their causal checks (--interventions).
     *
     * @param trained       the --roles models drawn as trained seeds (all but the control), in the order given
     * @param control       the control among them, or null
     * @param kurt          per percentile (5, 10, 50, 90, 95 of vocab_kurt over a layer's neurons) its band over the
     *                      trained models per layer and the control's line; empty without --roles
     * @param skew          the same for vocab_skew
     * @param counts        per layer, per role of {@link RolesInput#ROLES}: the trained models' mean, min, max, the control's
     * @param totals        per model, its role counts over all layers
     * @param candidates    per model of --roles, its strongest attention and entropy candidates
     * @param withoutRoles  the --model names without a --roles directory (not in the figures), in --model order
     * @param interventions per group with an intervene directory, in group order
     */
    record FunctionalRoles(List<String> trained, String control, List<PercentileBand> kurt, List<PercentileBand> skew,
                           List<RoleCountRow> counts, List<RoleTotal> totals, List<ModelCandidates> candidates,
                           List<String> withoutRoles, List<GroupInterventions> interventions) {
    }

    /** A model's strongest candidates as {@link RolesInput} keeps them. */
    record ModelCandidates(String model, boolean control, List<RolesInput.Candidate> attention,
                           List<RolesInput.Candidate> entropy) {
    }

    /** Per layer: mean, min and max over the trained models (NaN where none has the layer), the control's (NaN: none). */
    record PercentileBand(int percentile, List<Double> mean, List<Double> min, List<Double> max, List<Double> control) {
    }

    record RoleCountRow(int layer, List<RoleCount> byRole) {
    }

    /** @param control the control's count, null without a control (or when it lacks the layer) */
    record RoleCount(double trainedMean, int trainedMin, int trainedMax, Integer control) {
    }

    record RoleTotal(String model, boolean control, List<Integer> counts) {
    }

    /**
     * One group's checks: the unchanged run, one entropy curve per tested neuron and LayerNorm mode, the tested
     * (neuron, head) pairs and the ablated prediction neurons, as the tables give them.
     */
    record GroupInterventions(String group, EntropyPoint nominal, List<EntropyCurve> curves, List<AttentionRow> attention,
                              List<PredictionRow> prediction, AttentionScatter scatter) {
    }

    /**
     * The top attention pair's points from attention_points.h5 (null without the file or an attention pair): the
     * neuron's activation and what it adds to the head's ‖z‖ and BOS attention; {@code dropped} points had a
     * non-finite value and are left out.
     */
    record AttentionScatter(String neuron, String head, List<Double> activation, List<Double> normEffect,
                            List<Double> bosEffect, int dropped) {
    }

    record EntropyPoint(long tokens, double loss, double entropy, double reciprocalRank, double lnScale) {
    }

    /** A neuron's means against the fixed value; {@code frozen}: the final LayerNorm scale held at the unchanged run's. */
    record EntropyCurve(String neuron, String kind, boolean frozen, List<Double> values, List<EntropyPoint> points) {
    }

    record AttentionRow(String neuron, String head, String kind, double score, double ratio, long points,
                        double meanActivation, double bosEffect, double normEffect, double fracNormEffect,
                        double pearsonNorm, double spearmanNorm, double pearsonBos, double spearmanBos) {
    }

    record PredictionRow(String neuron, String kind, double kurt, double skew, long active, double meanActivation,
                         double dBoosted, double dSuppressed, double dLoss) {
    }
}
