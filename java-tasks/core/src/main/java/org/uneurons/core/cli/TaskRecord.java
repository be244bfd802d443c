package org.uneurons.core.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;

/**
 * What a tool leaves in its pipeline task's directory, written by the {@link Tool} contract itself (no second JVM, no
 * shell sampler): one row of {@code timing.tsv} per run and {@code versions.yml}. The pipeline's modules set
 * {@code UN_TASK_PROCESS} (the Nextflow process name) and {@code UN_TASK_TAG} (the task's tag); without
 * {@code UN_TASK_PROCESS} nothing is written (a tool run by hand, a test).
 *
 * <p>timing.tsv is tab-separated under the header {@link #TIMING_HEADER}: the process, the tag, the tool's exit code,
 * wall seconds since the JVM started, CPU seconds of the whole process (every thread, native ones included), and the
 * peak resident memory in MiB (the kernel's VmHWM, exact; {@code -} where /proc is missing). A JVM killed by the
 * kernel or ended by -XX:+ExitOnOutOfMemoryError writes no row: such a task failed, and Nextflow keeps no output of
 * a failed task. The report reads the rows back ({@link #readTimings}).
 */
public record TaskRecord(Path dir, String process, String tag) {
    public static final String TIMING_FILE = "timing.tsv";
    public static final String VERSIONS_FILE = "versions.yml";
    public static final List<String> TIMING_HEADER = List.of("process", "tag", "exit", "wall_s", "cpu_s", "peak_rss_mib");

    /** From UN_TASK_PROCESS / UN_TASK_TAG, writing into the working directory; null when the tool runs outside a task. */
    public static TaskRecord fromEnvironment() {
        String process = System.getenv("UN_TASK_PROCESS");
        if (process == null || process.isBlank()) {
            return null;
        }
        String tag = System.getenv("UN_TASK_TAG");
        return new TaskRecord(Path.of(""), process, tag == null || tag.isBlank() ? "-" : tag);
    }

    /** Appends this run's timing row (with the header when the file is new) and writes versions.yml. */
    public void write(String tool, String version, int exitCode) {
        write(tool, version, exitCode, java.util.Map.of());
    }

    /**
     * As {@link #write(String, String, int)}, with the versions of the libraries and the device the run used (e.g.
     * djl, pytorch, cuda, device) after the tool's and Java's in versions.yml.
     */
    public void write(String tool, String version, int exitCode, java.util.Map<String, String> components) {
        try {
            Path timing = dir.resolve(TIMING_FILE);
            StringBuilder row = new StringBuilder();
            if (!Files.exists(timing) || Files.size(timing) == 0) {
                row.append(String.join("\t", TIMING_HEADER)).append('\n');
            }
            row.append(String.format(Locale.ROOT, "%s\t%s\t%d\t%.3f\t%s\t%s%n", process, tag, exitCode, wallSeconds(),
                    cpuSeconds(), peakRssMib()));
            Files.writeString(timing, row, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            Files.writeString(dir.resolve(VERSIONS_FILE), versionsYaml(tool, version, components), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(dir.toAbsolutePath() + ": cannot write " + TIMING_FILE + " or "
                    + VERSIONS_FILE, e);
        }
    }

    /** The versions.yml of one process, as nf-core modules write it. */
    String versionsYaml(String tool, String version) {
        return versionsYaml(tool, version, java.util.Map.of());
    }

    String versionsYaml(String tool, String version, java.util.Map<String, String> components) {
        StringBuilder sb = new StringBuilder("\"" + process + "\":\n    " + tool + ": \"" + version + "\"\n    java: \""
                + System.getProperty("java.version") + "\"\n");
        components.forEach((k, v) -> sb.append("    ").append(k).append(": \"").append(v.replace("\"", "'")).append("\"\n"));
        return sb.toString();
    }

    private static double wallSeconds() {
        return (System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime()) / 1000.0;
    }

    private static String cpuSeconds() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long ns = os.getProcessCpuTime();
            if (ns >= 0) {
                return String.format(Locale.ROOT, "%.2f", ns / 1e9);
            }
        }
        return "-";
    }

    /** VmHWM of /proc/self/status in MiB (rounded up), or "-". */
    private static String peakRssMib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return Long.toString((kb + 1023) / 1024);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: unknown
        }
        return "-";
    }
}
