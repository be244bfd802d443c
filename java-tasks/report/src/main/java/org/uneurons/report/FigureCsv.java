package org.uneurons.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.uneurons.core.io.PathIOException;

/**
 * The data of one figure, written as CSV beside its PNG so that readers can replot or check it: a header row, then
 * one row per plotted value (long format). Numbers keep full precision ({@link Double#toString}); a missing value is
 * an empty field; a field with a comma or quote is quoted as RFC 4180 says (pandas reads it as it is).
 */
final class FigureCsv {
    private final StringBuilder sb = new StringBuilder();
    private final int width;

    FigureCsv(String... header) {
        width = header.length;
        sb.append(String.join(",", header)).append('\n');
    }

    FigureCsv row(Object... fields) {
        if (fields.length != width) {
            throw new IllegalArgumentException(fields.length + " fields for " + width + " columns");
        }
        for (int i = 0; i < fields.length; i++) {
            sb.append(i > 0 ? "," : "").append(field(fields[i]));
        }
        sb.append('\n');
        return this;
    }

    private static String field(Object v) {
        if (v == null || v instanceof Double d && d.isNaN()) {
            return "";
        }
        String s = v.toString();
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    void write(Path file) {
        try {
            Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PathIOException(file, "cannot write figure data", e);
        }
    }
}
