package org.uneurons.core.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.junit.jupiter.api.Test;
import org.uneurons.core.testing.ToolRunner;

class ToolContractTest {
    static final class Echo extends Tool {
        @Override
        public String name() {
            return "echo";
        }

        @Override
        public String description() {
            return "echoes --text";
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
}
