package org.uneurons.core.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress on stderr for long tasks: units done, rate, ETA; at most one line per interval so logs stay short.
 * Not thread-safe; call from the task's main loop.
 */
public final class Progress {
    private final PrintStream err;
    private final String label;
    private final String unit;
    private final long total;
    private final long intervalNanos;
    private final long start = System.nanoTime();
    private long lastPrint = start;
    private long done;

    public Progress(PrintStream err, String label, String unit, long total, double intervalSeconds) {
        this.err = err;
        this.label = label;
        this.unit = unit;
        this.total = total;
        this.intervalNanos = (long) (intervalSeconds * 1e9);
    }

    public void advance(long n) {
        done += n;
        long now = System.nanoTime();
        if (now - lastPrint >= intervalNanos) {
            lastPrint = now;
            err.println(line(now));
            err.flush();
        }
    }

    /** Prints the final line (always). */
    public void finish() {
        err.println(line(System.nanoTime()) + " done");
        err.flush();
    }

    public double ratePerSecond() {
        double s = (System.nanoTime() - start) / 1e9;
        return s > 0 ? done / s : 0;
    }

    private String line(long now) {
        double s = (now - start) / 1e9;
        double rate = s > 0 ? done / s : 0;
        String eta = total > 0 && rate > 0 ? hms((total - done) / rate) : "?";
        String pct = total > 0 ? String.format(Locale.ROOT, " (%.1f%%)", 100.0 * done / total) : "";
        return String.format(Locale.ROOT, "%s: %,d/%,d %s%s, %,.0f %s/s, elapsed %s, ETA %s",
                label, done, total, unit, pct, rate, unit, hms(s), eta);
    }

    static String hms(double seconds) {
        long t = Math.max(0, Math.round(seconds));
        return String.format(Locale.ROOT, "%d:%02d:%02d", t / 3600, (t / 60) % 60, t % 60);
    }
}
