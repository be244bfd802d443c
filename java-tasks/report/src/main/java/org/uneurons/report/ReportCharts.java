package org.uneurons.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

import org.uneurons.report.ReportModel.Histogram;
import org.uneurons.report.ReportModel.LayerRow;
import org.uneurons.report.ReportModel.LossCurve;
import org.uneurons.report.ReportModel.Properties;
import org.uneurons.report.ReportModel.PropertiesState;
import org.uneurons.report.ReportModel.PropertyRow;
import org.uneurons.report.ReportModel.SweepRow;

/**
 * Writes the report's PNG charts from the {@link ReportModel} into a directory, under the names the page links
 * to. A chart whose part of the model is absent (no training logs, no properties) is not written.
 */
final class ReportCharts {
    static final String LOSS = "loss.png";
    static final String SWEEP = "threshold_sweep.png";
    static final String LAYERS = "layer_fractions.png";
    static final String PROPERTIES = "properties.png";

    private ReportCharts() {
    }

    /** The density chart of one quantity, e.g. {@code density_excess_corr.png}. */
    static String densityFile(Histogram h) {
        return "density_" + h.quantity() + ".png";
    }

    static void write(ReportModel m, Path dir) {
        if (m.run().training() != null) {
            loss(m.run().training().curves(), dir.resolve(LOSS));
        }
        for (Histogram h : m.distributions()) {
            density(h, dir.resolve(densityFile(h)));
        }
        sweep(m, dir.resolve(SWEEP));
        layers(m, dir.resolve(LAYERS));
        if (m.properties().state() == PropertiesState.SHOWN) {
            properties(m.properties(), dir.resolve(PROPERTIES));
        }
    }

    private static void loss(List<LossCurve> curves, Path png) {
        List<Charts.Curve> drawn = new ArrayList<>();
        for (LossCurve c : curves) {
            drawn.add(new Charts.Curve(c.name(), array(c.x()), array(c.y()), c.colour(), c.dashed()));
        }
        Charts.curves(png, "Training loss", "step", "loss", drawn);
    }

    private static void density(Histogram h, Path png) {
        LinkedHashMap<String, double[]> densities = new LinkedHashMap<>();
        h.densities().forEach(d -> densities.put(d.group(), array(d.values())));
        Charts.densities(png, h.title(), h.xLabel(), array(h.edges()), densities);
    }

    private static void sweep(ReportModel m, Path png) {
        double[] thresholds = new double[m.sweep().size()];
        LinkedHashMap<String, double[]> fractions = new LinkedHashMap<>();
        m.groups().forEach(g -> fractions.put(g, new double[thresholds.length]));
        for (int t = 0; t < thresholds.length; t++) {
            SweepRow row = m.sweep().get(t);
            thresholds[t] = row.threshold();
            for (int g = 0; g < m.groups().size(); g++) {
                fractions.get(m.groups().get(g))[t] = row.byGroup().get(g).fraction();
            }
        }
        Charts.lines(png, "Neurons above each excess threshold", "threshold on excess correlation", "fraction of neurons",
                thresholds, fractions, true, m.threshold());
    }

    /** One bar per group and layer it has (its is_universal fraction). */
    private static void layers(ReportModel m, Path png) {
        LinkedHashMap<String, LinkedHashMap<String, Double>> bars = new LinkedHashMap<>();
        for (int g = 0; g < m.groups().size(); g++) {
            LinkedHashMap<String, Double> byLayer = new LinkedHashMap<>();
            for (LayerRow row : m.layers().rows()) {
                ReportModel.UniversalInLayer u = row.byGroup().get(g).universal();
                if (u != null) {
                    byLayer.put("L" + row.layer(), u.fraction());
                }
            }
            bars.put(m.groups().get(g), byLayer);
        }
        Charts.bars(png, "Universal neurons per layer", "layer", "fraction of the layer's neurons", bars, true, null, null);
    }

    /** Universal and (when computed) non-universal medians per metric, against the typical 50. */
    private static void properties(Properties p, Path png) {
        LinkedHashMap<String, LinkedHashMap<String, Double>> bars = new LinkedHashMap<>();
        bars.put("universal", new LinkedHashMap<>());
        if (p.withOther()) {
            bars.put("non-universal", new LinkedHashMap<>());
        }
        for (PropertyRow r : p.rows()) {
            bars.get("universal").put(r.label(), r.universal().median());
            if (p.withOther()) {
                bars.get("non-universal").put(r.label(), r.other() == null ? Double.NaN : r.other().median());
            }
        }
        Charts.bars(png, "Median within-layer percentile (" + p.anchor() + ")", "property", "median percentile", bars,
                false, 100.0, 50.0);
    }

    private static double[] array(List<Double> xs) {
        double[] out = new double[xs.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = xs.get(i);
        }
        return out;
    }
}
