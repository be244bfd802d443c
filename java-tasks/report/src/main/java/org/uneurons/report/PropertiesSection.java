package org.uneurons.report;

import java.util.List;

import org.uneurons.report.ReportModel.Percentile;
import org.uneurons.report.ReportModel.Properties;
import org.uneurons.report.ReportModel.PropertiesState;
import org.uneurons.report.ReportModel.PropertyRow;
import org.uneurons.report.ReportModel.Selection;

/**
 * The "Properties" section (METHOD 5.4): the rule that chose the neurons, their median within-layer percentiles and
 * median values beside the paper's GPT-2 medians, and per layer.
 */
final class PropertiesSection {
    private PropertiesSection() {
    }

    static void render(Html h, Properties p) {
        h.section("properties", "What distinguishes universal neurons");
        if (p.state() == PropertiesState.NO_INPUT) {
            h.na("needs a neurons.csv with statistics columns (universality --stats) or percentiles.csv (--percentiles)");
            h.append("</section>\n");
            return;
        }
        if (p.state() == PropertiesState.NO_UNIVERSAL) {
            h.na("the anchor has no universal neuron at the run's threshold, and without statistics columns in its"
                    + " neuron table there are no most-universal neurons to show instead");
            h.append("</section>\n");
            return;
        }
        h.append("<p>Each neuron's percentile of a property within its layer (scipy's <code>percentileofscore</code>,")
                .append(" <code>kind='rank'</code>; 50 = typical), and the median over the chosen neurons. Universal")
                .append(" neurons of GPT-2 have low activation frequency, large weight norm, negative input bias and high")
                .append(" skew and kurtosis (METHOD 5.4).</p>\n");
        h.append("<p class=\"rule\" data-key=\"rule\">").esc(p.rule()).append("</p>\n");
        h.append("<div class=\"pair\">\n");
        h.img(ReportCharts.PROPERTIES, "Median within-layer percentile of each property, chosen neurons against the rest");
        table(h, p);
        h.append("</div>\n");
        notes(h, p);
        if (!p.layerColumns().isEmpty()) {
            byLayer(h, p);
        }
        h.append("</section>\n");
    }

    private static void table(Html h, Properties p) {
        h.append("<table class=\"props\"><tr><th rowspan=\"2\">property</th><th rowspan=\"2\">column</th>")
                .append("<th class=\"n group\" colspan=\"").append(p.selections().size() + (p.restLabel() != null ? 1 : 0))
                .append("\">median percentile</th><th class=\"n group\" colspan=\"").append(p.selections().size())
                .append("\">median value</th><th class=\"n group paper\" colspan=\"").append(p.paperModels().size())
                .append("\">the paper's medians (universal)</th></tr>\n<tr>");
        for (Selection s : p.selections()) {
            h.append("<th class=\"n\">").esc(s.name()).append(" <small>(").append(Fmt.count(s.neurons())).append(")</small></th>");
        }
        if (p.restLabel() != null) {
            h.append("<th class=\"n\">").esc(p.restLabel()).append("</th>");
        }
        for (Selection s : p.selections()) {
            h.append("<th class=\"n\">").esc(s.name()).append("</th>");
        }
        for (String model : p.paperModels()) {
            h.append("<th class=\"n paper\">").esc(model).append("</th>");
        }
        h.append("</tr>\n");
        for (PropertyRow r : p.rows()) {
            h.append("<tr data-metric=\"").esc(r.metric()).append("\"><td>").esc(r.label()).append("</td><td>")
                    .append(r.column() == null ? "–" : "<code>" + Fmt.esc(r.column()) + "</code>").append("</td>");
            for (int s = 0; s < p.selections().size(); s++) {
                h.cell("pct_" + s, percentile(r.bySelection().get(s)));
            }
            if (p.restLabel() != null) {
                h.cell("pct_rest", percentile(r.rest()));
            }
            for (int s = 0; s < p.selections().size(); s++) {
                h.cell("value_" + s, Fmt.value(r.values().get(s)));
            }
            for (int i = 0; i < r.paper().size(); i++) {
                h.append("<td class=\"n paper\" data-key=\"paper_").append(i).append("\">")
                        .append(Fmt.value(r.paper().get(i))).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");
    }

    /** Where the numbers come from: which definitions, and what the paper's columns are. */
    private static void notes(Html h, Properties p) {
        h.append("<p class=\"note\">Counts in brackets are neurons. ");
        if (p.percentilesFile() != null) {
            h.append("Percentiles from <code>").esc(p.percentilesFile()).append("</code>.");
        } else {
            if (!p.binnedColumns().isEmpty()) {
                h.append("Activation statistics with the paper's definitions, from the binned pre-activation histogram: ")
                        .append(codes(p.binnedColumns())).append(". ");
            }
            if (!p.exactColumns().isEmpty()) {
                h.append("The table has no binned column for ").append(codes(p.exactColumns()))
                        .append(", so these exact values stand in (the paper's come from a 257-bin histogram; act")
                        .append(" frequency is its sparsity, pre-activation &gt; −0.098, in both). ");
            }
        }
        h.append(" The paper's medians are its GPT-2 values over its universal neurons (METHOD 5.4), for orientation:")
                .append(" other models and training budgets differ.</p>\n");
    }

    private static void byLayer(Html h, Properties p) {
        h.append("<h3>Per layer (").esc(p.selections().get(0).name()).append(")</h3>\n");
        h.append("<table class=\"props-layers\"><tr><th>property</th>");
        for (String c : p.layerColumns()) {
            h.append("<th class=\"n\">").append(c).append("</th>");
        }
        h.append("</tr>\n");
        for (PropertyRow r : p.rows()) {
            h.append("<tr data-metric-layers=\"").esc(r.metric()).append("\"><td>").esc(r.label()).append("</td>");
            for (String c : p.layerColumns()) {
                h.num(percentile(r.byLayer().get(c)));
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");
    }

    private static String codes(List<String> columns) {
        return String.join(", ", columns.stream().map(c -> "<code>" + Fmt.esc(c) + "</code>").toList());
    }

    /** {@code 15.3 <small>(7)</small>}, or a dash for a percentile that is not there. */
    private static String percentile(Percentile p) {
        return p == null || p.neurons() == 0 ? "–" : Fmt.percentile(p.median()) + " <small>(" + Fmt.count(p.neurons()) + ")</small>";
    }
}
