package org.uneurons.report;

import org.uneurons.report.ReportModel.GroupHeadline;
import org.uneurons.report.ReportModel.Mismatch;

/** The "Headline numbers" section: one row per group, and a note per table made with another threshold. */
final class HeadlineSection {
    private HeadlineSection() {
    }

    static void render(Html h, ReportModel m) {
        h.section("headline", "Headline numbers");
        h.append("<p>Excess correlation ϱ = mean over the other models of the max correlation, minus the same for the")
                .append(" random-rotation baseline (METHOD 3.3). Fractions count neurons with ϱ strictly above the value.</p>\n");
        h.append("<table class=\"headline\"><tr><th>group</th><th class=\"n\">neurons</th><th class=\"n\">mean max corr</th>")
                .append("<th class=\"n\">mean baseline</th><th class=\"n\">mean excess</th><th class=\"n\">median excess</th>")
                .append("<th class=\"n\">max excess</th><th class=\"n\">ϱ &gt; 0.2</th><th class=\"n\">ϱ &gt; 0.5</th>")
                .append("<th class=\"n\">universal</th></tr>\n");
        for (int i = 0; i < m.headline().groups().size(); i++) {
            GroupHeadline g = m.headline().groups().get(i);
            h.append("<tr data-group=\"").esc(g.label()).append("\"><td class=\"nw\">").swatch(i).esc(g.label()).append("</td>")
                    .cell("neurons", Fmt.count(g.neurons()))
                    .cell("mean_corr", Fmt.mean(g.meanCorr()))
                    .cell("mean_baseline", Fmt.mean(g.meanBaseline()))
                    .cell("mean_excess", Fmt.mean(g.meanExcess()))
                    .cell("median_excess", Fmt.mean(g.medianExcess()))
                    .cell("max_excess", Fmt.corr(g.maxExcess()))
                    .cell("above_0.2", Html.share(g.above02()))
                    .cell("above_0.5", Html.share(g.above05()))
                    .cell("universal", Html.share(g.universal()))
                    .append("</tr>\n");
        }
        h.append("</table>\n");
        if (m.headline().groups().stream().anyMatch(g -> g.dead() > 0)) {
            h.append("<p class=\"note\">Dead neurons (constant on the analysed tokens, column <code>dead</code>): they")
                    .append(" correlate with nothing, so every correlation column is 0, their partners are -1 and they are")
                    .append(" never universal; they are counted among the neurons above:");
            String sep = " ";
            for (GroupHeadline g : m.headline().groups()) {
                h.append(sep).esc(g.label()).append(" ").append(Fmt.count(g.dead()));
                sep = ", ";
            }
            h.append(".</p>\n");
        }
        for (Mismatch x : m.headline().mismatches()) {
            h.append("<p class=\"na\">Note: <code>is_universal</code> of ").esc(x.label()).append(" differs from")
                    .append(" excess &gt; ").append(Fmt.threshold(m.threshold())).append(" for ").append(Fmt.count(x.neurons()))
                    .append(" neurons: its table was made with another threshold than the one given here.</p>\n");
        }
        h.append("<p class=\"note\">For reference, the paper reports 4.16% universal neurons (ϱ &gt; 0.5) in")
                .append(" GPT-2 small and 1.23% in GPT-2 medium. Small models trained briefly sit far below; the")
                .append(" distributions and the threshold sweep below show the whole picture.</p>\n</section>\n");
    }
}
