package org.uneurons.core.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.junit.jupiter.api.Test;
import org.uneurons.core.testing.ToolRunner;

class ToolContractTest {
    static final class Echo extends Tool {
        Echo() {
            super("echo", "echoes --text");
        }

        @Override
        protected void declareOptions(Options o) {
            o.addOption(Option.builder().longOpt("text").hasArg().required().desc("what to print").build());
            o.addOption(Option.builder().longOpt("times").hasArg().desc("repeat count").build());
        }

        @Override
        protected int doWork(Args a) {
            int n = a.positive("times", 1);
            if (a.string("text").equals("bad")) {
                throw new InputException("input 'bad': expected anything else");
            }
            if (a.string("text").equals("boom")) {
                throw new IllegalStateException("unexpected state");
            }
            if (a.string("text").equals("deep")) {
                throw new RuntimeException("wrapped", new ArithmeticException("division by zero"));
            }
            if (a.string("text").equals("disk")) {
                throw new java.io.UncheckedIOException(new java.nio.file.FileSystemException("/data/out.h5", null,
                        "No space left on device"));
            }
            for (int i = 0; i < n; i++) {
                out.println(a.string("text"));
            }
            return EXIT_OK;
        }
    }

    @Test
    void successPrintsAndExitsZero() {
        ToolRunner r = ToolRunner.run(new Echo(), "--text", "hi", "--times", "2");
        assertEquals(0, r.exitCode, r.toString());
        assertEquals("hi\nhi\n", r.stdout);
        assertEquals("", r.stderr);
    }

    @Test
    void unknownOptionIsUsageErrorWithOneLine() {
        ToolRunner r = ToolRunner.run(new Echo(), "--text", "hi", "--colour", "red");
        assertEquals(2, r.exitCode);
        assertEquals("echo: error: unrecognized option: --colour (see --help)\n", r.stderr);
    }

    @Test
    void missingRequiredOptionIsUsageError() {
        ToolRunner r = ToolRunner.run(new Echo());
        assertEquals(2, r.exitCode);
        assertEquals("echo: error: missing required option: text (see --help)\n", r.stderr);
    }

    @Test
    void malformedNumberNamesTheOption() {
        ToolRunner r = ToolRunner.run(new Echo(), "--text", "hi", "--times", "two");
        assertEquals(2, r.exitCode);
        assertEquals("echo: error: --times expects an integer, got 'two'\n", r.stderr);
    }

    @Test
    void badInputIsExitOneWithTheMessageAndNoStackTrace() {
        ToolRunner r = ToolRunner.run(new Echo(), "--text", "bad");
        assertEquals(1, r.exitCode);
        assertEquals("echo: error: input 'bad': expected anything else\n", r.stderr);
    }

    @Test
    void debugAddsStackTrace() {
        ToolRunner r = ToolRunner.run(new Echo(), "--text", "boom", "--debug");
        assertEquals(1, r.exitCode);
        assertTrue(r.stderr.startsWith("echo: error: unexpected state\n"), r.stderr);
        assertTrue(r.stderr.contains("at org.uneurons.core.cli.ToolContractTest"), r.stderr);
    }

    @Test
    void anUnexpectedExceptionGetsAShortTraceUnderItsLine() {
        ToolRunner r = ToolRunner.run(new Echo(), "--text", "boom");
        assertEquals(1, r.exitCode);
        String[] lines = r.stderr.split("\n");
        assertEquals("echo: error: unexpected state", lines[0]);
        assertTrue(lines[1].startsWith("\tat org.uneurons.core.cli.ToolContractTest$Echo.doWork("), r.stderr);
        assertTrue(lines.length <= 1 + Tool.TRACE_FRAMES + 1, "short, not the whole trace: " + r.stderr);
        assertTrue(lines[lines.length - 1].matches("\t\\.\\.\\. \\d+ more"), r.stderr);
    }

    @Test
    void theShortTraceEndsAtTheRootCause() {
        ToolRunner r = ToolRunner.run(new Echo(), "--text", "deep");
        assertEquals(1, r.exitCode);
        assertTrue(r.stderr.startsWith("echo: error: "), r.stderr);
        assertTrue(r.stderr.contains("\nCaused by: java.lang.ArithmeticException: division by zero\n"), r.stderr);
    }

    @Test
    void anIOErrorStaysOneLine() {
        ToolRunner r = ToolRunner.run(new Echo(), "--text", "disk");
        assertEquals(1, r.exitCode);
        assertEquals("echo: error: /data/out.h5: No space left on device\n", r.stderr);
    }

    @Test
    void helpAndVersionWinOverMissingOptions() {
        ToolRunner h = ToolRunner.run(new Echo(), "--help");
        assertEquals(0, h.exitCode);
        assertTrue(h.stdout.contains("--text"), h.stdout);
        ToolRunner v = ToolRunner.run(new Echo(), "--version");
        assertEquals(0, v.exitCode);
        assertTrue(v.stdout.startsWith("echo "), v.stdout);
    }

    @Test
    void strayArgumentIsUsageError() {
        ToolRunner r = ToolRunner.run(new Echo(), "--text", "hi", "extra");
        assertEquals(2, r.exitCode);
        assertEquals("echo: error: unexpected argument 'extra' (see --help)\n", r.stderr);
    }

    /** Inside a pipeline task the contract itself leaves the timing row and versions.yml: no second JVM. */
    @Test
    void aTaskRunLeavesItsTimingRowAndVersions(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        TaskRecord record = new TaskRecord(dir, "WF:ECHO", "t1");
        assertEquals(0, ToolRunner.run(new Echo().recordingTo(record), "--text", "hi").exitCode);
        assertEquals(1, ToolRunner.run(new Echo().recordingTo(record), "--text", "bad").exitCode);
        assertEquals(0, ToolRunner.run(new Echo().recordingTo(record), "--help").exitCode);
        java.util.List<String> rows = java.nio.file.Files.readAllLines(dir.resolve("timing.tsv"));
        assertEquals("process\ttag\texit\twall_s\tcpu_s\tpeak_rss_mib", rows.get(0));
        assertEquals(3, rows.size(), "one row per run that did work, --help none: " + rows);
        String[] first = rows.get(1).split("\t");
        assertEquals(java.util.List.of("WF:ECHO", "t1", "0"), java.util.List.of(first[0], first[1], first[2]));
        assertTrue(Double.parseDouble(first[3]) > 0 && Double.parseDouble(first[4]) > 0, rows.get(1));
        assertTrue(first[5].equals("-") || Long.parseLong(first[5]) > 10, "peak RSS in MiB: " + first[5]);
        assertEquals("1", rows.get(2).split("\t")[2], "a failed run records its exit code");
        assertEquals("\"WF:ECHO\":\n    echo: \"dev (not from a jar)\"\n    java: \"" + System.getProperty("java.version")
                + "\"\n", java.nio.file.Files.readString(dir.resolve("versions.yml")));
    }
}
