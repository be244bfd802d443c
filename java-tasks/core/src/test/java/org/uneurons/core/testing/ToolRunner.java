package org.uneurons.core.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.uneurons.core.cli.Tool;

/** Runs a tool in-process, as the tests of Picard/GATK tools do, and keeps its exit code and both streams. */
public final class ToolRunner {
    public final int exitCode;
    public final String stdout;
    public final String stderr;

    private ToolRunner(int exitCode, String stdout, String stderr) {
        this.exitCode = exitCode;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    public static ToolRunner run(Tool tool, String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code;
        try (PrintStream po = new PrintStream(o, true, StandardCharsets.UTF_8);
             PrintStream pe = new PrintStream(e, true, StandardCharsets.UTF_8)) {
            code = tool.run(args, po, pe);
        }
        return new ToolRunner(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    /** The stderr lines that are not progress lines (progress lines never contain ": error: "). */
    public String errorLine() {
        for (String line : stderr.split("\n")) {
            if (line.contains(": error: ")) {
                return line;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
    }
}
