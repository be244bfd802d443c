package org.uneurons.report;

/** The test's own HTML escaping, written independently of the report's. */
final class ReportTestText {
    private ReportTestText() {
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#39;");
    }
}
