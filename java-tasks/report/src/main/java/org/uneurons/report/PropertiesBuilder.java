package org.uneurons.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.uneurons.report.ReportModel.Percentile;
import org.uneurons.report.ReportModel.Properties;
import org.uneurons.report.ReportModel.PropertiesState;
import org.uneurons.report.ReportModel.PropertyRow;
import org.uneurons.formats.CsvTable;

/**
 * The properties part of the {@link ReportModel} (METHOD 5.4): per metric, the median within-layer percentile of
 * the anchor's universal neurons (from percentiles.csv when given, else computed from the neuron table) and of
 * its non-universal neurons (computed, when the table has the statistics columns).
 */
final class PropertiesBuilder {
    /** Universal medians over all layers and per layer column, in the order of the metrics' first appearance. */
    private final Map<String, Percentile> universal = new LinkedHashMap<>();
    private final Map<String, Percentile> other = new LinkedHashMap<>();
    private final Map<String, Map<String, Percentile>> perLayer = new LinkedHashMap<>();
    private final List<String> layerColumns = new ArrayList<>();

    private PropertiesBuilder() {
    }

    static Properties build(NeuronGroup anchor, CsvTable percentiles) {
        List<Analysis.PercentileContrast> contrast = Analysis.percentileContrast(anchor);
        if (contrast.isEmpty() && percentiles == null) {
            return unavailable(PropertiesState.NO_INPUT, anchor);
        }
        PropertiesBuilder b = new PropertiesBuilder();
        if (percentiles != null) {
            b.readPercentiles(percentiles);
        }
        for (Analysis.PercentileContrast c : contrast) {
            b.universal.putIfAbsent(c.metric(), new Percentile(c.universalMedian(), c.nUniversal()));
            b.other.put(c.metric(), new Percentile(c.otherMedian(), c.nOther()));
        }
        if (b.universal.isEmpty()) {
            return unavailable(PropertiesState.NO_UNIVERSAL, anchor);
        }
        List<PropertyRow> rows = new ArrayList<>();
        for (Map.Entry<String, Percentile> e : b.universal.entrySet()) {
            String m = e.getKey();
            rows.add(new PropertyRow(m, label(m), e.getValue(), b.other.get(m),
                    Collections.unmodifiableMap(new LinkedHashMap<>(b.perLayer.getOrDefault(m, Map.of())))));
        }
        return new Properties(PropertiesState.SHOWN, anchor.label, List.copyOf(b.layerColumns), List.copyOf(rows),
                !b.other.isEmpty(), percentiles == null ? null : percentiles.file().getFileName().toString());
    }

    private static Properties unavailable(PropertiesState state, NeuronGroup anchor) {
        return new Properties(state, anchor.label, List.of(), List.of(), false, null);
    }

    /** Rows with layer {@code all} are the universal medians; the others become columns {@code L<layer>}. */
    private void readPercentiles(CsvTable pc) {
        for (int r = 0; r < pc.rows(); r++) {
            String metric = pc.string(r, "metric");
            String layer = pc.string(r, "layer");
            Percentile p = new Percentile(pc.number(r, "median_percentile"), pc.integer(r, "n_universal"));
            if (layer.equals("all")) {
                universal.put(metric, p);
            } else {
                String col = "L" + layer;
                if (!layerColumns.contains(col)) {
                    layerColumns.add(col);
                }
                perLayer.computeIfAbsent(metric, k -> new LinkedHashMap<>()).put(col, p);
            }
        }
        layerColumns.sort((a, b) -> Integer.compare(Integer.parseInt(a.substring(1)), Integer.parseInt(b.substring(1))));
    }

    /** A metric's name in the chart and table. */
    static String label(String metric) {
        return switch (metric) {
            case "act_freq" -> "act frequency";
            case "mean" -> "act mean";
            case "skew" -> "act skew";
            case "kurt" -> "act kurtosis";
            case "input_bias" -> "input bias";
            case "in_out_sim" -> "cos(w_in, w_out)";
            case "l2_penalty" -> "L2 penalty";
            case "vocab_kurt" -> "W_U kurtosis";
            default -> metric;
        };
    }
}
