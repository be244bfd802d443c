package org.uneurons.report;

import java.util.List;

import org.uneurons.report.ReportModel.Histogram;

/** The "Distributions" section (the paper's Figure 2): one density chart per quantity. */
final class DistributionsSection {
    private DistributionsSection() {
    }

    static void render(Html h, List<Histogram> distributions) {
        h.section("distributions", "Distributions (Figure 2 style)");
        h.append("<p>Density histograms (step outlines, shared bins) over all neurons of each group.</p>\n<div class=\"grid\">\n");
        for (Histogram x : distributions) {
            h.img(ReportCharts.densityFile(x), x.title() + ": density per group");
        }
        h.append("</div>\n</section>\n");
    }
}
