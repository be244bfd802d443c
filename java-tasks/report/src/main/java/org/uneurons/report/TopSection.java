package org.uneurons.report;

import java.util.ArrayList;
import java.util.List;

import org.uneurons.report.ReportModel.Partner;
import org.uneurons.report.ReportModel.TopNeuron;
import org.uneurons.report.ReportModel.TopNeurons;

/** The "Top neurons" section: the anchor's neurons by excess, their partners and top-activating contexts. */
final class TopSection {
    private TopSection() {
    }

    static void render(Html h, TopNeurons t) {
        render(h, t, false);
    }

    /** With {@code browser}, each neuron links to its page in the neuron browser. */
    static void render(Html h, TopNeurons t, boolean browser) {
        h.section("top", "Top neurons by excess correlation (" + Fmt.esc(t.anchor()) + ")");
        h.append("<p>The ").append(t.rows().size()).append(" neurons of the anchor with the highest excess correlation,")
                .append(" their best-matching neuron in each other model (layer·neuron and correlation)");
        if (t.withContexts()) {
            h.append(", and the tokens on which they fire most (highlighted, after the tokens before them)");
        }
        h.append(".</p>\n");
        if (!t.withContexts()) {
            h.na("top-activating contexts need the anchor's statistics file (--stats) and its token shards (--shard)");
        }
        h.append("<table class=\"top\"><tr><th class=\"n\">#</th><th>neuron</th><th class=\"n\">excess</th>")
                .append("<th class=\"n\">mean corr</th><th class=\"n\">baseline</th><th>partners</th>");
        if (t.withContexts()) {
            h.append("<th>top-activating contexts</th>");
        }
        h.append("</tr>\n");
        for (TopNeuron n : t.rows()) {
            row(h, n, browser ? t.anchor() : null);
        }
        h.append("</table>\n");
        if (!t.decoding().isEmpty()) {
            List<String> d = new ArrayList<>();
            t.decoding().forEach((shard, how) -> d.add(Fmt.esc(shard) + " → " + Fmt.esc(how)));
            h.append("<p class=\"note\">Activation (post-GELU) before each context. Decoded with: ")
                    .append(String.join("; ", d)).append(". ↵ marks a newline.</p>\n");
        }
        h.append("</section>\n");
    }

    /** {@code group}: the anchor's label when the neuron browser is written (its pages are linked), else null. */
    private static void row(Html h, TopNeuron n, String group) {
        h.append("<tr data-neuron=\"").append(n.layer()).append('.').append(n.neuron()).append("\" id=\"")
                .append(anchor(n.layer(), n.neuron())).append("\"")
                .append(n.universal() ? " class=\"universal\"" : "").append("><td class=\"n\">").append(n.rank())
                .append("</td><td class=\"nw\">");
        if (group != null) {
            h.append("<a href=\"neurons/neuron.html#").esc(group).append('/').append(n.layer()).append('/')
                    .append(n.neuron()).append("\">");
        }
        h.append("L").append(n.layer()).append(" N").append(n.neuron()).append(group != null ? "</a>" : "")
                .append(n.universal() ? " <span class=\"tag\">universal</span>" : "").append("</td>")
                .num(Fmt.corr(n.excess())).num(Fmt.corr(n.meanCorr())).num(Fmt.corr(n.baseline()));
        h.append("<td class=\"partners\">");
        if (n.partners().isEmpty()) {
            h.append("–");
        }
        for (Partner p : n.partners()) {
            h.append("<div><span class=\"model\">").esc(p.model()).append("</span> L").append(p.layer()).append("·N")
                    .append(p.neuron()).append(" <small>(").append(Fmt.corr(p.corr())).append(")</small></div>");
        }
        h.append("</td>");
        if (n.contexts() != null) {
            contexts(h, n.contexts());
        }
        h.append("</tr>\n");
    }

    private static void contexts(Html h, Contexts.NeuronContexts nc) {
        h.append("<td class=\"ctxs\">");
        for (Contexts.Context c : nc.contexts()) {
            h.append("<div class=\"ctx\"><span class=\"act\">").append(Fmt.general(c.value()))
                    .append("</span> <span class=\"text\">").append(c.clipped() ? "…" : "").esc(visible(c.before()))
                    .append("<mark>").esc(visible(c.token())).append("</mark></span></div>");
        }
        if (nc.note() != null) {
            h.append("<div class=\"na\">").esc(nc.note()).append("</div>");
        }
        h.append("</td>");
    }

    /** The id of a neuron's row, which other sections link to. */
    static String anchor(int layer, int neuron) {
        return "top-L" + layer + "-N" + neuron;
    }

    /** Newlines and tabs as visible marks, so a context stays on one line. */
    static String visible(String s) {
        return s.replace("\r\n", "↵").replace("\n", "↵").replace("\r", "↵").replace("\t", "→");
    }
}
