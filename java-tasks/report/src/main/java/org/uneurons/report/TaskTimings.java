package org.uneurons.report;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.uneurons.core.cli.InputException;
import org.uneurons.formats.CsvTable;

/**
 * Per-process timings from the {@code timing.tsv} files that bin/un-task writes in each task directory: a header
 * row {@code process tag exit wall_s cpu_s peak_rss_mib}, then one row per tool run (tab-separated; {@code -} for a
 * CPU time or peak memory that could not be measured). The pipeline hands the files of every task to the report, so
 * a cached task contributes the timing of the run that computed its result.
 */
final class TaskTimings {
    static final String WHAT = "a timing.tsv of bin/un-task (tab-separated; columns process, tag, exit, wall_s, cpu_s,"
            + " peak_rss_mib)";

    /** One process's tasks (a task is a distinct tag; a task that ran its tool twice counts both runs' times). */
    static final class ProcessTimes {
        int tasks;
        int failedRuns;
        long totalMs;
        long maxMs;
        long cpuMs;
        int cpuUnknown;
        /** Largest peak resident memory of a run, MiB; -1 if none was measured. */
        long peakRssMib = -1;
        private final Map<String, Long> msByTag = new HashMap<>();
    }

    private TaskTimings() {
    }

    /** All files merged, by process name (sorted: the result does not depend on the order of the files). */
    static Map<String, ProcessTimes> read(List<Path> files) {
        Map<String, ProcessTimes> out = new TreeMap<>();
        for (Path file : files) {
            CsvTable t = CsvTable.read(file, WHAT, '\t');
            t.require("process", "tag", "exit", "wall_s", "cpu_s", "peak_rss_mib");
            for (int r = 0; r < t.rows(); r++) {
                String process = t.string(r, "process");
                if (process.isEmpty()) {
                    throw new InputException(file + ": line " + t.line(r) + ": empty process name (expected " + WHAT + ")");
                }
                ProcessTimes p = out.computeIfAbsent(process, k -> new ProcessTimes());
                long ms = Math.round(nonNegative(t, r, "wall_s") * 1000);
                long taskMs = p.msByTag.merge(t.string(r, "tag"), ms, Long::sum);
                p.tasks = p.msByTag.size();
                p.totalMs += ms;
                p.maxMs = Math.max(p.maxMs, taskMs);
                if (t.integer(r, "exit") != 0) {
                    p.failedRuns++;
                }
                if (t.string(r, "cpu_s").equals("-")) {
                    p.cpuUnknown++;
                } else {
                    p.cpuMs += Math.round(nonNegative(t, r, "cpu_s") * 1000);
                }
                if (!t.string(r, "peak_rss_mib").equals("-")) {
                    double mib = nonNegative(t, r, "peak_rss_mib");
                    if (mib != Math.rint(mib)) {
                        throw new InputException(file + ": line " + t.line(r) + ", column 'peak_rss_mib': '" + t.string(r, "peak_rss_mib")
                                + "' is not a whole number of MiB");
                    }
                    p.peakRssMib = Math.max(p.peakRssMib, (long) mib);
                }
            }
        }
        return out;
    }

    private static double nonNegative(CsvTable t, int r, String column) {
        double v = t.number(r, column);
        if (v < 0) {
            throw new InputException(t.file() + ": line " + t.line(r) + ", column '" + column + "' is " + t.string(r, column)
                    + ", expected a non-negative number");
        }
        return v;
    }
}
