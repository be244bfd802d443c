package org.uneurons.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

import org.uneurons.report.ReportModel.Box;
import org.uneurons.report.ReportModel.Families;
import org.uneurons.report.ReportModel.FamilyCounts;
import org.uneurons.report.ReportModel.FamilyLayerRow;
import org.uneurons.report.ReportModel.GroupFamilies;
import org.uneurons.report.ReportModel.Histogram;
import org.uneurons.report.ReportModel.LayerCell;
import org.uneurons.report.ReportModel.LayerRow;
import org.uneurons.report.ReportModel.Layers;
import org.uneurons.report.ReportModel.LossCurve;
import org.uneurons.report.ReportModel.Percentile;
import org.uneurons.report.ReportModel.Properties;
import org.uneurons.report.ReportModel.PropertiesState;
import org.uneurons.report.ReportModel.PropertyRow;
import org.uneurons.report.ReportModel.Reference;
import org.uneurons.report.ReportModel.ReferenceLayer;
import org.uneurons.report.ReportModel.Share;
import org.uneurons.report.ReportModel.SweepRow;

/**
 * Writes the report's charts from the {@link ReportModel} into a directory, under the names the page links to, each
 * as PNG and SVG ({@link #svg}) with its data as CSV beside it ({@link #csv}). A chart whose part of the model is
 * absent (no training logs, no properties, no families, no reference) or would be empty (no neuron above a threshold,
 * no explained neuron) is not written: the page shows a sentence in its place.
 */
final class ReportCharts {
    static final String LOSS = "loss.png";
    static final String SWEEP = "threshold_sweep.png";
    static final String LAYER_EXCESS = "layer_excess.png";
    static final String LAYER_UNIVERSAL = "layer_universal.png";
    static final String PROPERTIES = "properties.png";
    static final String FAMILIES_PER_LAYER = "families_per_layer.png";
    static final String REFERENCE_LAYERS = "reference_layers.png";
    static final String REFERENCE_EXCESS = "reference_excess.png";
    static final String ROLES_KURT = "roles_kurtosis.png";
    static final String ROLES_SKEW = "roles_skew.png";
    /** The entropy check's metrics, as entropy.csv's columns, each one chart per group. */
    static final String[] ENTROPY_METRICS = {"entropy", "loss", "reciprocal_rank", "ln_scale"};

    private ReportCharts() {
    }

    /** The density chart of one quantity, e.g. {@code density_excess_corr.png}. */
    static String densityFile(Histogram h) {
        return "density_" + h.quantity() + ".png";
    }

    /** The per-layer chart of the fraction above one threshold, e.g. {@code layer_above_0.30.png}. */
    static String layerAboveFile(double threshold) {
        return "layer_above_" + Fmt.threshold(threshold) + ".png";
    }

    /** A group's chart of one entropy-check metric, e.g. {@code interventions_trained_entropy.png}. */
    static String interventionFile(String group, String metric) {
        return "interventions_" + group + "_" + metric + ".png";
    }

    /** The effects drawn against the top attention pair's activation: attention_points.h5 dataset, axis label. */
    static final String[][] SCATTER_EFFECTS = {{"norm_effect", "Δ‖z‖ of the head (unchanged − ablated)"},
        {"bos_prob_effect", "Δ BOS attention (unchanged − ablated)"}};

    /** A group's scatter of the top attention pair, e.g. {@code interventions_trained_norm_effect.png}. */
    static String scatterFile(String group, String effect) {
        return "interventions_" + group + "_" + effect + ".png";
    }

    /** The data file beside a chart: the same name with {@code .csv}. */
    static String csv(String png) {
        return png.substring(0, png.length() - ".png".length()) + ".csv";
    }

    /** The SVG copy beside a chart: the same name with {@code .svg}. */
    static String svg(String png) {
        return png.substring(0, png.length() - ".png".length()) + ".svg";
    }

    static void write(ReportModel m, Path dir) {
        if (m.run().training() != null) {
            loss(m.run().training().curves(), dir, LOSS);
        }
        for (Histogram h : m.distributions()) {
            density(h, dir, densityFile(h));
        }
        if (m.sweep().anyAbove()) {
            sweep(m, dir, SWEEP);
        }
        layerExcess(m, dir, LAYER_EXCESS);
        if (m.layers().anyUniversal()) {
            layerUniversal(m, dir, LAYER_UNIVERSAL);
        }
        for (int t = 0; t < m.layers().thresholds().size(); t++) {
            if (m.layers().anyAbove().get(t)) {
                layerAbove(m, t, dir, layerAboveFile(m.layers().thresholds().get(t)));
            }
        }
        if (m.properties().state() == PropertiesState.SHOWN) {
            properties(m.properties(), dir, PROPERTIES);
        }
        if (m.families() != null && m.families().anyNeuron()) {
            familiesPerLayer(m.families(), dir, FAMILIES_PER_LAYER);
        }
        if (m.roles() != null && !m.roles().kurt().isEmpty()) {
            rolesPercentiles(m.roles(), m.roles().kurt(), "vocab_kurt", dir, ROLES_KURT);
            rolesPercentiles(m.roles(), m.roles().skew(), "vocab_skew", dir, ROLES_SKEW);
        }
        if (m.roles() != null) {
            for (ReportModel.GroupInterventions g : m.roles().interventions()) {
                if (!g.curves().isEmpty()) {
                    for (int k = 0; k < ENTROPY_METRICS.length; k++) {
                        entropyCurves(g, k, dir, interventionFile(g.group(), ENTROPY_METRICS[k]));
                    }
                }
                if (g.scatter() != null && !g.scatter().activation().isEmpty()) {
                    for (int k = 0; k < SCATTER_EFFECTS.length; k++) {
                        attentionScatter(g, k, dir, scatterFile(g.group(), SCATTER_EFFECTS[k][0]));
                    }
                }
            }
        }
        Reference r = m.reference();
        if (r != null && r.anchorUniversal() + r.referenceUniversal() > 0) {
            referenceLayers(m, r, dir, REFERENCE_LAYERS);
        }
        if (r != null && r.shared() > 0) {
            referenceExcess(m, r, dir, REFERENCE_EXCESS);
        }
    }

    private static void loss(List<LossCurve> curves, Path dir, String png) {
        List<Charts.Curve> drawn = new ArrayList<>();
        FigureCsv data = new FigureCsv("curve", "step", "loss");
        for (LossCurve c : curves) {
            drawn.add(new Charts.Curve(c.name(), array(c.x()), array(c.y()), c.colour(), c.dashed()));
            for (int i = 0; i < c.x().size(); i++) {
                if (!c.y().get(i).isNaN()) {
                    data.row(c.name(), c.x().get(i), c.y().get(i));
                }
            }
        }
        Charts.curves(dir.resolve(png), "Training loss", "step", "loss", drawn);
        data.write(dir.resolve(csv(png)));
    }

    private static void density(Histogram h, Path dir, String png) {
        LinkedHashMap<String, double[]> densities = new LinkedHashMap<>();
        FigureCsv data = new FigureCsv("group", "bin_low", "bin_high", "density");
        h.densities().forEach(d -> {
            densities.put(d.group(), array(d.values()));
            for (int i = 0; i < d.values().size(); i++) {
                data.row(d.group(), h.edges().get(i), h.edges().get(i + 1), d.values().get(i));
            }
        });
        Charts.densities(dir.resolve(png), h.title(), h.xLabel(), array(h.edges()), densities);
        data.write(dir.resolve(csv(png)));
    }

    private static void sweep(ReportModel m, Path dir, String png) {
        double[] thresholds = new double[m.sweep().rows().size()];
        LinkedHashMap<String, double[]> fractions = new LinkedHashMap<>();
        m.groups().forEach(g -> fractions.put(g, new double[thresholds.length]));
        FigureCsv data = new FigureCsv("group", "threshold", "neurons_above", "fraction");
        for (int t = 0; t < thresholds.length; t++) {
            SweepRow row = m.sweep().rows().get(t);
            thresholds[t] = row.threshold();
            for (int g = 0; g < m.groups().size(); g++) {
                Share s = row.byGroup().get(g);
                fractions.get(m.groups().get(g))[t] = s.fraction();
                data.row(m.groups().get(g), Fmt.threshold(row.threshold()), s.count(), s.fraction());
            }
        }
        Charts.lines(dir.resolve(png), "Neurons above each excess threshold", "threshold on excess correlation",
                "fraction of neurons", thresholds, fractions, true, m.threshold());
        data.write(dir.resolve(csv(png)));
    }

    /** One box per group and layer it has: the distribution of excess, with the run's threshold marked. */
    private static void layerExcess(ReportModel m, Path dir, String png) {
        LinkedHashMap<String, LinkedHashMap<String, Box>> boxes = new LinkedHashMap<>();
        FigureCsv data = new FigureCsv("group", "layer", "neurons", "mean", "min", "q1", "median", "q3", "max",
                "whisker_low", "whisker_high", "beyond_whiskers");
        for (int g = 0; g < m.groups().size(); g++) {
            LinkedHashMap<String, Box> byLayer = new LinkedHashMap<>();
            for (LayerRow row : m.layers().rows()) {
                Box b = row.byGroup().get(g).excess();
                if (b != null) {
                    byLayer.put("L" + row.layer(), b);
                    data.row(m.groups().get(g), row.layer(), b.n(), b.mean(), b.min(), b.q1(), b.median(), b.q3(), b.max(),
                            b.whiskerLow(), b.whiskerHigh(), b.outliers().size());
                }
            }
            boxes.put(m.groups().get(g), byLayer);
        }
        Charts.boxes(dir.resolve(png), "Excess correlation per layer", "layer", "excess correlation ϱ", boxes, m.threshold());
        data.write(dir.resolve(csv(png)));
    }

    /** One bar per group and layer it has: its is_universal fraction. */
    private static void layerUniversal(ReportModel m, Path dir, String png) {
        LinkedHashMap<String, LinkedHashMap<String, Double>> bars = new LinkedHashMap<>();
        FigureCsv data = new FigureCsv("group", "layer", "universal", "neurons", "fraction");
        for (int g = 0; g < m.groups().size(); g++) {
            LinkedHashMap<String, Double> byLayer = new LinkedHashMap<>();
            for (LayerRow row : m.layers().rows()) {
                ReportModel.UniversalInLayer u = row.byGroup().get(g).universal();
                if (u != null) {
                    byLayer.put("L" + row.layer(), u.fraction());
                    data.row(m.groups().get(g), row.layer(), u.universal(), u.total(), u.fraction());
                }
            }
            bars.put(m.groups().get(g), byLayer);
        }
        Charts.bars(dir.resolve(png), "Universal neurons per layer (ϱ > " + Fmt.threshold(m.threshold()) + ")", "layer",
                "fraction of the layer's neurons", bars, groupColours(m), true, null, null);
        data.write(dir.resolve(csv(png)));
    }

    /** One bar per group and layer it has: the fraction of its neurons with excess above {@code thresholds()[t]}. */
    private static void layerAbove(ReportModel m, int t, Path dir, String png) {
        Layers layers = m.layers();
        double threshold = layers.thresholds().get(t);
        LinkedHashMap<String, LinkedHashMap<String, Double>> bars = new LinkedHashMap<>();
        FigureCsv data = new FigureCsv("group", "layer", "threshold", "neurons_above", "fraction");
        for (int g = 0; g < m.groups().size(); g++) {
            LinkedHashMap<String, Double> byLayer = new LinkedHashMap<>();
            for (LayerRow row : layers.rows()) {
                LayerCell c = row.byGroup().get(g);
                if (!c.above().isEmpty()) {
                    Share s = c.above().get(t);
                    byLayer.put("L" + row.layer(), s.fraction());
                    data.row(m.groups().get(g), row.layer(), Fmt.threshold(threshold), s.count(), s.fraction());
                }
            }
            bars.put(m.groups().get(g), byLayer);
        }
        String paper = Math.abs(threshold - 0.5) < 1e-9 ? " (the paper's)" : "";
        Charts.bars(dir.resolve(png), "Neurons with ϱ > " + Fmt.threshold(threshold) + paper + " per layer", "layer",
                "fraction of the layer's neurons", bars, groupColours(m), true, null, null);
        data.write(dir.resolve(csv(png)));
    }

    /** Each selection's and the rest's median percentile per metric, against the typical 50. */
    private static void properties(Properties p, Path dir, String png) {
        LinkedHashMap<String, LinkedHashMap<String, Double>> bars = new LinkedHashMap<>();
        FigureCsv data = new FigureCsv("metric", "column", "neurons_of", "neurons", "median_percentile", "median_value");
        for (int s = 0; s < p.selections().size(); s++) {
            LinkedHashMap<String, Double> byMetric = new LinkedHashMap<>();
            for (PropertyRow r : p.rows()) {
                Percentile pc = r.bySelection().get(s);
                byMetric.put(Metric.chartLabelOf(r.metric()), pc.median());
                data.row(r.metric(), r.column(), p.selections().get(s).name(), pc.neurons(), pc.median(), r.values().get(s));
            }
            bars.put(p.selections().get(s).name(), byMetric);
        }
        if (p.restLabel() != null) {
            LinkedHashMap<String, Double> byMetric = new LinkedHashMap<>();
            for (PropertyRow r : p.rows()) {
                byMetric.put(Metric.chartLabelOf(r.metric()), r.rest() == null ? Double.NaN : r.rest().median());
                if (r.rest() != null) {
                    data.row(r.metric(), r.column(), p.restLabel(), r.rest().neurons(), r.rest().median(), null);
                }
            }
            bars.put(p.restLabel(), byMetric);
        }
        int[] colours = new int[bars.size()];
        for (int i = 0; i < colours.length; i++) {
            colours[i] = i;
        }
        Charts.bars(dir.resolve(png), "Median within-layer percentile (" + p.anchor() + ")", "property",
                "median percentile", bars, colours, false, 100.0, 50.0);
        data.write(dir.resolve(csv(png)));
    }

    /** Per layer one bar per group with a families file, stacked by family: the explained neurons' families. */
    private static void familiesPerLayer(Families f, Path dir, String png) {
        List<String> groups = f.groups().stream().map(GroupFamilies::group).toList();
        List<String> layers = f.byLayer().stream().map(r -> "L" + r.layer()).toList();
        Integer[][][] values = new Integer[groups.size()][layers.size()][];
        FigureCsv data = new FigureCsv("group", "layer", "family", "neurons");
        for (int g = 0; g < groups.size(); g++) {
            for (int l = 0; l < layers.size(); l++) {
                FamilyLayerRow row = f.byLayer().get(l);
                FamilyCounts c = row.byGroup().get(g);
                if (c != null) {
                    values[g][l] = c.counts().toArray(Integer[]::new);
                    for (int k = 0; k < f.families().size(); k++) {
                        data.row(groups.get(g), row.layer(), f.families().get(k), c.counts().get(k));
                    }
                }
            }
        }
        java.awt.Color[] colours = f.families().stream().map(Charts::familyColour).toArray(java.awt.Color[]::new);
        Charts.groupedStacks(dir.resolve(png), "Neuron families per layer", "layer", "neurons", groups, layers,
                f.families(), values, colours);
        data.write(dir.resolve(csv(png)));
    }

    /** The anchor's and the reference's universal fraction per layer; the reference in the first colour after the groups'. */
    private static void referenceLayers(ReportModel m, Reference r, Path dir, String png) {
        LinkedHashMap<String, LinkedHashMap<String, Double>> bars = new LinkedHashMap<>();
        bars.put(r.anchor(), new LinkedHashMap<>());
        bars.put(r.label(), new LinkedHashMap<>());
        FigureCsv data = new FigureCsv("table", "layer", "universal", "neurons", "fraction");
        for (ReferenceLayer l : r.byLayer()) {
            bars.get(r.anchor()).put("L" + l.layer(), l.anchor().fraction());
            bars.get(r.label()).put("L" + l.layer(), l.reference().fraction());
            data.row(r.anchor(), l.layer(), l.anchor().count(), l.neurons(), l.anchor().fraction());
            data.row(r.label(), l.layer(), l.reference().count(), l.neurons(), l.reference().fraction());
        }
        Charts.bars(dir.resolve(png), "Universal neurons per layer: " + r.anchor() + " and " + r.label(), "layer",
                "fraction of the layer's neurons", bars, new int[] {0, m.groups().size()}, true, null, null);
        data.write(dir.resolve(csv(png)));
    }

    private static void referenceExcess(ReportModel m, Reference r, Path dir, String png) {
        FigureCsv data = new FigureCsv(r.anchor(), r.label());
        for (int i = 0; i < r.excess().x().size(); i++) {
            data.row(r.excess().x().get(i), r.excess().y().get(i));
        }
        Charts.scatter(dir.resolve(png), "Excess correlation of the neurons in both tables",
                "excess_corr, " + r.anchor(), "excess_corr, " + r.label(), array(r.excess().x()), array(r.excess().y()),
                m.groups().size(), m.threshold());
        data.write(dir.resolve(csv(png)));
    }

    private static int[] groupColours(ReportModel m) {
        int[] c = new int[m.groups().size()];
        for (int i = 0; i < c.length; i++) {
            c[i] = i;
        }
        return c;
    }

    private static double[] array(List<Double> xs) {
        double[] out = new double[xs.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = xs.get(i);
        }
        return out;
    }

    /**
     * The paper's roles figure: per layer, each percentile of the statistic over the layer's neurons, the trained
     * models' mean with their min-max band (one colour per percentile), the control dashed in the same colour.
     */
    private static void rolesPercentiles(ReportModel.FunctionalRoles f, List<ReportModel.PercentileBand> bands,
                                         String stat, Path dir, String png) {
        FigureCsv data = new FigureCsv("percentile", "layer", "trained_mean", "trained_min", "trained_max", "control");
        List<Charts.Band> drawn = new ArrayList<>();
        for (int k = 0; k < bands.size(); k++) {
            ReportModel.PercentileBand b = bands.get(k);
            int n = b.mean().size();
            double[] x = new double[n];
            for (int l = 0; l < n; l++) {
                x[l] = l;
                data.row(b.percentile(), l, b.mean().get(l), b.min().get(l), b.max().get(l), b.control().get(l));
            }
            if (!f.trained().isEmpty()) {
                drawn.add(new Charts.Band("p" + b.percentile() + (f.trained().size() > 1 ? " (mean, min-max of "
                        + f.trained().size() + ")" : ""), x, array(b.mean()), array(b.min()), array(b.max()), k, false));
            }
            if (f.control() != null) {
                double[] c = array(b.control());
                drawn.add(new Charts.Band("p" + b.percentile() + " " + f.control(), x, c, c, c, k, true));
            }
        }
        Charts.bands(dir.resolve(png), stat + " percentiles per layer", "layer", stat, drawn);
        data.write(dir.resolve(csv(png)));
    }

    /**
     * One group's entropy-check metric against the fixed activation: each chosen neuron a solid line (its own
     * LayerNorm) and a dashed one (scale frozen), the random neurons as a grey mean with their min-max band, the
     * unchanged run as a dotted grey level.
     */
    private static void entropyCurves(ReportModel.GroupInterventions g, int metric, Path dir, String png) {
        FigureCsv data = new FigureCsv("neuron", "kind", "ln_frozen", "value", ENTROPY_METRICS[metric]);
        List<Charts.Band> drawn = new ArrayList<>();
        java.util.Map<String, Integer> colours = new java.util.HashMap<>();
        java.util.TreeMap<Double, List<Double>> random = new java.util.TreeMap<>();
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (ReportModel.EntropyCurve c : g.curves()) {
            double[] x = array(c.values());
            double[] y = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                y[i] = metric(c.points().get(i), metric);
                data.row(c.neuron(), c.kind(), c.frozen(), x[i], y[i]);
                lo = Math.min(lo, x[i]);
                hi = Math.max(hi, x[i]);
                if (c.kind().equals("random") && !c.frozen()) {
                    random.computeIfAbsent(x[i], v -> new ArrayList<>()).add(y[i]);
                }
            }
            if (!c.kind().equals("random")) {
                int col = colours.computeIfAbsent(c.neuron(), n -> colours.size());
                drawn.add(new Charts.Band(c.neuron() + (c.frozen() ? " (LN frozen)" : ""), x, y, y, y, col, c.frozen()));
            }
        }
        if (!random.isEmpty()) {
            int n = random.size();
            double[] x = new double[n], mean = new double[n], min = new double[n], max = new double[n];
            int i = 0;
            int neurons = 0;
            for (java.util.Map.Entry<Double, List<Double>> e : random.entrySet()) {
                x[i] = e.getKey();
                mean[i] = e.getValue().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
                min[i] = e.getValue().stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
                max[i] = e.getValue().stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
                neurons = Math.max(neurons, e.getValue().size());
                i++;
            }
            drawn.add(new Charts.Band("random (" + neurons + "): mean, min-max", x, mean, min, max, -1, false));
        }
        if (lo <= hi) {
            double level = metric(g.nominal(), metric);
            double[] x = {lo, hi}, y = {level, level};
            drawn.add(new Charts.Band("unchanged run", x, y, y, y, -1, true));
            data.row("", "nominal", false, "", level);
        }
        Charts.bands(dir.resolve(png), ENTROPY_METRICS[metric].replace('_', ' ') + " with the activation fixed ("
                + g.group() + ")", "fixed post-activation", ENTROPY_METRICS[metric].replace('_', ' '), drawn);
        data.write(dir.resolve(csv(png)));
    }

    /** The top attention pair: each point (sequence, query position) its activation against one of the effects. */
    private static void attentionScatter(ReportModel.GroupInterventions g, int effect, Path dir, String png) {
        ReportModel.AttentionScatter sc = g.scatter();
        List<Double> y = effect == 0 ? sc.normEffect() : sc.bosEffect();
        FigureCsv data = new FigureCsv("activation", SCATTER_EFFECTS[effect][0]);
        for (int i = 0; i < y.size(); i++) {
            data.row(sc.activation().get(i), y.get(i));
        }
        Charts.points(dir.resolve(png), sc.neuron() + " and head " + sc.head() + " (" + g.group() + ")",
                "activation of " + sc.neuron(), SCATTER_EFFECTS[effect][1], "points", array(sc.activation()), array(y), 0);
        data.write(dir.resolve(csv(png)));
    }

    static double metric(ReportModel.EntropyPoint p, int metric) {
        return switch (metric) {
            case 0 -> p.entropy();
            case 1 -> p.loss();
            case 2 -> p.reciprocalRank();
            default -> p.lnScale();
        };
    }
}
