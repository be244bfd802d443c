package org.uneurons.report;

import org.uneurons.report.ReportModel.FunctionalRoles;
import org.uneurons.report.ReportModel.ModelCandidates;
import org.uneurons.report.ReportModel.RoleCount;
import org.uneurons.report.ReportModel.RoleCountRow;
import org.uneurons.report.ReportModel.RoleTotal;

/**
 * The "Functional roles" section (METHOD 7): what the models' neurons do to the prediction, read from their weights
 * (docs/roles.md): the paper's figure of per-layer percentiles of vocab_kurt and vocab_skew (trained seeds as their
 * mean with a min-max band, the control apart), role counts per model and per layer.
 */
final class RolesSection {
    static final String[] ROLE_NAMES = {"prediction", "suppression", "partition", "entropy candidates",
        "attention candidates"};

    private RolesSection() {
    }

    static void render(Html h, ReportModel m) {
        h.section("roles", "Functional roles");
        FunctionalRoles f = m.roles();
        if (f == null || f.totals().isEmpty()) {
            h.append("<p class=\"na\" data-key=\"roles_absent\">Functional roles were not computed for this report")
                    .append(" (no <code>--roles MODEL=DIR</code> given).</p>\n</section>\n");
            return;
        }
        h.append("<p>Read from each model's weights (METHOD 7, docs/roles.md): the cosine of a neuron's output weights")
                .append(" with every token's unembedding has a distribution over the vocabulary; a high kurtosis")
                .append(" (&gt; 10) with positive skew makes a <b>prediction</b> neuron (it boosts a few tokens), with")
                .append(" negative skew a <b>suppression</b> neuron; a large variance a <b>partition</b> neuron.")
                .append(" <b>Entropy candidates</b> write into the unembedding's near-null space; <b>attention")
                .append(" candidates</b> point a later head's query at BOS harder than any random direction. In the")
                .append(" paper, prediction neurons appear after the middle of the network and suppression neurons")
                .append(" dominate the last layers.</p>\n");
        h.append("<p>Trained: ").esc(String.join(", ", f.trained().isEmpty() ? java.util.List.of("none") : f.trained()))
                .append(f.control() == null ? "" : "; control: ").esc(f.control() == null ? "" : f.control())
                .append(". Lines are the trained models' mean, shaded bands their min-max range; the control is")
                .append(" dashed.</p>\n");
        if (!f.withoutRoles().isEmpty()) {
            h.append("<p class=\"note\" data-key=\"roles_without\">No roles were given for ")
                    .esc(String.join(", ", f.withoutRoles())).append(" (no <code>--roles</code> directory); ")
                    .append(f.withoutRoles().size() == 1 ? "it is" : "they are").append(" not in the figures or tables.</p>\n");
        }
        h.append("<div class=\"pair\">\n");
        h.img(ReportCharts.ROLES_KURT, "Percentiles of vocab_kurt per layer");
        h.img(ReportCharts.ROLES_SKEW, "Percentiles of vocab_skew per layer");
        h.append("</div>\n");
        totals(h, f);
        layers(h, f);
        candidates(h, f);
        h.append("</section>\n");
    }

    /** A mean of counts: whole means as counts (256, not 256.0), others to 4 significant digits. */
    static String meanCount(double mean) {
        return mean == Math.rint(mean) ? Fmt.count((long) mean) : Fmt.general(mean);
    }

    /** Each model's strongest candidates: attention by bos_ratio, entropy by null_fraction. */
    private static void candidates(Html h, FunctionalRoles f) {
        h.append("<h3>Strongest candidates</h3>\n<p class=\"note\">Per model, up to ").append(RolesInput.TOP_CANDIDATES)
                .append(" attention-deactivation candidates with the largest BOS ratio (the head whose query on BOS the")
                .append(" neuron's output moves most, the signed score s and |s| over the largest of the random")
                .append(" directions') and up to ").append(RolesInput.TOP_CANDIDATES)
                .append(" entropy candidates with the largest null-space fraction of w_out.</p>\n");
        h.append("<table class=\"roles-candidates\"><tr><th>model</th><th class=\"n\">attention candidate</th>")
                .append("<th class=\"n\">BOS head</th>")
                .append("<th class=\"n\">BOS score</th><th class=\"n\">ratio</th><th class=\"n\">entropy candidate</th>")
                .append("<th class=\"n\">null fraction</th></tr>\n");
        for (ModelCandidates c : f.candidates()) {
            int rows = Math.max(1, Math.max(c.attention().size(), c.entropy().size()));
            for (int i = 0; i < rows; i++) {
                h.append("<tr><td>").esc(i == 0 ? c.model() + (c.control() ? " (control)" : "") : "").append("</td>");
                String key = "roles_" + c.model() + "_candidate" + i;
                if (i < c.attention().size()) {
                    RolesInput.Candidate a = c.attention().get(i);
                    h.cell(key + "_attention", "L" + a.layer() + "." + a.neuron());
                    h.num("L" + a.headLayer() + "H" + a.head());
                    h.num(Fmt.value(a.score())).cell(key + "_ratio", Fmt.value(a.ratio()));
                } else {
                    h.append(i == 0 ? "<td class=\"n note\">none</td><td></td><td></td><td></td>" : "<td></td><td></td><td></td><td></td>");
                }
                if (i < c.entropy().size()) {
                    RolesInput.Candidate e = c.entropy().get(i);
                    h.cell(key + "_entropy", "L" + e.layer() + "." + e.neuron());
                    h.cell(key + "_null_fraction", Fmt.value(e.nullFraction()));
                } else {
                    h.append(i == 0 ? "<td class=\"n note\">none</td><td></td>" : "<td></td><td></td>");
                }
                h.append("</tr>\n");
            }
        }
        h.append("</table>\n");
    }

    private static void totals(Html h, FunctionalRoles f) {
        h.append("<h3>Roles per model</h3>\n<table class=\"roles-totals\"><tr><th>model</th>");
        for (String r : ROLE_NAMES) {
            h.append("<th class=\"n\">").esc(r).append("</th>");
        }
        h.append("</tr>\n");
        for (RoleTotal t : f.totals()) {
            h.append("<tr><td>").esc(t.model()).append(t.control() ? " (control)" : "").append("</td>");
            for (int k = 0; k < t.counts().size(); k++) {
                h.cell("roles_" + t.model() + "_" + RolesInput.ROLES[k], Fmt.count(t.counts().get(k)));
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");
    }

    private static void layers(Html h, FunctionalRoles f) {
        boolean several = f.trained().size() > 1;
        h.append("<h3>Roles per layer</h3>\n<p class=\"note\">Trained: ")
                .append(several ? "the mean over the trained models, their range in brackets" : "the trained model")
                .append(f.control() == null ? "." : "; then the control.").append("</p>\n");
        h.append("<table class=\"roles-layers\"><tr><th>layer</th>");
        for (String r : ROLE_NAMES) {
            h.append("<th class=\"n\">").esc(r).append("</th>");
            if (f.control() != null) {
                h.append("<th class=\"n\">").esc(f.control()).append("</th>");
            }
        }
        h.append("</tr>\n");
        for (RoleCountRow row : f.counts()) {
            h.append("<tr><td>").append(row.layer()).append("</td>");
            for (int k = 0; k < row.byRole().size(); k++) {
                RoleCount c = row.byRole().get(k);
                String trained = f.trained().isEmpty() ? "–" : meanCount(c.trainedMean())
                        + (several ? " (" + c.trainedMin() + "–" + c.trainedMax() + ")" : "");
                h.cell("roles_layer" + row.layer() + "_" + RolesInput.ROLES[k], trained);
                if (f.control() != null) {
                    h.cell("roles_layer" + row.layer() + "_" + RolesInput.ROLES[k] + "_control",
                            c.control() == null ? "–" : String.valueOf(c.control()));
                }
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");
    }
}
