package org.uneurons.report;

import java.util.List;

import org.uneurons.report.ReportModel.Cluster;
import org.uneurons.report.ReportModel.Families;
import org.uneurons.report.ReportModel.FamilyCounts;
import org.uneurons.report.ReportModel.FamilyLayerRow;
import org.uneurons.report.ReportModel.FamilyNeuron;
import org.uneurons.report.ReportModel.FamilySet;
import org.uneurons.report.ReportModel.GroupFamilies;
import org.uneurons.report.ReportModel.TopToken;

/**
 * The "Families" section (METHOD 6): per group with a families file, how its neurons were chosen, the family counts
 * per layer of the groups side by side, each family and duplicate family with example neurons (best feature,
 * runner-up, mean-activating tokens; a link to the top-neurons table where the neuron is there) and the clusters of
 * VR profiles.
 */
final class FamiliesSection {
    private FamiliesSection() {
    }

    static void render(Html h, ReportModel m) {
        h.section("families", "Neuron families");
        Families f = m.families();
        if (f == null) {
            h.append("<p class=\"na\" data-key=\"families_absent\">Neuron families were not computed for this report")
                    .append(" (no <code>--families GROUP=families.h5</code> given).</p>\n</section>\n");
            return;
        }
        h.append("<p>What the chosen neurons respond to (METHOD 6): the families tool computes, for every feature of")
                .append(" a token (the token itself, its class, the previous token, tags), how much it reduces the")
                .append(" variance of a neuron's activation (VR), and labels each neuron with the paper's rules: ")
                .append("<b>alphabet</b> and <b>unigram</b> (a token or token class), <b>position</b>, ")
                .append("<b>previous_token</b>, <b>syntax</b> (a tag), else <b>semantic</b> (described by the tokens on")
                .append(" which it is most active on average); <b>constant</b> neurons have no defined VR")
                .append(" (docs/families.md).</p>\n");
        summary(h, f);
        h.append("<h3>Families per layer</h3>\n");
        if (f.anyNeuron()) {
            h.append("<div class=\"pair\">\n");
            h.img(ReportCharts.FAMILIES_PER_LAYER, "Neurons of each family per layer, one bar per group");
            layerTable(h, f);
            h.append("</div>\n");
            h.append("<p class=\"note\">In each layer one bar per group, named under it; colours are families here, not")
                    .append(" groups. Counts are neurons explained; groups may explain different numbers of neurons")
                    .append(" (see how they were chosen above).</p>\n");
        } else {
            h.empty("No group has an explained neuron: no chart to draw.");
        }
        for (GroupFamilies g : f.groups()) {
            group(h, m, g);
        }
        h.append("</section>\n");
    }

    /** One row per group: the file, how the neurons were chosen, the clustering and the token texts. */
    private static void summary(Html h, Families f) {
        h.append("<table class=\"families-summary\"><tr><th>group</th><th>model</th><th class=\"n\">neurons</th>")
                .append("<th>chosen by (as the families file records it)</th><th class=\"n\">clusters</th>")
                .append("<th class=\"n\">silhouette</th><th>token texts</th><th>tagger</th></tr>\n");
        for (GroupFamilies g : f.groups()) {
            h.append("<tr data-families-group=\"").esc(g.group()).append("\"><td><b>").esc(g.group()).append("</b></td><td>")
                    .esc(orDash(g.model())).append("</td>").cell("neurons", Fmt.count(g.neurons()))
                    .append("<td class=\"wrap\" data-key=\"families_rule\">")
                    .esc(g.rule() == null ? "not recorded in the file" : g.rule()).append("</td>")
                    .cell("clusters", Integer.toString(g.clusters().chosen()))
                    .cell("silhouette", Fmt.corr(g.clusters().silhouette())).append("<td>").esc(orDash(g.tokenTexts()))
                    .append("</td><td>").esc(orDash(g.tagger())).append("</td></tr>\n");
        }
        h.append("</table>\n<p class=\"note\">Families files: ");
        for (int i = 0; i < f.groups().size(); i++) {
            GroupFamilies g = f.groups().get(i);
            h.append(i > 0 ? "; " : "").esc(g.group()).append(" <code>").esc(g.file()).append("</code>");
        }
        h.append(".</p>\n");
        if (!f.without().isEmpty()) {
            h.append("<p class=\"note\" data-key=\"families_without\">No families file for ")
                    .esc(String.join(", ", f.without())).append(": families were not computed for ")
                    .append(f.without().size() > 1 ? "them" : "it").append(".</p>\n");
        }
    }

    /** Per layer one row per group, side by side: the neurons of each family and all of them. */
    private static void layerTable(Html h, Families f) {
        List<String> fams = f.families();
        h.append("<table class=\"families-layers\"><tr><th class=\"n\">layer</th><th>group</th>");
        for (String fam : fams) {
            h.append("<th class=\"n\">").append(familySwatch(fam)).esc(fam).append("</th>");
        }
        h.append("<th class=\"n\">all</th></tr>\n");
        for (FamilyLayerRow row : f.byLayer()) {
            for (int g = 0; g < f.groups().size(); g++) {
                FamilyCounts c = row.byGroup().get(g);
                String group = f.groups().get(g).group();
                h.append("<tr data-family-layer=\"").append(row.layer()).append("\" data-group=\"").esc(group).append("\"")
                        .append(g == 0 ? " class=\"first\"" : "").append(">");
                if (g == 0) {
                    h.append("<td class=\"n\" rowspan=\"").append(f.groups().size()).append("\">").append(row.layer())
                            .append("</td>");
                }
                h.append("<td>").esc(group).append("</td>");
                for (int k = 0; k < fams.size(); k++) {
                    h.append("<td class=\"n\" data-key=\"").esc(fams.get(k)).append("\">")
                            .append(c == null ? "–" : Integer.toString(c.counts().get(k))).append("</td>");
                }
                h.append("<td class=\"n\" data-key=\"all\"><b>").append(c == null ? "–" : Integer.toString(c.total()))
                        .append("</b></td></tr>\n");
            }
        }
        h.append("</table>\n");
    }

    private static void group(Html h, ReportModel m, GroupFamilies g) {
        h.append("<h3>").esc(g.group()).append(g.model() == null ? "" : " (" + Fmt.esc(g.model()) + ")")
                .append(": families and example neurons</h3>\n");
        h.append("<p class=\"note\">Up to ").append(FamiliesBuilder.EXAMPLES).append(" neurons per family, by excess")
                .append(" correlation; each with its best feature and the runner-up (VR: the fraction of the activation's")
                .append(" variance the feature explains) and its mean-activating tokens, most active first (hover for the")
                .append(" mean activation and count)");
        if (g.group().equals(m.top().anchor())) {
            h.append("; a neuron in the top-neurons table links to its row");
        }
        h.append(".</p>\n");
        examples(h, g, g.families(), "families", "family");
        h.append("<h3>").esc(g.group()).append(": duplicate families</h3>\n");
        if (g.duplicates().isEmpty()) {
            h.append("<p data-key=\"no_duplicates\">None: no family feature is shared by enough neurons (the families")
                    .append(" tool's <code>--duplicate-min</code>, 3 by default).</p>\n");
        } else {
            h.append("<p class=\"note\">A feature that is the family feature of several neurons (at least the families")
                    .append(" tool's <code>--duplicate-min</code>, 3 by default): many neurons doing the same job.");
            if (g.duplicateFamilies() > g.duplicates().size()) {
                h.append(" The ").append(g.duplicates().size()).append(" largest of ").append(g.duplicateFamilies())
                        .append(" are shown; families.csv lists every neuron's family feature.");
            }
            h.append("</p>\n");
            examples(h, g, g.duplicates(), "duplicates", "feature");
        }
        clusters(h, g);
    }

    /** A table of families (or duplicate families) with their example neurons, the set's cells spanning them. */
    private static void examples(Html h, GroupFamilies g, List<FamilySet> sets, String key, String first) {
        h.append("<table class=\"families\" data-families=\"").append(key).append("\" data-group=\"").esc(g.group())
                .append("\"><tr><th>").append(first).append("</th>")
                .append(key.equals("duplicates") ? "<th>families</th>" : "")
                .append("<th class=\"n\">neurons</th><th>neuron</th><th class=\"n\">excess</th><th>best feature</th>")
                .append("<th class=\"n\">VR</th><th>runner-up</th><th class=\"n\">VR</th><th>top tokens</th></tr>\n");
        for (FamilySet s : sets) {
            int span = Math.max(1, s.examples().size());
            for (int i = 0; i < s.examples().size(); i++) {
                FamilyNeuron n = s.examples().get(i);
                h.append("<tr data-set=\"").esc(s.name()).append("\" data-family-neuron=\"").append(n.layer()).append('.')
                        .append(n.neuron()).append("\">");
                if (i == 0) {
                    String name = key.equals("duplicates") ? "<code>" + Fmt.esc(s.name()) + "</code>"
                            : familySwatch(s.name()) + Fmt.esc(s.name());
                    h.append("<td rowspan=\"").append(span).append("\">").append(name).append("</td>");
                    if (key.equals("duplicates")) {
                        h.append("<td rowspan=\"").append(span).append("\">").esc(String.join(", ", s.families()))
                                .append("</td>");
                    }
                    h.append("<td class=\"n\" rowspan=\"").append(span).append("\" data-key=\"set_neurons\">")
                            .append(Fmt.count(s.neurons())).append("</td>");
                }
                neuron(h, n);
                h.append("</tr>\n");
            }
        }
        h.append("</table>\n");
    }

    private static void neuron(Html h, FamilyNeuron n) {
        h.append("<td class=\"nw\">L").append(n.layer()).append(" N").append(n.neuron());
        if (n.topRank() != null) {
            h.append(" <a href=\"#").append(TopSection.anchor(n.layer(), n.neuron())).append("\" data-key=\"top_link\">top #")
                    .append(n.topRank()).append("</a>");
        }
        h.append("</td>").num(Fmt.corr(n.excess())).append("<td>").append(feature(n.best())).append("</td>")
                .cell("best_vr", Fmt.corr(n.bestVr())).append("<td>").append(feature(n.runnerUp())).append("</td>")
                .cell("runner_up_vr", Fmt.corr(n.runnerUpVr())).append("<td class=\"toks\">");
        if (n.topTokens().isEmpty()) {
            h.append("–");
        }
        for (TopToken t : n.topTokens()) {
            h.append("<span class=\"tok\" title=\"mean ").append(Fmt.general(t.mean())).append(", ")
                    .append(Fmt.count(t.count())).append(" tokens\">").esc(TopSection.visible(t.text())).append("</span>");
        }
        h.append("</td>");
    }

    /** The chosen number of clusters, its silhouette, and a row per cluster. */
    private static void clusters(Html h, GroupFamilies g) {
        h.append("<h3>").esc(g.group()).append(": clusters of VR profiles</h3>\n");
        h.append("<p>k-means on the neurons' VR profiles chose <b data-key=\"clusters_chosen\">")
                .append(g.clusters().chosen()).append("</b> cluster").append(g.clusters().chosen() == 1 ? "" : "s")
                .append(", mean silhouette <b data-key=\"clusters_silhouette\">").append(Fmt.corr(g.clusters().silhouette()))
                .append("</b>").append(Double.isNaN(g.clusters().silhouette()) ? " (none: fewer than 3 neurons)"
                        : " (−1 to 1; higher is better separated)")
                .append(". The clusters group neurons without the rules above.</p>\n");
        h.append("<table class=\"clusters\" data-group=\"").esc(g.group()).append("\"><tr><th class=\"n\">cluster</th>")
                .append("<th class=\"n\">neurons</th><th>most common best feature</th></tr>\n");
        for (Cluster c : g.clusters().rows()) {
            h.append("<tr data-cluster=\"").append(c.cluster()).append("\"><td class=\"n\">").append(c.cluster()).append("</td>")
                    .cell("cluster_neurons", Fmt.count(c.neurons())).append("<td data-key=\"cluster_feature\">")
                    .append(feature(c.feature())).append(" <small>(").append(Fmt.count(c.withFeature())).append(" of ")
                    .append(Fmt.count(c.neurons())).append(")</small></td></tr>\n");
        }
        h.append("</table>\n");
    }

    /** A feature name as code, or a dash for none. */
    private static String feature(String name) {
        return name == null || name.isEmpty() ? "–" : "<code>" + Fmt.esc(name) + "</code>";
    }

    private static String familySwatch(String family) {
        return "<span class=\"swatch\" style=\"background:" + String.format("#%06X",
                Charts.familyColour(family).getRGB() & 0xFFFFFF) + "\"></span>";
    }

    private static String orDash(String s) {
        return s == null || s.isEmpty() ? "–" : s;
    }
}
