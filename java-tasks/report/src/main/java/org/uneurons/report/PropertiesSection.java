package org.uneurons.report;

import org.uneurons.report.ReportModel.Percentile;
import org.uneurons.report.ReportModel.Properties;
import org.uneurons.report.ReportModel.PropertiesState;
import org.uneurons.report.ReportModel.PropertyRow;

/** The "Properties" section (METHOD 5.4): median within-layer percentiles, universal against non-universal. */
final class PropertiesSection {
    private PropertiesSection() {
    }

    static void render(Html h, Properties p) {
        h.section("properties", "What distinguishes universal neurons");
        if (p.state() == PropertiesState.NO_INPUT) {
            h.na("needs percentiles.csv (--percentiles) or a neurons.csv with statistics columns (universality --stats),"
                    + " and at least one universal neuron");
            h.append("</section>\n");
            return;
        }
        h.append("<p>Median within-layer percentile of each property (scipy's <code>percentileofscore</code> within the")
                .append(" neuron's layer; 50 = typical). Universal neurons of GPT-2 have low activation frequency, large")
                .append(" weight norm, negative input bias and high skew and kurtosis (METHOD 5.4).</p>\n");
        if (p.state() == PropertiesState.NO_UNIVERSAL) {
            h.na("the anchor has no universal neuron at the run's threshold, so there are no percentiles to compare");
            h.append("</section>\n");
            return;
        }
        h.append("<div class=\"pair\">\n");
        h.img(ReportCharts.PROPERTIES, "Median within-layer percentile of each property, universal against non-universal");
        table(h, p);
        h.append("</div>\n<p class=\"note\">Counts in brackets are neurons. ")
                .append(p.percentilesFile() != null ? "Universal columns come from <code>" + Fmt.esc(p.percentilesFile()) + "</code>"
                        : "Universal medians are computed from the neuron table")
                .append(p.withOther() ? "; non-universal medians are computed from the anchor's neuron table with the same rule." : ".")
                .append("</p>\n</section>\n");
    }

    private static void table(Html h, Properties p) {
        h.append("<table class=\"props\"><tr><th>property</th><th class=\"n\">universal</th>");
        if (p.withOther()) {
            h.append("<th class=\"n\">non-universal</th>");
        }
        for (String c : p.layerColumns()) {
            h.append("<th class=\"n\">universal ").append(c).append("</th>");
        }
        h.append("</tr>\n");
        for (PropertyRow r : p.rows()) {
            h.append("<tr data-metric=\"").esc(r.metric()).append("\"><td>").esc(r.label()).append(" <code>").esc(r.metric())
                    .append("</code></td>").num(percentile(r.universal()));
            if (p.withOther()) {
                h.num(percentile(r.other()));
            }
            for (String c : p.layerColumns()) {
                h.num(percentile(r.byLayer().get(c)));
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");
    }

    /** {@code 15.3 <small>(7)</small>}, or a dash for a percentile that is not there. */
    private static String percentile(Percentile p) {
        return p == null ? "–" : Fmt.percentile(p.median()) + " <small>(" + Fmt.count(p.neurons()) + ")</small>";
    }
}
