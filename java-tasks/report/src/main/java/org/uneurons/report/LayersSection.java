package org.uneurons.report;

import java.util.ArrayList;
import java.util.List;

import org.uneurons.report.ReportModel.LayerCell;
import org.uneurons.report.ReportModel.LayerRow;
import org.uneurons.report.ReportModel.Layers;
import org.uneurons.report.ReportModel.UniversalInLayer;

/**
 * The "Per layer" section: the distribution of excess per layer and group (box plots), the universal fraction and
 * the fractions above lower thresholds per layer (one chart each, or a sentence when no neuron is above), and a
 * table of all of them with the mean excess. Small models with no neuron past the run's threshold still show their
 * depth profile in the boxes and at the lower thresholds.
 */
final class LayersSection {
    private LayersSection() {
    }

    static void render(Html h, ReportModel m) {
        Layers layers = m.layers();
        h.section("layers", "Per layer");
        h.append("<p>The distribution of excess correlation ϱ in each layer, per group: boxes span the quartiles with")
                .append(" the median as a line; whiskers reach the most extreme values within")
                .append(" 1.5 times the box's height, circles beyond them are single neurons; the dashed line is the")
                .append(" run's threshold (").append(Fmt.threshold(m.threshold())).append(").</p>\n");
        h.img(ReportCharts.LAYER_EXCESS, "Excess correlation per layer, per group");
        h.append("<p>Fractions of each layer's neurons flagged universal (<code>is_universal</code>, excess above the")
                .append(" run's threshold) and with excess above lower thresholds. The paper's GPT-2 small shows a U shape")
                .append(" at 0.5: high in the first and last layers, lowest in the middle (METHOD 4).</p>\n");
        // one sentence for every chart with nothing to draw, then the charts that have something
        List<String> empty = new ArrayList<>();
        if (!layers.anyUniversal()) {
            empty.add("is universal (excess above " + Fmt.threshold(m.threshold()) + ")");
        }
        String verb = "has excess above ";
        for (int t = 0; t < layers.thresholds().size(); t++) {
            if (!layers.anyAbove().get(t)) {
                empty.add(verb + Fmt.threshold(layers.thresholds().get(t)));
                verb = "above ";
            }
        }
        if (!empty.isEmpty()) {
            boolean all = empty.size() == layers.thresholds().size() + 1;
            h.empty("No neuron of " + groups(m) + " " + String.join(", ", empty.subList(0, empty.size() - 1))
                    + (empty.size() > 1 ? " or " : "") + empty.get(empty.size() - 1) + " in any layer: no chart to draw for "
                    + (empty.size() > 1 ? "those" : "it") + (all ? "; the boxes above show the depth profile." : "."));
        }
        h.append("<div class=\"grid\">\n");
        if (layers.anyUniversal()) {
            h.img(ReportCharts.LAYER_UNIVERSAL, "Fraction of universal neurons per layer, per group");
        }
        for (int t = 0; t < layers.thresholds().size(); t++) {
            double th = layers.thresholds().get(t);
            if (layers.anyAbove().get(t)) {
                h.img(ReportCharts.layerAboveFile(th), "Fraction of neurons with excess above " + Fmt.threshold(th)
                        + " per layer, per group");
            }
        }
        h.append("</div>\n");
        table(h, m);
        if (layers.checkedAgainst() != null) {
            h.append("<p class=\"note\">The anchor's counts agree with <code>").esc(layers.checkedAgainst())
                    .append("</code>.</p>\n");
        }
        h.append("</section>\n");
    }

    private static void table(Html h, ReportModel m) {
        List<Double> thresholds = m.layers().thresholds();
        int perGroup = thresholds.size() + 2;
        h.append("<table class=\"layers\"><tr><th class=\"n\" rowspan=\"2\">layer</th>");
        for (int i = 0; i < m.groups().size(); i++) {
            h.append("<th class=\"n group\" colspan=\"").append(perGroup).append("\">").swatch(i).esc(m.groups().get(i))
                    .append("</th>");
        }
        h.append("</tr>\n<tr>");
        for (int i = 0; i < m.groups().size(); i++) {
            h.append("<th class=\"n\">universal</th>");
            for (double t : thresholds) {
                h.append("<th class=\"n\">ϱ &gt; ").append(Fmt.threshold(t)).append("</th>");
            }
            h.append("<th class=\"n\">mean ϱ</th>");
        }
        h.append("</tr>\n");
        for (LayerRow row : m.layers().rows()) {
            h.append("<tr data-layer=\"").append(row.layer()).append("\"><td class=\"n\">").append(row.layer()).append("</td>");
            for (int i = 0; i < m.groups().size(); i++) {
                cells(h, m.groups().get(i), thresholds, row.byGroup().get(i));
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");
    }

    /** One group's cells of a layer row. */
    private static void cells(Html h, String group, List<Double> thresholds, LayerCell c) {
        UniversalInLayer u = c.universal();
        h.append("<td class=\"n\" data-group=\"").esc(group).append("\">")
                .append(u == null ? "–" : Fmt.percent(u.fraction()) + " <small>(" + Fmt.count(u.universal()) + " / "
                        + Fmt.count(u.total()) + ")</small>")
                .append("</td>");
        for (int t = 0; t < thresholds.size(); t++) {
            h.append("<td class=\"n\" data-group=\"").esc(group).append("\" data-key=\"above_")
                    .append(Fmt.threshold(thresholds.get(t)).replaceAll("0$", "")).append("\">")
                    .append(c.above().isEmpty() ? "–" : Html.share(c.above().get(t))).append("</td>");
        }
        h.append("<td class=\"n\" data-group=\"").esc(group).append("\" data-key=\"mean_excess\">")
                .append(Fmt.mean(c.meanExcess())).append("</td>");
    }

    /** "trained or control", for sentences about every group. */
    private static String groups(ReportModel m) {
        return Fmt.esc(String.join(" or ", m.groups()));
    }
}
