package org.uneurons.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Renders index.html from the {@link ReportModel}: the page skeleton and header here, each section by its own
 * class. Every section is present; a section whose optional input is missing says so in one line. Rendering
 * computes nothing and writes no file (the charts are {@link ReportCharts}'). All text from inputs is escaped.
 */
final class ReportPage {
    /** The page's one style sheet, {@code report.css} beside this class in the jar. */
    private static final String CSS = css();

    private ReportPage() {
    }

    static String render(ReportModel m) {
        return render(m, false);
    }

    /** The page; with {@code browser}, it links the neuron browser (neurons/index.html) and each top neuron's page. */
    static String render(ReportModel m, boolean browser) {
        return render(m, browser, null);
    }

    /** The page; a study's page has the section "Universality through training" after the headline. */
    static String render(ReportModel m, boolean browser, DynamicsSection dynamics) {
        Html h = new Html();
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>").esc(m.title()).append("</title>\n<style>\n").append(CSS).append("</style>\n")
                .append("</head>\n<body>\n<main>\n");
        header(h, m, browser, dynamics != null);
        RunSection.render(h, m.run());
        HeadlineSection.render(h, m);
        if (dynamics != null) {
            dynamics.render(h);
        }
        DistributionsSection.render(h, m.distributions());
        SweepSection.render(h, m);
        LayersSection.render(h, m);
        PropertiesSection.render(h, m.properties());
        FamiliesSection.render(h, m);
        RolesSection.render(h, m);
        InterventionsSection.render(h, m);
        ReferenceSection.render(h, m);
        TopSection.render(h, m.top(), browser);
        h.append("</main>\n</body>\n</html>\n");
        return h.toString();
    }

    /** Title, the groups with their colours, the threshold and version, and the section links. */
    private static void header(Html h, ReportModel m, boolean browser, boolean dynamics) {
        h.append("<h1>").esc(m.title()).append("</h1>\n");
        h.append("<p class=\"sub\">Groups: ");
        for (int i = 0; i < m.groups().size(); i++) {
            h.append(i > 0 ? ", " : "").swatch(i).append("<b>").esc(m.groups().get(i)).append("</b>")
                    .append(i == 0 ? " (anchor)" : "");
        }
        h.append(". Universality threshold ").append(Fmt.threshold(m.threshold()))
                .append(" on excess correlation. Report ").esc(m.version()).append(".</p>\n");
        h.append("<nav><a href=\"#run\">Run</a><a href=\"#headline\">Headline</a>")
                .append(dynamics ? "<a href=\"#dynamics\">Through training</a>" : "")
                .append("<a href=\"#distributions\">Distributions</a>")
                .append("<a href=\"#sweep\">Threshold sweep</a><a href=\"#layers\">Per layer</a>")
                .append("<a href=\"#properties\">Properties</a><a href=\"#families\">Families</a>")
                .append("<a href=\"#roles\">Roles</a><a href=\"#interventions\">Interventions</a>")
                .append("<a href=\"#reference\">Reference</a>")
                .append("<a href=\"#top\">Top neurons</a>");
        if (browser) {
            h.append("<a href=\"neurons/index.html\" id=\"browser-link\"><b>Neuron browser</b></a>");
        }
        h.append("</nav>\n");
        if (browser) {
            h.append("<p class=\"rule\">Every neuron of the groups' table models, with its histogram, top-activating")
                    .append(" contexts, partners, output tokens, family and role: <a href=\"neurons/index.html\">open the")
                    .append(" neuron browser</a>.</p>\n");
        }
    }

    private static String css() {
        try (InputStream in = ReportPage.class.getResourceAsStream("report.css")) {
            if (in == null) {
                throw new IllegalStateException("report.css is missing from the report jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read report.css from the report jar", e);
        }
    }
}
