package org.uneurons.core.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.commons.cli.Options;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.io.AtomicOutput;
import org.uneurons.core.testing.ToolRunner;

/**
 * The shared checks of output paths, through a tool that copies --input to --output (or into --outdir), reading its
 * options in either order: refused before any work, with one line, the input left as it was.
 */
class OutputPathsTest {
    @TempDir
    Path dir;

    /** Copies --input to --output and/or to --outdir/copy.txt; --output-first reads the output option first. */
    static final class Copy extends Tool {
        boolean worked;

        Copy() {
            super("copy", "copies a file");
        }

        @Override
        protected void declareOptions(Options o) {
            o.addOption(option("input", "FILE", "file to copy"));
            o.addOption(option("output", "FILE", "copy"));
            o.addOption(option("outdir", "DIR", "directory for copy.txt"));
            o.addOption(option("tree", "DIR", "directory replaced whole"));
            o.addOption(flag("output-first", "read --output before --input"));
        }

        @Override
        protected int doWork(Args a) throws IOException {
            Path out = a.has("output") && a.has("output-first") ? a.output("output") : null;
            Path in = a.existing("input");
            out = a.has("output") && out == null ? a.output("output") : out;
            Path copyIn = null;
            if (a.has("outdir")) {
                copyIn = a.outputFile("--outdir", a.outputDir("outdir").resolve("copy.txt"));
            }
            if (a.has("tree")) {
                a.outputTree("--tree", a.path("tree"));
            }
            worked = true;
            String content = Files.readString(in);
            for (Path p : new Path[] {out, copyIn}) {
                if (p != null) {
                    AtomicOutput.writeString(p, content);
                }
            }
            return EXIT_OK;
        }
    }

    private Path input() throws IOException {
        return Files.writeString(dir.resolve("in.txt"), "the input");
    }

    /** Runs copy, expecting a refusal before any work with {@code code} and the line {@code copy: error: <line>}. */
    private void refused(int code, String line, String... argv) throws IOException {
        byte[] before = Files.readAllBytes(dir.resolve("in.txt"));
        Copy tool = new Copy();
        ToolRunner r = ToolRunner.run(tool, argv);
        assertEquals(code, r.exitCode, r.toString());
        assertEquals("copy: error: " + line + "\n", r.stderr);
        assertEquals(false, tool.worked, "refused before any work");
        assertArrayEquals(before, Files.readAllBytes(dir.resolve("in.txt")), "the input is unchanged");
    }

    @Test
    void anOutputThatIsTheInputIsRefusedWhicheverOptionComesFirst() throws IOException {
        Path in = input();
        String line = in + ": --output is the same file as the input --input " + in
                + " (writing it would destroy the input; choose another output path)";
        refused(2, line, "--input", in.toString(), "--output", in.toString());
        refused(2, line, "--input", in.toString(), "--output", in.toString(), "--output-first");
        Path dotted = dir.resolve("sub/../in.txt");
        Files.createDirectories(dir.resolve("sub"));
        refused(2, dotted + ": --output is the same file as the input --input " + in
                + " (writing it would destroy the input; choose another output path)", "--input", in.toString(),
                "--output", dotted.toString());
    }

    @Test
    void anOutputThatIsASymbolicLinkToTheInputIsRefused() throws IOException {
        Path in = input();
        Path link = Files.createSymbolicLink(dir.resolve("staged.txt"), in);
        refused(2, link + ": --output is the same file as the input --input " + in
                + " (writing it would destroy the input; choose another output path)", "--input", in.toString(),
                "--output", link.toString());
        Path inputLink = Files.createSymbolicLink(dir.resolve("in-link.txt"), in);
        refused(2, in + ": --output is the same file as the input --input " + inputLink
                + " (writing it would destroy the input; choose another output path)", "--input", inputLink.toString(),
                "--output", in.toString());
    }

    @Test
    void anOutputFileOfAnOutputDirectoryThatIsTheInputIsRefused() throws IOException {
        Path in = Files.writeString(dir.resolve("copy.txt"), "the input");
        Files.copy(in, dir.resolve("in.txt"));
        byte[] before = Files.readAllBytes(in);
        ToolRunner r = ToolRunner.run(new Copy(), "--input", in.toString(), "--outdir", dir.toString());
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("copy: error: " + in + ": --outdir is the same file as the input --input " + in
                + " (writing it would destroy the input; choose another output path)\n", r.stderr);
        assertArrayEquals(before, Files.readAllBytes(in));
    }

    @Test
    void aDirectoryReplacedWholeMayNotHoldAnInput() throws IOException {
        Path tree = Files.createDirectories(dir.resolve("report"));
        Path in = Files.writeString(tree.resolve("in.txt"), "the input");
        Files.copy(in, dir.resolve("in.txt"));
        ToolRunner r = ToolRunner.run(new Copy(), "--input", in.toString(), "--tree", tree.toString());
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("copy: error: " + tree + ": --tree contains the input --input " + in
                + " (the directory is replaced whole; choose another output directory)\n", r.stderr);
    }

    @Test
    void anOutputWhoseDirectoryIsMissingOrThatIsADirectoryIsRefused() throws IOException {
        Path in = input();
        Path missing = dir.resolve("no/such/out.txt");
        refused(1, missing + ": no such directory " + dir.resolve("no/such")
                + " (--output expects a file in an existing writable directory)", "--input", in.toString(), "--output",
                missing.toString());
        Path sub = Files.createDirectories(dir.resolve("sub"));
        refused(1, sub + ": is a directory (--output expects a file path)", "--input", in.toString(), "--output",
                sub.toString());
    }

    @Test
    void anOutputDirectoryThatIsAFileIsRefused() throws IOException {
        Path in = input();
        Path file = Files.writeString(dir.resolve("results"), "a file");
        refused(1, file + ": is a file, not a directory (--outdir expects a directory)", "--input", in.toString(),
                "--outdir", file.toString());
        Path below = dir.resolve("results/more");
        refused(1, file + ": is not a directory (--outdir " + below + " needs a writable directory)", "--input",
                in.toString(), "--outdir", below.toString());
    }

    @Test
    void aGoodCommandLineWorksAndLeavesNoTemporary() throws IOException {
        Path in = input();
        Path out = dir.resolve("out.txt");
        ToolRunner r = ToolRunner.run(new Copy(), "--input", in.toString(), "--output", out.toString(), "--outdir",
                dir.resolve("new/dir").toString());
        assertEquals(0, r.exitCode, r.toString());
        assertEquals("the input", Files.readString(out));
        assertEquals("the input", Files.readString(dir.resolve("new/dir/copy.txt")));
        try (var left = Files.list(dir)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().contains("@")), "no temporary left");
        }
    }
}
