package org.uneurons.report;

import org.uneurons.report.ReportModel.LayerCell;
import org.uneurons.report.ReportModel.LayerRow;
import org.uneurons.report.ReportModel.UniversalInLayer;

/**
 * The "Per layer" section: the universal fraction per layer and group as a chart, and a table that adds, per layer
 * and group, excess &gt; 0.2 and the mean excess (the depth profile of small models with almost no neuron past the
 * run's threshold).
 */
final class LayersSection {
    private LayersSection() {
    }

    static void render(Html h, ReportModel m) {
        h.section("layers", "Universal fraction per layer");
        h.append("<p>Neurons flagged universal (<code>is_universal</code>, excess above the run's threshold) per layer.")
                .append(" The paper's GPT-2 small shows a U shape: high in the first and last layers, lowest in the middle.</p>\n");
        h.append("<div class=\"pair\">\n");
        h.img(ReportCharts.LAYERS, "Fraction of universal neurons per layer, per group");
        h.append("<table class=\"layers\"><tr><th class=\"n\" rowspan=\"2\">layer</th>");
        for (int i = 0; i < m.groups().size(); i++) {
            h.append("<th class=\"n group\" colspan=\"3\">").swatch(i).esc(m.groups().get(i)).append("</th>");
        }
        h.append("</tr>\n<tr>");
        for (int i = 0; i < m.groups().size(); i++) {
            h.append("<th class=\"n\">universal</th><th class=\"n\">ϱ &gt; 0.2</th><th class=\"n\">mean ϱ</th>");
        }
        h.append("</tr>\n");
        for (LayerRow row : m.layers().rows()) {
            h.append("<tr data-layer=\"").append(row.layer()).append("\"><td class=\"n\">").append(row.layer()).append("</td>");
            for (int i = 0; i < m.groups().size(); i++) {
                cells(h, m.groups().get(i), row.byGroup().get(i));
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n</div>\n");
        if (m.layers().checkedAgainst() != null) {
            h.append("<p class=\"note\">The anchor's counts agree with <code>").esc(m.layers().checkedAgainst())
                    .append("</code>.</p>\n");
        }
        h.append("</section>\n");
    }

    /** One group's three cells of a layer row. */
    private static void cells(Html h, String group, LayerCell c) {
        UniversalInLayer u = c.universal();
        h.append("<td class=\"n\" data-group=\"").esc(group).append("\">")
                .append(u == null ? "–" : Fmt.percent(u.fraction()) + " <small>(" + Fmt.count(u.universal()) + " / "
                        + Fmt.count(u.total()) + ")</small>")
                .append("</td>");
        h.append("<td class=\"n\" data-group=\"").esc(group).append("\" data-key=\"above_0.2\">")
                .append(c.above02() == null ? "–" : Html.share(c.above02()))
                .append("</td><td class=\"n\" data-group=\"").esc(group).append("\" data-key=\"mean_excess\">")
                .append(Fmt.mean(c.meanExcess())).append("</td>");
    }
}
