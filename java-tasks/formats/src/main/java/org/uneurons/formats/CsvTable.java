package org.uneurons.formats;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.uneurons.core.cli.InputException;

/**
 * A small comma-separated table with a header row and no quoting, as the universality tool writes (neurons.csv,
 * layer_fractions.csv, percentiles.csv) and as train logs are documented. Every problem is one
 * {@link InputException} naming the file, the line and the column.
 */
public final class CsvTable {
    private final Path file;
    private final String what;
    private final List<String> header;
    private final Map<String, Integer> index = new LinkedHashMap<>();
    private final List<String[]> rows;
    /** 1-based line number of each row in the file, for messages. */
    private final List<Integer> lineNumbers;

    /** Reads {@code file} split on {@code separator}; {@code what} names the expected kind of file in messages. */
    public static CsvTable read(Path file, String what, char separator) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InputException(file + ": no such file (expected " + what + ")");
        } catch (IOException | UncheckedIOException e) {
            throw new InputException(file + ": cannot read (" + e.getMessage() + "), expected " + what);
        }
        int first = 0;
        while (first < lines.size() && lines.get(first).isBlank()) {
            first++;
        }
        if (first == lines.size()) {
            throw new InputException(file + ": empty file, expected " + what + " with a header row");
        }
        String sep = separator == '\t' ? "\t" : String.valueOf(separator);
        List<String> header = new ArrayList<>();
        for (String h : lines.get(first).split(java.util.regex.Pattern.quote(sep), -1)) {
            header.add(h.strip());
        }
        List<String[]> rows = new ArrayList<>();
        List<Integer> lineNumbers = new ArrayList<>();
        for (int i = first + 1; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(java.util.regex.Pattern.quote(sep), -1);
            if (f.length != header.size()) {
                throw new InputException(file + ": line " + (i + 1) + " has " + f.length + " fields, the header has "
                        + header.size() + " (expected " + what + ")");
            }
            for (int j = 0; j < f.length; j++) {
                f[j] = f[j].strip();
            }
            rows.add(f);
            lineNumbers.add(i + 1);
        }
        return new CsvTable(file, what, header, rows, lineNumbers);
    }

    private CsvTable(Path file, String what, List<String> header, List<String[]> rows, List<Integer> lineNumbers) {
        this.file = file;
        this.what = what;
        this.header = header;
        this.rows = rows;
        this.lineNumbers = lineNumbers;
        for (int i = 0; i < header.size(); i++) {
            index.put(header.get(i), i);
        }
    }

    public Path file() {
        return file;
    }

    public List<String> header() {
        return header;
    }

    /** 1-based line number of a data row in the file. */
    public int line(int row) {
        return lineNumbers.get(row);
    }

    public int rows() {
        return rows.size();
    }

    public boolean has(String column) {
        return index.containsKey(column);
    }

    /** Fails unless every named column is present. */
    public void require(String... columns) {
        for (String c : columns) {
            if (!has(c)) {
                throw new InputException(file + ": no column '" + c + "' (expected " + what + ")");
            }
        }
    }

    public String string(int row, String column) {
        require(column);
        return rows.get(row)[index.get(column)];
    }

    /** A finite number, or an error naming the row and column. */
    public double number(int row, String column) {
        String v = string(row, column);
        double d;
        try {
            d = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new InputException(file + ": line " + lineNumbers.get(row) + ", column '" + column + "': '" + v
                    + "' is not a number (expected " + what + ")");
        }
        if (!Double.isFinite(d)) {
            throw new InputException(file + ": line " + lineNumbers.get(row) + ", column '" + column + "' is " + v
                    + ", expected a finite number");
        }
        return d;
    }

    /** A number or an empty field (NaN), for optional values such as a missing validation loss. */
    public double optionalNumber(int row, String column) {
        String v = string(row, column);
        return v.isEmpty() || v.equalsIgnoreCase("nan") ? Double.NaN : number(row, column);
    }

    public int integer(int row, String column) {
        double d = number(row, column);
        if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
            throw new InputException(file + ": line " + lineNumbers.get(row) + ", column '" + column + "': '" + string(row, column)
                    + "' is not an integer (expected " + what + ")");
        }
        return (int) d;
    }

    public double[] numbers(String column) {
        require(column);
        double[] out = new double[rows.size()];
        for (int r = 0; r < out.length; r++) {
            out[r] = number(r, column);
        }
        return out;
    }

    public int[] integers(String column) {
        require(column);
        int[] out = new int[rows.size()];
        for (int r = 0; r < out.length; r++) {
            out[r] = integer(r, column);
        }
        return out;
    }
}
