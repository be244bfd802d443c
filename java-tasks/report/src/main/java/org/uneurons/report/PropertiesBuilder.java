package org.uneurons.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.uneurons.formats.CsvTable;
import org.uneurons.report.ReportModel.Percentile;
import org.uneurons.report.ReportModel.Properties;
import org.uneurons.report.ReportModel.PropertiesState;
import org.uneurons.report.ReportModel.PropertyRow;
import org.uneurons.report.ReportModel.Selection;

/**
 * The properties part of the {@link ReportModel} (METHOD 5.4). From the anchor's neuron table when it has statistics
 * columns, with the paper's definitions where the table has them ({@link Metric}): per metric the median within-layer
 * percentile and median value of the universal neurons, or, when the anchor has none, of its most universal neurons
 * (top 1% and top 5% by excess), and of the rest. Without statistics columns, the universal medians of the
 * universality tool's percentiles.csv.
 */
final class PropertiesBuilder {
    /** The most universal neurons that stand in when none is universal: the top 1% and 5% by excess. */
    static final int[] TOP_PERCENT = {1, 5};

    private PropertiesBuilder() {
    }

    static Properties build(NeuronGroup anchor, CsvTable percentiles, double threshold) {
        List<Metric> present = Metric.ALL.stream().filter(m -> m.column(anchor.table) != null).toList();
        if (!present.isEmpty()) {
            return fromTable(anchor, present, threshold);
        }
        return percentiles == null ? unavailable(PropertiesState.NO_INPUT, anchor) : fromPercentiles(anchor, percentiles);
    }

    private static Properties fromTable(NeuronGroup g, List<Metric> metrics, double threshold) {
        Chosen chosen = choose(g, threshold);
        List<PropertyRow> rows = new ArrayList<>();
        List<String> binned = new ArrayList<>();
        List<String> exact = new ArrayList<>();
        TreeSet<Integer> layersWithMembers = new TreeSet<>();
        for (int r = 0; r < g.size(); r++) {
            if (chosen.members.get(0)[r]) {
                layersWithMembers.add(g.layer[r]);
            }
        }
        for (Metric m : metrics) {
            String column = m.column(g.table);
            if (m.activation()) {
                (column.endsWith("_binned") ? binned : exact).add(column);
            }
            rows.add(row(g, m, column, chosen.members, layersWithMembers));
        }
        List<String> layerColumns = layersWithMembers.stream().map(l -> "L" + l).toList();
        return new Properties(PropertiesState.SHOWN, g.label, chosen.rule, chosen.selections, chosen.restLabel,
                List.copyOf(rows), layerColumns, List.copyOf(binned), List.copyOf(exact), PaperValues.MODELS, null);
    }

    /** The chosen sets of neurons, the rule that chose them and the name of the rest. */
    private record Chosen(List<Selection> selections, List<boolean[]> members, String rule, String restLabel) {
    }

    /** The universal neurons; or, when there are none, the top 1% and 5% by excess. */
    private static Chosen choose(NeuronGroup g, double threshold) {
        int universal = 0;
        for (boolean u : g.universal) {
            universal += u ? 1 : 0;
        }
        if (universal > 0) {
            return new Chosen(List.of(new Selection("universal", universal)), List.of(g.universal.clone()),
                    "Universal neurons: is_universal = 1 (excess_corr above the run's threshold, "
                            + Fmt.threshold(threshold) + ").", "non-universal");
        }
        List<Selection> selections = new ArrayList<>();
        List<boolean[]> members = new ArrayList<>();
        List<String> parts = new ArrayList<>();
        for (int pct : TOP_PERCENT) {
            int k = (int) Math.ceil(pct / 100.0 * g.size());
            boolean[] in = new boolean[g.size()];
            for (int r : Analysis.topByExcess(g, k)) {
                in[r] = true;
            }
            selections.add(new Selection("top " + pct + "%", k));
            members.add(in);
            parts.add("the top " + pct + "% (the " + Fmt.count(k) + " = ⌈" + pct + "% × " + Fmt.count(g.size())
                    + "⌉ neurons with the highest excess_corr)");
        }
        return new Chosen(List.copyOf(selections), List.copyOf(members), "No neuron of " + g.label
                + " is universal at the run's threshold (" + Fmt.threshold(threshold) + "), so its most universal neurons"
                + " stand in: " + String.join(" and ", parts) + "; equal excess goes to the earlier row.",
                "below the top " + TOP_PERCENT[TOP_PERCENT.length - 1] + "%");
    }

    /** One metric: per chosen set its median percentile and value, the rest's percentile, the first set per layer. */
    private static PropertyRow row(NeuronGroup g, Metric m, String column, List<boolean[]> members, Set<Integer> layers) {
        double[] v = g.table.numbers(column);
        double[] p = Analysis.withinLayerPercentiles(g, v);
        List<Percentile> bySelection = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        for (boolean[] in : members) {
            bySelection.add(percentile(p, in, true));
            values.add(medianOf(v, in, true));
        }
        Percentile rest = percentile(p, members.get(members.size() - 1), false);
        Map<String, Percentile> byLayer = new LinkedHashMap<>();
        for (int l : layers) {
            boolean[] inLayer = members.get(0).clone();
            for (int r = 0; r < g.size(); r++) {
                inLayer[r] &= g.layer[r] == l;
            }
            byLayer.put("L" + l, percentile(p, inLayer, true));
        }
        return new PropertyRow(m.key(), m.label(), column, List.copyOf(bySelection), rest.neurons() == 0 ? null : rest,
                Collections.unmodifiableList(values), PaperValues.medians(m.key()), Collections.unmodifiableMap(byLayer));
    }

    /** The median percentile of the neurons with {@code in[r] == want} (NaN of 0 neurons). */
    private static Percentile percentile(double[] p, boolean[] in, boolean want) {
        List<Double> xs = select(p, in, want);
        return new Percentile(xs.isEmpty() ? Double.NaN : Analysis.median(xs), xs.size());
    }

    private static double medianOf(double[] v, boolean[] in, boolean want) {
        List<Double> xs = select(v, in, want);
        return xs.isEmpty() ? Double.NaN : Analysis.median(xs);
    }

    private static List<Double> select(double[] v, boolean[] in, boolean want) {
        List<Double> out = new ArrayList<>();
        for (int r = 0; r < v.length; r++) {
            if (in[r] == want) {
                out.add(v[r]);
            }
        }
        return out;
    }

    /** percentiles.csv: rows with layer {@code all} are the universal medians, the others columns {@code L<layer>}. */
    private static Properties fromPercentiles(NeuronGroup anchor, CsvTable pc) {
        Map<String, Percentile> all = new LinkedHashMap<>();
        Map<String, Map<String, Percentile>> perLayer = new LinkedHashMap<>();
        List<String> layerColumns = new ArrayList<>();
        for (int r = 0; r < pc.rows(); r++) {
            String metric = pc.string(r, "metric");
            String layer = pc.string(r, "layer");
            Percentile p = new Percentile(pc.number(r, "median_percentile"), pc.integer(r, "n_universal"));
            if (layer.equals("all")) {
                all.put(metric, p);
            } else {
                String col = "L" + layer;
                if (!layerColumns.contains(col)) {
                    layerColumns.add(col);
                }
                perLayer.computeIfAbsent(metric, k -> new LinkedHashMap<>()).put(col, p);
            }
        }
        if (all.isEmpty()) {
            return unavailable(PropertiesState.NO_UNIVERSAL, anchor);
        }
        layerColumns.sort((a, b) -> Integer.compare(Integer.parseInt(a.substring(1)), Integer.parseInt(b.substring(1))));
        List<PropertyRow> rows = new ArrayList<>();
        for (Map.Entry<String, Percentile> e : all.entrySet()) {
            String m = e.getKey();
            rows.add(new PropertyRow(m, Metric.labelOf(m), null, List.of(e.getValue()), null, List.of(Double.NaN),
                    PaperValues.medians(m), Collections.unmodifiableMap(new LinkedHashMap<>(perLayer.getOrDefault(m, Map.of())))));
        }
        int n = all.values().iterator().next().neurons();
        String rule = "Universal neurons (is_universal = 1), medians as percentiles.csv gives them: the universality"
                + " tool's definitions (act_freq = pre-activation > 0, exact moments), not the paper's; the neuron table"
                + " has no statistics columns to compute more.";
        return new Properties(PropertiesState.SHOWN, anchor.label, rule, List.of(new Selection("universal", n)), null,
                List.copyOf(rows), List.copyOf(layerColumns), List.of(), List.of(), PaperValues.MODELS,
                pc.file().getFileName().toString());
    }

    private static Properties unavailable(PropertiesState state, NeuronGroup anchor) {
        return new Properties(state, anchor.label, null, List.of(), null, List.of(), List.of(), List.of(), List.of(),
                List.of(), null);
    }
}
