package org.uneurons.report;

import org.uneurons.report.ReportModel.SweepRow;

/** The "Threshold sweep" section: the fraction of neurons above each threshold, as a chart and a table. */
final class SweepSection {
    private SweepSection() {
    }

    static void render(Html h, ReportModel m) {
        h.section("sweep", "Universal fraction against the threshold");
        h.append("<div class=\"pair\">\n");
        if (m.sweep().anyAbove()) {
            h.img(ReportCharts.SWEEP, "Fraction of neurons above each threshold, per group");
        } else {
            h.empty("No neuron of any group has excess correlation above " + Fmt.threshold(Analysis.SWEEP[0])
                    + ", the lowest threshold: every fraction below is 0, so there is no curve to draw.");
        }
        h.append("<table class=\"sweep\"><tr><th class=\"n\">threshold</th>");
        for (int i = 0; i < m.groups().size(); i++) {
            h.append("<th class=\"n\">").swatch(i).esc(m.groups().get(i)).append("</th>");
        }
        h.append("</tr>\n");
        for (SweepRow row : m.sweep().rows()) {
            String th = Fmt.threshold(row.threshold());
            h.append("<tr data-threshold=\"").append(th).append("\"").append(row.run() ? " class=\"run\"" : "")
                    .append("><td class=\"n\">").append(th).append("</td>");
            for (int g = 0; g < m.groups().size(); g++) {
                h.append("<td class=\"n\" data-group=\"").esc(m.groups().get(g)).append("\">")
                        .append(Html.share(row.byGroup().get(g))).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n</div>\n</section>\n");
    }
}
