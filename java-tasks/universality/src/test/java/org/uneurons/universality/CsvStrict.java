package org.uneurons.universality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict reader for the numeric CSV tables: a header of unique names, then rows with exactly as many fields,
 * every field a finite decimal number (no quotes, no blanks, no NaN or infinity), lines ending in a newline.
 */
final class CsvStrict {
    private CsvStrict() {
    }

    static Map<String, double[]> read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        assertTrue(text.endsWith("\n"), file + " must end with a newline");
        assertFalse(text.contains("\r"), file + " uses \\n line ends only");
        String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
        String[] header = lines[0].split(",", -1);
        assertEquals(header.length, new HashSet<>(List.of(header)).size(), "duplicate column names in " + lines[0]);
        List<double[]> cols = new ArrayList<>();
        for (String h : header) {
            assertTrue(h.matches("[A-Za-z_][A-Za-z0-9_.+=:@-]*"), "column name '" + h + "'");
            cols.add(new double[lines.length - 1]);
        }
        for (int r = 1; r < lines.length; r++) {
            String[] f = lines[r].split(",", -1);
            assertEquals(header.length, f.length, "fields on line " + (r + 1));
            for (int c = 0; c < f.length; c++) {
                assertTrue(f[c].matches("-?[0-9]+(\\.[0-9]+)?([eE]-?[0-9]+)?"),
                        "line " + (r + 1) + " column " + header[c] + ": '" + f[c] + "' is not a plain number");
                double v = Double.parseDouble(f[c]);
                assertTrue(Double.isFinite(v));
                cols.get(c)[r - 1] = v;
            }
        }
        Map<String, double[]> out = new LinkedHashMap<>();
        for (int c = 0; c < header.length; c++) {
            out.put(header[c], cols.get(c));
        }
        return out;
    }
}
