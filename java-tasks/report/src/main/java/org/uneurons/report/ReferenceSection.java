package org.uneurons.report;

import org.uneurons.report.ReportModel.ListedNeuron;
import org.uneurons.report.ReportModel.NeuronList;
import org.uneurons.report.ReportModel.Reference;
import org.uneurons.report.ReportModel.ReferenceLayer;

/**
 * The "Reference" section: the anchor's table against a reference table (--reference): universal counts, their
 * overlap, the correlation of excess, the per-layer fractions side by side, and the neurons universal in one only.
 */
final class ReferenceSection {
    private ReferenceSection() {
    }

    static void render(Html h, ReportModel m) {
        h.section("reference", "Against a reference table");
        Reference r = m.reference();
        if (r == null) {
            h.na("no reference table given (--reference FILE: a neurons.csv, or the paper's universal.csv of the same model shape)");
            h.append("</section>\n");
            return;
        }
        h.append("<p>The anchor <b>").esc(r.anchor()).append("</b> against <b>").esc(r.label()).append("</b> (<code>")
                .esc(r.file()).append("</code>, ").append(Fmt.count(r.rows())).append(" rows: ")
                .append(r.complete() ? "every neuron of " : "a selection of the neurons of ")
                .append(r.layers()).append(" layers x ").append(Fmt.count(r.dMlp())).append(")")
                .append(r.complete() ? "." : "; the neurons it does not list count as not universal and are left out of the correlations.")
                .append(" Its universal neurons are ")
                .append(r.flagged() ? "those flagged in its <code>is_universal</code> column."
                        : "those with <code>excess_corr</code> above the run's threshold, " + Fmt.threshold(m.threshold())
                        + " (it has no <code>is_universal</code> column).")
                .append("</p>\n");
        h.append("<table class=\"reference\">")
                .append("<tr><td>universal in ").esc(r.anchor()).append("</td>").cell("anchor_universal", Fmt.count(r.anchorUniversal())).append("</tr>\n")
                .append("<tr><td>universal in ").esc(r.label()).append("</td>").cell("reference_universal", Fmt.count(r.referenceUniversal())).append("</tr>\n")
                .append("<tr><td>universal in both</td>").cell("both", Fmt.count(r.both())).append("</tr>\n")
                .append("<tr><td>universal in ").esc(r.anchor()).append(" only</td>").cell("only_anchor", Fmt.count(r.onlyAnchor().total())).append("</tr>\n")
                .append("<tr><td>universal in ").esc(r.label()).append(" only</td>").cell("only_reference", Fmt.count(r.onlyReference().total())).append("</tr>\n")
                .append("<tr><td>Jaccard index of the universal sets (both / either)</td>").cell("jaccard", Fmt.mean(r.jaccard())).append("</tr>\n")
                .append("<tr><td>neurons in both tables</td>").cell("shared", Fmt.count(r.shared())).append("</tr>\n")
                .append("<tr><td>Pearson r of excess_corr over them</td>").cell("pearson", Fmt.mean(r.pearson())).append("</tr>\n")
                .append("<tr><td>Spearman ρ of excess_corr over them</td>").cell("spearman", Fmt.mean(r.spearman())).append("</tr>\n")
                .append("</table>\n");
        h.append("<div class=\"grid\">\n");
        if (r.anchorUniversal() + r.referenceUniversal() > 0) {
            h.img(ReportCharts.REFERENCE_LAYERS, "Universal fraction per layer in the anchor's and the reference table");
        } else {
            h.empty("Neither table has a universal neuron: no per-layer chart to draw.");
        }
        if (r.shared() > 0) {
            h.img(ReportCharts.REFERENCE_EXCESS, "Excess correlation of each neuron in both tables, anchor against reference");
        } else {
            h.empty("No neuron is in both tables: no excess to compare.");
        }
        h.append("</div>\n");
        layers(h, r);
        list(h, r, r.onlyAnchor(), r.anchor(), "only_anchor");
        list(h, r, r.onlyReference(), r.label(), "only_reference");
        h.append("</section>\n");
    }

    private static void layers(Html h, Reference r) {
        h.append("<table class=\"reference-layers\"><tr><th class=\"n\">layer</th><th class=\"n\">").esc(r.anchor())
                .append("</th><th class=\"n\">").esc(r.label()).append("</th></tr>\n");
        for (ReferenceLayer l : r.byLayer()) {
            h.append("<tr data-reference-layer=\"").append(l.layer()).append("\"><td class=\"n\">").append(l.layer())
                    .append("</td>").cell("anchor", Html.share(l.anchor())).cell("reference", Html.share(l.reference()))
                    .append("</tr>\n");
        }
        h.append("</table>\n");
    }

    private static void list(Html h, Reference r, NeuronList list, String table, String key) {
        h.append("<h3>Universal in ").esc(table).append(" only</h3>\n");
        if (list.total() == 0) {
            h.append("<p>None.</p>\n");
            return;
        }
        h.append("<p>").append(list.total() > list.neurons().size()
                ? "The first " + list.neurons().size() + " of " + Fmt.count(list.total()) : "All " + Fmt.count(list.total()))
                .append(", in layer and neuron order.</p>\n");
        h.append("<table class=\"neuron-list\" data-list=\"").append(key).append("\"><tr><th>neuron</th><th class=\"n\">")
                .esc(r.anchor()).append(" excess</th><th class=\"n\">").esc(r.label()).append(" excess</th></tr>\n");
        for (ListedNeuron n : list.neurons()) {
            h.append("<tr data-listed=\"").append(n.layer()).append('.').append(n.neuron()).append("\"><td class=\"nw\">L")
                    .append(n.layer()).append(" N").append(n.neuron()).append("</td>").num(Fmt.corr(n.anchorExcess()))
                    .num(Double.isNaN(n.referenceExcess()) ? "not listed" : Fmt.corr(n.referenceExcess())).append("</tr>\n");
        }
        h.append("</table>\n");
    }
}
