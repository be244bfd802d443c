package org.uneurons.chains;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.io.TempNames;
import org.uneurons.core.testing.TestData;
import org.uneurons.extract.ExtractTool;
import org.uneurons.formats.TokenShard;
import org.uneurons.tokenize.TokenizeTool;

/**
 * Tools killed at random points of their work, each in its own JVM: after SIGTERM (SLURM's time limit, Ctrl-C) the
 * output is absent or complete (byte for byte a clean run's) and no temporary or spill file is left; after SIGKILL
 * (no hook runs) the leftovers are removed by the next run, whose output is a clean run's. The kill points are drawn
 * from a seed printed at the start (-Dfaults.seed=N repeats a run); their number is bounded (-Dfaults.sigterms,
 * default 4 a tool) so the suite stays within a minute or two on two cores.
 */
class SignalFaultTest {
    @TempDir
    static Path dir;

    static final long SEED = Long.getLong("faults.seed", System.nanoTime() % 1_000_000);
    static final int SIGTERMS = Integer.getInteger("faults.sigterms", 4);
    static final double TIMEOUT_S = 120;

    static Path shard;
    static Path ids;

    @BeforeAll
    static void inputs() throws IOException {
        System.out.println("signal faults: seed " + SEED + " (-Dfaults.seed=" + SEED + " repeats these kill points)");
        SplittableRandom rng = new SplittableRandom(SEED);
        int[][] tokens = new int[384][64];
        for (int[] row : tokens) {
            for (int t = 0; t < row.length; t++) {
                row[t] = rng.nextInt(1000);
            }
        }
        shard = dir.resolve("analysis.00000.h5");
        TokenShard.write(shard, tokens, new TokenShard.Meta("external", 1000, -1, -1, "test"), null);
        // tokenize's input: a nanoGPT .bin (little-endian uint16 ids)
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(2 * 400_000).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            b.putShort((short) rng.nextInt(1000));
        }
        ids = Files.write(dir.resolve("ids.bin"), b.array());
    }

    /** The temporaries (files or spill directories, by their names) in {@code d}. */
    static List<String> temporaries(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> TempNames.parse(n).isPresent()).sorted().toList();
        }
    }

    static List<String> listing(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Waits until a file being written appears in {@code d} (true; not the probe of the output check) or the end. */
    static boolean awaitTemporary(Subprocess p, Path d) throws Exception {
        while (p.isAlive() && p.secondsSinceStart() < TIMEOUT_S) {
            if (temporaries(d).stream().anyMatch(n -> !TempNames.parse(n).orElseThrow().kind().equals(TempNames.PROBE))) {
                return true;
            }
            Thread.sleep(5);
        }
        return false;
    }

    /** A tool under test: how to run it into a directory, and what a complete output there is. */
    interface Case {
        Subprocess start(Path out, Path stderr) throws IOException;

        /** The output files of a complete run, by name. */
        List<String> outputs(Path cleanRun) throws IOException;
    }

    static final Case EXTRACT = new Case() {
        @Override
        public Subprocess start(Path out, Path stderr) throws IOException {
            return Subprocess.start(ExtractTool.class, stderr, List.of("--checkpoint",
                    TestData.hf("gpt2-tiny").toString(), "--shard", shard.toString(), "--output",
                    out.resolve("acts.h5").toString(), "--hooks", "mlp_post,mlp_pre", "--batch-size", "16"));
        }

        @Override
        public List<String> outputs(Path cleanRun) {
            return List.of("acts.h5");
        }
    };

    static final Case TOKENIZE = new Case() {
        @Override
        public Subprocess start(Path out, Path stderr) throws IOException {
            return Subprocess.start(TokenizeTool.class, stderr, List.of("--input", ids.toString(), "--vocab-size", "1000",
                    "--bos-id", "0", "--ctx", "16", "--seqs-per-shard", "1000", "--shuffle-seed", "3", "--outdir", out.toString(),
                    "--name", "ids"));
        }

        @Override
        public List<String> outputs(Path cleanRun) throws IOException {
            return listing(cleanRun);
        }
    };

    /** The output of a run killed or not: absent, or complete and equal to the clean run's, file by file. */
    static void absentOrComplete(Path run, Path clean, List<String> outputs, String what) throws IOException {
        List<String> present = listing(run);
        assertTrue(present.isEmpty() || present.equals(outputs), what + ": a partial output " + present);
        for (String f : present) {
            assertArrayEquals(Files.readAllBytes(clean.resolve(f)), Files.readAllBytes(run.resolve(f)), what + ": " + f);
        }
    }

    /** A clean run, then SIGTERMs at random points, then a SIGKILL while writing and a rerun. */
    private void killAtRandomPoints(String name, Case c) throws Exception {
        Path clean = Files.createDirectories(dir.resolve(name + "-clean"));
        Subprocess.Result ref = c.start(clean, dir.resolve(name + "-clean.err")).waitFor(TIMEOUT_S);
        assertEquals(0, ref.exitCode(), ref.stderr());
        List<String> outputs = c.outputs(clean);
        System.out.printf(Locale.ROOT, "%s clean run: %.2f s, %s%n", name, ref.seconds(), outputs);
        assertFalse(outputs.isEmpty());
        Random rng = new Random(SEED ^ name.hashCode());
        int killedWhileWriting = 0;
        for (int i = 0; i < SIGTERMS; i++) {
            Path run = Files.createDirectories(dir.resolve(name + "-term" + i));
            Subprocess p = c.start(run, dir.resolve(name + "-term" + i + ".err"));
            // even runs: a random time into the clean run's length; odd: a random moment after writing began
            boolean writing = i % 2 == 1 && awaitTemporary(p, run);
            Thread.sleep(writing ? rng.nextInt(150) : (long) (rng.nextDouble() * ref.seconds() * 1000));
            boolean temps = !temporaries(run).isEmpty();
            p.terminate();
            Subprocess.Result r = p.waitFor(TIMEOUT_S);
            killedWhileWriting += temps && r.exitCode() != 0 ? 1 : 0;
            System.out.printf(Locale.ROOT, "%s SIGTERM %d at %.2f s (%s): exit %d, left %s%n", name, i, r.seconds(),
                    temps ? "temporaries present" : "no temporary yet", r.exitCode(), listing(run));
            assertEquals(List.of(), temporaries(run), name + " after SIGTERM " + i);
            absentOrComplete(run, clean, outputs, name + " after SIGTERM " + i);
        }
        System.out.println(name + ": " + killedWhileWriting + " of " + SIGTERMS + " SIGTERMs came while it was writing");
        sigkillThenRerun(name, c, clean, outputs, rng);
    }

    /** SIGKILL once writing began: the temporaries stay; the rerun removes them and publishes a clean run's output. */
    private void sigkillThenRerun(String name, Case c, Path clean, List<String> outputs, Random rng) throws Exception {
        Path run = Files.createDirectories(dir.resolve(name + "-kill"));
        Subprocess p = c.start(run, dir.resolve(name + "-kill.err"));
        assertTrue(awaitTemporary(p, run), name + " wrote no temporary");
        Thread.sleep(rng.nextInt(100));
        p.kill();
        Subprocess.Result killed = p.waitFor(TIMEOUT_S);
        List<String> left = temporaries(run);
        System.out.println(name + " SIGKILL: exit " + killed.exitCode() + ", left " + left);
        assertEquals(137, killed.exitCode());
        assertFalse(left.isEmpty(), "SIGKILL runs no hook: the temporaries stay until the next run");
        Subprocess.Result rerun = c.start(run, dir.resolve(name + "-rerun.err")).waitFor(TIMEOUT_S);
        assertEquals(0, rerun.exitCode(), rerun.stderr());
        for (String t : left) {
            assertTrue(rerun.stderr().contains(": removed " + run.resolve(t) + " (left by an interrupted run)"),
                    t + " reported: " + rerun.stderr());
        }
        assertEquals(List.of(), temporaries(run), name + " after the rerun");
        absentOrComplete(run, clean, outputs, name + " rerun");
        assertEquals(outputs, listing(run));
    }

    @Test
    void extractKilledAtRandomPoints() throws Exception {
        killAtRandomPoints("extract", EXTRACT);
    }

    @Test
    void tokenizeWithItsRowSpoolKilledAtRandomPoints() throws Exception {
        killAtRandomPoints("tokenize", TOKENIZE);
    }
}
