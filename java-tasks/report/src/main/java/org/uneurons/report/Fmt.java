package org.uneurons.report;

import java.util.Locale;

/** Number and text formatting for the report; one rule per kind of number, so tables agree with each other. */
final class Fmt {
    private Fmt() {
    }

    /** HTML-escapes text for element content and attribute values. */
    static String esc(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    /** A correlation or similar value in [-1, 1]: 3 decimals. */
    static String corr(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.3f", v);
    }

    /** A headline mean (small differences matter): 4 decimals. */
    static String mean(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.4f", v);
    }

    /** A fraction as a percentage with 2 decimals; tiny non-zero fractions keep 2 significant digits. */
    static String percent(double fraction) {
        double p = 100 * fraction;
        if (p != 0 && Math.abs(p) < 0.01) {
            return String.format(Locale.ROOT, "%.2g%%", p);
        }
        return String.format(Locale.ROOT, "%.2f%%", p);
    }

    /** A count with thousands separators. */
    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** A loss or other general value: 4 significant digits. */
    static String general(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.4g", v);
    }

    /** A property's value: 3 significant digits, without trailing zeros (0.025, 5.56, -0.79). */
    static String value(double v) {
        if (Double.isNaN(v)) {
            return "–";
        }
        return new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
    }

    /** A percentile in [0, 100]: 1 decimal. */
    static String percentile(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.1f", v);
    }

    /** A threshold such as 0.35: 2 decimals. */
    static String threshold(double t) {
        return String.format(Locale.ROOT, "%.2f", t);
    }

    /** Wall time: "850 ms", "12.3 s", "4 m 05 s", "2 h 05 m". */
    static String duration(long ms) {
        if (ms < 1000) {
            return ms + " ms";
        }
        if (ms < 60_000) {
            return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
        }
        long s = Math.round(ms / 1000.0);
        if (s < 3600) {
            return String.format(Locale.ROOT, "%d m %02d s", s / 60, s % 60);
        }
        long m = Math.round(s / 60.0);
        return String.format(Locale.ROOT, "%d h %02d m", m / 60, m % 60);
    }
}
