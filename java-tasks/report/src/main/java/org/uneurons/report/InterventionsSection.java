package org.uneurons.report;

import org.uneurons.report.ReportModel.AttentionRow;
import org.uneurons.report.ReportModel.AttentionScatter;
import org.uneurons.report.ReportModel.EntropyPoint;
import org.uneurons.report.ReportModel.GroupInterventions;
import org.uneurons.report.ReportModel.PredictionRow;

/**
 * The "Interventions" section (METHOD 7; docs/interventions.md): per group, the entropy check's curves against the
 * fixed activation, the attention-deactivation pairs with their effects and correlations, and the prediction and
 * suppression neurons' ablation effects, each next to random neurons.
 */
final class InterventionsSection {
    private InterventionsSection() {
    }

    static void render(Html h, ReportModel m) {
        h.section("interventions", "Interventions");
        if (m.roles() == null || m.roles().interventions().isEmpty()) {
            h.append("<p class=\"na\" data-key=\"interventions_absent\">The roles were not checked by intervention for")
                    .append(" this report (no <code>--interventions GROUP=DIR</code> given).</p>\n</section>\n");
            return;
        }
        h.append("<p>Each group's table model run with chosen neurons changed (docs/interventions.md), next to the same")
                .append(" change made to random neurons. <b>Entropy</b>: the neuron's activation fixed at every")
                .append(" position; an entropy neuron moves the next-token entropy and the final LayerNorm scale while")
                .append(" its direct effect (LayerNorm scale frozen, dashed) stays small. <b>Attention")
                .append(" deactivation</b>: the neuron's output removed from one later head's queries only; effects are")
                .append(" what the neuron adds (unchanged minus ablated). <b>Prediction</b>: the neuron set to 0; the")
                .append(" change in the probability of the tokens it boosts or suppresses where it was active.</p>\n");
        for (GroupInterventions g : m.roles().interventions()) {
            group(h, g);
        }
        h.append("</section>\n");
    }

    private static void group(Html h, GroupInterventions g) {
        h.append("<h3>").esc(g.group()).append("</h3>\n");
        EntropyPoint n = g.nominal();
        h.append("<p>Unchanged run over ").append(Fmt.count(n.tokens())).append(" scored tokens: loss ")
                .append(Fmt.general(n.loss())).append(", entropy ").append(Fmt.general(n.entropy()))
                .append(" nats, reciprocal rank ").append(Fmt.general(n.reciprocalRank())).append(", LayerNorm scale ")
                .append(Fmt.general(n.lnScale())).append(".</p>\n");
        if (g.curves().isEmpty()) {
            h.empty("No neuron was tested by fixing its activation.");
        } else {
            h.append("<div class=\"pair\">\n");
            for (String metric : ReportCharts.ENTROPY_METRICS) {
                h.img(ReportCharts.interventionFile(g.group(), metric), metric + " against the fixed activation");
            }
            h.append("</div>\n");
        }
        attention(h, g);
        prediction(h, g);
    }

    private static void attention(Html h, GroupInterventions g) {
        h.append("<h4>Attention deactivation</h4>\n");
        if (g.attention().isEmpty()) {
            h.empty("No (neuron, later head) pair was tested (a model with one layer has no later head).");
            return;
        }
        h.append("<div class=\"wide\"><table class=\"interventions-attention\"><tr><th>neuron</th><th>head</th><th>kind</th>")
                .append("<th class=\"n\">BOS score</th><th class=\"n\">ratio</th><th class=\"n\">points</th>")
                .append("<th class=\"n\">mean act.</th><th class=\"n\">Δ BOS attention</th><th class=\"n\">Δ ‖z‖</th>")
                .append("<th class=\"n\">Δ ‖z‖ / ‖z‖</th><th class=\"n\">Pearson (act., Δ‖z‖)</th>")
                .append("<th class=\"n\">Spearman</th><th class=\"n\">Pearson (act., Δ BOS)</th></tr>\n");
        for (AttentionRow r : g.attention()) {
            h.append("<tr").append(r.kind().equals("random") ? " class=\"random\"" : "").append("><td>").esc(r.neuron())
                    .append("</td><td>").esc(r.head()).append("</td><td>").esc(r.kind()).append("</td>");
            h.num(Fmt.value(r.score())).num(Fmt.value(r.ratio())).num(Fmt.count(r.points()))
                    .num(Fmt.value(r.meanActivation())).num(Fmt.value(r.bosEffect())).num(Fmt.value(r.normEffect()))
                    .num(Fmt.value(r.fracNormEffect()));
            h.cell("attention_" + g.group() + "_" + r.neuron() + "_pearson_norm", Fmt.corr(r.pearsonNorm()));
            h.num(Fmt.corr(r.spearmanNorm())).num(Fmt.corr(r.pearsonBos()));
            h.append("</tr>\n");
        }
        h.append("</table></div>\n");
        scatter(h, g);
    }

    /** The top attention pair's points, when the group's directory has attention_points.h5. */
    private static void scatter(Html h, GroupInterventions g) {
        AttentionScatter s = g.scatter();
        if (s == null) {
            return;
        }
        if (s.activation().isEmpty()) {
            h.empty("The top pair " + Fmt.esc(s.neuron()) + " / " + Fmt.esc(s.head()) + " has no point with finite values.");
            return;
        }
        h.append("<p class=\"note\" data-key=\"attention_").esc(g.group()).append("_scatter\">The top pair, ")
                .esc(s.neuron()).append(" and head ").esc(s.head()).append(", at each of its ")
                .append(Fmt.count(s.activation().size())).append(" points (sequence, query position): what the neuron")
                .append(" adds to the head's output norm and to its attention on BOS, against its activation")
                .append(s.dropped() == 0 ? "" : "; " + Fmt.count(s.dropped()) + (s.dropped() == 1 ? " point" : " points")
                        + " with a non-finite value left out")
                .append(".</p>\n<div class=\"pair\">\n");
        for (String[] effect : ReportCharts.SCATTER_EFFECTS) {
            h.img(ReportCharts.scatterFile(g.group(), effect[0]), s.neuron() + " activation against " + effect[1]);
        }
        h.append("</div>\n");
    }

    private static void prediction(Html h, GroupInterventions g) {
        h.append("<h4>Prediction and suppression</h4>\n");
        if (g.prediction().isEmpty()) {
            h.empty("No neuron was zero-ablated.");
            return;
        }
        h.append("<div class=\"wide\"><table class=\"interventions-prediction\"><tr><th>neuron</th><th>kind</th><th class=\"n\">vocab_kurt</th>")
                .append("<th class=\"n\">vocab_skew</th><th class=\"n\">active tokens</th><th class=\"n\">mean act.</th>")
                .append("<th class=\"n\">Δ p(boosted)</th><th class=\"n\">Δ p(suppressed)</th><th class=\"n\">Δ loss</th>")
                .append("</tr>\n");
        for (PredictionRow r : g.prediction()) {
            h.append("<tr").append(r.kind().equals("random") ? " class=\"random\"" : "").append("><td>").esc(r.neuron())
                    .append("</td><td>").esc(r.kind()).append("</td>");
            h.num(Fmt.value(r.kurt())).num(Fmt.value(r.skew())).num(Fmt.count(r.active()))
                    .num(Fmt.value(r.meanActivation()));
            h.cell("prediction_" + g.group() + "_" + r.neuron() + "_boosted", Fmt.value(r.dBoosted()));
            h.num(Fmt.value(r.dSuppressed())).num(Fmt.value(r.dLoss()));
            h.append("</tr>\n");
        }
        h.append("</table></div>\n");
    }
}
