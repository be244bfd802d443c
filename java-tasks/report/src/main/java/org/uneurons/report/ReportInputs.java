package org.uneurons.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.UsageException;
import org.uneurons.formats.CsvTable;
import org.uneurons.formats.Threshold;
import org.uneurons.formats.ModelConfig;
import org.uneurons.formats.NeuronStatsFile;
import org.uneurons.formats.TokenShard;
import org.uneurons.formats.TopActivations;
import org.uneurons.formats.TrainLog;

/**
 * Every input of the report, read and checked against each other before anything is computed or drawn. Optional
 * inputs that were not given are null ({@code layerFractions}, {@code percentiles}, {@code shardTokens},
 * {@code stats}, {@code contexts}, {@code timings}) or empty.
 *
 * @param params     run parameters: the params file, then the {@code --param} options (which win)
 * @param threshold  {@code --threshold}, else param {@code threshold}, else 0.5
 * @param groups     the neuron tables, the anchor first
 * @param contexts   the anchor's top-activating contexts (needs {@code stats}); the top neurons' are decoded here,
 *                   so a shard that does not match the statistics fails before anything is drawn
 * @param plan       the run's plan, item to value in file order (null without {@code --plan})
 * @param reference  a table of the anchor's model shape to compare with (null without {@code --reference})
 * @param families   the groups' families files, in the order of {@code groups} (empty without {@code --families})
 * @param roles      the models' roles, in the order given (empty without {@code --roles})
 * @param interventions the groups' intervention tables, in the order of {@code groups} (empty without them)
 */
record ReportInputs(Map<String, String> params, double threshold, List<NeuronGroup> groups, CsvTable layerFractions,
                    CsvTable percentiles, List<ModelConfig> models, Long shardTokens, TopActivations stats,
                    Contexts contexts, Map<String, TaskTimings.ProcessTimes> timings, List<TrainLog> trainLogs,
                    Map<String, String> plan, ReferenceTable reference, List<FamiliesInput> families,
                    List<RolesInput> roles, List<InterventionsInput> interventions) {
    static final double DEFAULT_THRESHOLD = 0.5;

    /** Reads the inputs in a fixed order, so the first bad one is the one reported. */
    static ReportInputs read(ReportSettings s) {
        Map<String, String> params = params(s);
        double threshold = threshold(s, params);
        List<NeuronGroup> groups = new ArrayList<>();
        for (ReportSettings.Labelled g : s.neurons()) {
            groups.add(NeuronGroup.read(g.label(), g.file()));
        }
        NeuronGroup anchor = groups.get(0);
        ReferenceTable reference = s.reference() == null ? null
                : ReferenceTable.read(s.reference().label(), s.reference().file(), threshold).checkShape(anchor);
        CsvTable layerFractions = s.layerFractions() == null ? null : layerFractions(s.layerFractions(), anchor);
        CsvTable percentiles = s.percentiles() == null ? null : percentiles(s.percentiles());
        List<ModelConfig> models = new ArrayList<>();
        for (ReportSettings.Labelled m : s.models()) {
            models.add(ModelConfig.read(m.file(), m.label()));
        }
        Long shardTokens = s.shards().isEmpty() ? null : shardTokens(s.shards());
        TopActivations stats = s.anchorStats() == null ? null : stats(s.anchorStats(), anchor);
        Contexts contexts = stats == null ? null : contexts(stats, s, anchor);
        Map<String, TaskTimings.ProcessTimes> timings = s.timings().isEmpty() ? null : TaskTimings.read(s.timings());
        List<TrainLog> logs = new ArrayList<>();
        for (ReportSettings.Labelled l : s.trainLogs()) {
            TrainLog log = TrainLog.read(l.label(), l.file());
            if (!log.isEmpty()) { // an untrained initialisation has no curve to draw
                logs.add(log);
            }
        }
        Map<String, String> plan = s.plan() == null ? null : plan(s.plan());
        List<FamiliesInput> families = families(s, groups);
        List<RolesInput> roles = new ArrayList<>();
        for (ReportSettings.Labelled r : s.roles()) {
            // checked against the model's config when the report has it (settings checked the name is a --model)
            int m = s.models().stream().map(ReportSettings.Labelled::label).toList().indexOf(r.label());
            roles.add(RolesInput.read(r.label(), r.file(), m < 0 ? null : models.get(m)));
        }
        List<InterventionsInput> interventions = new ArrayList<>();
        for (NeuronGroup g : groups) {
            for (ReportSettings.Labelled f : s.interventions()) {
                if (f.label().equals(g.label)) {
                    interventions.add(InterventionsInput.read(g.label, f.file()));
                }
            }
        }
        return new ReportInputs(params, threshold, List.copyOf(groups), layerFractions, percentiles, List.copyOf(models),
                shardTokens, stats, contexts, timings, List.copyOf(logs), plan, reference, families, List.copyOf(roles),
                List.copyOf(interventions));
    }

    /** Each group's families file (settings checked that the group exists and has one), in group order. */
    private static List<FamiliesInput> families(ReportSettings s, List<NeuronGroup> groups) {
        List<FamiliesInput> out = new ArrayList<>();
        for (NeuronGroup g : groups) {
            for (ReportSettings.Labelled f : s.families()) {
                if (f.label().equals(g.label)) {
                    out.add(FamiliesInput.read(g.label, f.file(), g));
                }
            }
        }
        return List.copyOf(out);
    }

    /** The plan file: columns item and value, one row per item, in order. */
    private static Map<String, String> plan(Path file) {
        CsvTable t = CsvTable.read(file, "a plan.tsv (tab-separated columns item, value)", '\t');
        t.require("item", "value");
        Map<String, String> plan = new LinkedHashMap<>();
        for (int r = 0; r < t.rows(); r++) {
            plan.put(t.string(r, "item"), t.string(r, "value"));
        }
        return java.util.Collections.unmodifiableMap(plan);
    }

    NeuronGroup anchor() {
        return groups.get(0);
    }

    private static Map<String, String> params(ReportSettings s) {
        Map<String, String> params = new LinkedHashMap<>();
        if (s.paramsFile() != null) {
            params.putAll(Params.read(s.paramsFile()));
        }
        for (Map.Entry<String, String> e : s.params()) {
            params.put(e.getKey(), e.getValue());
        }
        return params;
    }

    private static double threshold(ReportSettings s, Map<String, String> params) {
        if (s.threshold() != null) {
            return s.threshold();
        }
        String t = params.get("threshold");
        if (t == null) {
            return DEFAULT_THRESHOLD;
        }
        double v;
        try {
            v = Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new UsageException("param 'threshold' is '" + t + "', expected a number");
        }
        return Threshold.check(v, "param 'threshold'", t);
    }

    /** The anchor's layer_fractions.csv, which must agree with the anchor's own counts (else: another run's file). */
    private static CsvTable layerFractions(Path file, NeuronGroup anchor) {
        CsvTable t = CsvTable.read(file, "a layer_fractions.csv (columns layer, n_neurons, n_universal, fraction)", ',');
        t.require("layer", "n_neurons", "n_universal", "fraction");
        Analysis.LayerCounts c = Analysis.layerCounts(anchor);
        if (t.rows() != anchor.nLayers) {
            throw new InputException(t.file() + ": " + t.rows() + " layers, but " + anchor.file() + " (" + anchor.label
                    + ") has " + anchor.nLayers + "; expected the layer_fractions.csv of the same run");
        }
        for (int r = 0; r < t.rows(); r++) {
            int l = t.integer(r, "layer");
            int n = t.integer(r, "n_neurons");
            int u = t.integer(r, "n_universal");
            t.number(r, "fraction");
            if (l < 0 || l >= anchor.nLayers || c.total()[l] != n || c.universal()[l] != u) {
                throw new InputException(t.file() + ": layer " + l + " has " + u + " universal of " + n + " neurons, but "
                        + anchor.file() + " (" + anchor.label + ") has "
                        + (l >= 0 && l < anchor.nLayers ? c.universal()[l] + " of " + c.total()[l] : "no such layer")
                        + "; expected the layer_fractions.csv of the same run");
            }
        }
        return t;
    }

    /** The anchor's percentiles.csv, every field checked. */
    private static CsvTable percentiles(Path file) {
        CsvTable t = CsvTable.read(file, "a percentiles.csv (columns metric, layer, median_percentile, n_universal)", ',');
        t.require("metric", "layer", "median_percentile", "n_universal");
        for (int r = 0; r < t.rows(); r++) {
            if (!t.string(r, "layer").equals("all")) {
                t.integer(r, "layer");
            }
            t.number(r, "median_percentile");
            t.integer(r, "n_universal");
        }
        return t;
    }

    /** Tokens in the shards, from the shape of /tokens (without reading them). */
    private static long shardTokens(List<Path> shards) {
        long n = 0;
        for (Path p : shards) {
            n += TokenShard.countTokens(p);
        }
        return n;
    }

    /** The anchor's statistics file, which must have the anchor's shape. */
    private static TopActivations stats(Path file, NeuronGroup anchor) {
        TopActivations stats = NeuronStatsFile.readTop(file);
        if (stats.nLayers != anchor.nLayers || (long) stats.nLayers * stats.dMlp != anchor.size()) {
            throw new InputException(stats.file + ": statistics of " + stats.model + " (" + stats.nLayers + " x "
                    + stats.dMlp + " neurons), but " + anchor.file() + " (" + anchor.label + ") has " + anchor.nLayers
                    + " layers and " + anchor.size() + " neurons; expected the anchor's statistics file");
        }
        return stats;
    }

    private static Contexts contexts(TopActivations stats, ReportSettings s, NeuronGroup anchor) {
        Contexts contexts = new Contexts(stats, s.shards(), s.window(), s.contexts());
        for (int r : Analysis.topByExcess(anchor, s.top())) {
            contexts.of(anchor.layer[r], anchor.neuron[r]);
        }
        return contexts;
    }
}
