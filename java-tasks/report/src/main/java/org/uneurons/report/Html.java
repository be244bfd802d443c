package org.uneurons.report;

/**
 * The HTML being written, with the few element shapes the report repeats (sections, "not available" notes,
 * number cells, figures, colour swatches). Text from inputs goes through {@link #esc} (or {@link Fmt#esc}); the
 * {@code html} arguments are markup already.
 */
final class Html {
    private final StringBuilder h = new StringBuilder(1 << 16);

    Html append(String s) {
        h.append(s);
        return this;
    }

    Html append(long n) {
        h.append(n);
        return this;
    }

    Html append(char c) {
        h.append(c);
        return this;
    }

    /** Escaped text. */
    Html esc(String text) {
        h.append(Fmt.esc(text));
        return this;
    }

    /** Opens a section; {@code titleHtml} is markup. Close it with {@code </section>}. */
    Html section(String id, String titleHtml) {
        h.append("<section id=\"").append(id).append("\">\n<h2>").append(titleHtml).append("</h2>\n");
        return this;
    }

    /** The one-line note of a part whose input is missing. */
    Html na(String why) {
        h.append("<p class=\"na\">Not available: ").append(Fmt.esc(why)).append(".</p>\n");
        return this;
    }

    /** A right-aligned number cell. */
    Html num(String html) {
        h.append("<td class=\"n\">").append(html).append("</td>");
        return this;
    }

    /** A number cell with a {@code data-key} for tests and scripts. */
    Html cell(String key, String html) {
        h.append("<td class=\"n\" data-key=\"").append(key).append("\">").append(html).append("</td>");
        return this;
    }

    /** A chart beside index.html, with links to its files: the PNG, its SVG copy and its data (the CSV). */
    Html img(String file, String alt) {
        h.append("<figure><img src=\"").append(file).append("\" alt=\"").append(Fmt.esc(alt)).append("\" width=\"")
                .append(Charts.WIDTH).append("\" height=\"").append(Charts.HEIGHT).append("\"><figcaption><a href=\"")
                .append(file).append("\">PNG</a> \u00b7 <a href=\"").append(ReportCharts.svg(file))
                .append("\">SVG</a> \u00b7 <a href=\"").append(ReportCharts.csv(file))
                .append("\">data (CSV)</a></figcaption></figure>\n");
        return this;
    }

    /** The sentence in place of a chart that would have nothing to draw; {@code html} is markup. */
    Html empty(String html) {
        h.append("<p class=\"empty\">").append(html).append("</p>\n");
        return this;
    }

    /** The colour swatch of group {@code i} (its colour in every chart). */
    Html swatch(int i) {
        h.append("<span class=\"swatch\" style=\"background:").append(hex(i)).append("\"></span>");
        return this;
    }

    private static String hex(int i) {
        return String.format("#%06X", Charts.colour(i).getRGB() & 0xFFFFFF);
    }

    /** A count and its percentage: {@code 12.50% <small>(24)</small>}. */
    static String share(ReportModel.Share s) {
        return Fmt.percent(s.fraction()) + " <small>(" + Fmt.count(s.count()) + ")</small>";
    }

    @Override
    public String toString() {
        return h.toString();
    }
}
