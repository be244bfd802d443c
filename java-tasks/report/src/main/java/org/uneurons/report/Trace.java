package org.uneurons.report;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.uneurons.core.cli.InputException;

/**
 * Per-process wall times from a Nextflow trace file (tab-separated, header row; columns {@code name} or
 * {@code process}, {@code status}, {@code realtime}). realtime is either raw milliseconds ({@code trace.raw}) or
 * Nextflow's duration text such as {@code 850ms}, {@code 12.3s}, {@code 1m 4s} or {@code 2h 5m}; {@code -} is unknown.
 */
final class Trace {
    static final String WHAT = "a Nextflow trace file (tab-separated; columns name, status, realtime)";
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h|d)");

    /** One process's tasks. */
    static final class ProcessTimes {
        int tasks;
        long totalMs;
        long maxMs;
        int unknown;
        final Map<String, Integer> statuses = new TreeMap<>();
    }

    private Trace() {
    }

    static Map<String, ProcessTimes> read(Path file) {
        CsvTable t = CsvTable.read(file, WHAT, '\t');
        t.require("status", "realtime");
        if (!t.has("process") && !t.has("name")) {
            t.require("name");
        }
        Map<String, ProcessTimes> out = new LinkedHashMap<>();
        for (int r = 0; r < t.rows(); r++) {
            String process = t.has("process") ? t.string(r, "process") : processOf(t.string(r, "name"));
            ProcessTimes p = out.computeIfAbsent(process, k -> new ProcessTimes());
            p.tasks++;
            p.statuses.merge(t.string(r, "status"), 1, Integer::sum);
            long ms = millis(t.string(r, "realtime"), file, r);
            if (ms < 0) {
                p.unknown++;
            } else {
                p.totalMs += ms;
                p.maxMs = Math.max(p.maxMs, ms);
            }
        }
        return out;
    }

    /** "NAME (tag)" -> NAME; workflow prefixes stay ("UN:EXTRACT"). */
    static String processOf(String name) {
        int paren = name.indexOf(" (");
        return paren > 0 ? name.substring(0, paren) : name;
    }

    /** Milliseconds, or -1 for unknown. */
    static long millis(String v, Path file, int row) {
        String s = v.strip();
        if (s.isEmpty() || s.equals("-")) {
            return -1;
        }
        if (s.chars().allMatch(Character::isDigit)) {
            return Long.parseLong(s);
        }
        Matcher m = PART.matcher(s);
        double ms = 0;
        int end = 0;
        while (m.find()) {
            if (!s.substring(end, m.start()).isBlank()) {
                break;
            }
            double x = Double.parseDouble(m.group(1));
            ms += x * switch (m.group(2)) {
                case "ms" -> 1;
                case "s" -> 1000;
                case "m" -> 60_000;
                case "h" -> 3_600_000;
                default -> 86_400_000;
            };
            end = m.end();
        }
        if (end == 0 || !s.substring(end).isBlank()) {
            throw new InputException(file + ": data row " + (row + 1) + ": realtime '" + v
                    + "' is not a duration (expected milliseconds or e.g. 1m 4s)");
        }
        return Math.round(ms);
    }
}
