package org.uneurons.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.stats.PairMoments;
import org.uneurons.core.stats.ReferencePearson;
import org.uneurons.core.stats.Synthetic;
import org.uneurons.core.testing.ToolRunner;
import org.uneurons.formats.MomentsFile;
import org.uneurons.core.stats.TokenFilter;
import org.uneurons.formats.testing.TestActivations;
import org.uneurons.formats.testing.TestPartials;

/** merge on partial moments made without correlate ({@link TestPartials}): one pass in any order, bad inputs. */
class MergeToolTest {
    @TempDir
    Path dir;

    /** Partial moments of rows from..to of the synthetic data as shard {@code name}, GPT-2's filter. */
    private Path partial(Synthetic s, int[] ids, int from, int to, String name) {
        return TestPartials.write(dir.resolve(name + ".moments.h5"), s, ids, from, to, name, TestPartials.gpt2());
    }

    @Test
    void mergedShardsEqualOnePassInAnyOrder() {
        Synthetic s = Synthetic.adversarial(61, 480, 2, 5, 2, 4);
        int[] ids = TestActivations.gpt2LikeIds(s.tokens, 6);
        Path whole = partial(s, ids, 0, 480, "all");
        double[][] rWhole = ReferencePearson.fromMoments(MomentsFile.read(whole));
        Path[] parts = {partial(s, ids, 0, 100, "s0"), partial(s, ids, 100, 101, "s1"), partial(s, ids, 101, 333, "s2"),
                partial(s, ids, 333, 480, "s3")};
        int[][] orders = {{0, 1, 2, 3}, {3, 2, 1, 0}, {2, 0, 3, 1}, {1, 3, 0, 2}};
        double worst = 0;
        for (int[] order : orders) {
            Path out = dir.resolve("merged-" + Arrays.toString(order).replaceAll("[^0-9]", "") + ".h5");
            List<String> argv = new ArrayList<>();
            for (int i : order) {
                argv.add("--input");
                argv.add(parts[i].toString());
            }
            argv.add("--output");
            argv.add(out.toString());
            ToolRunner r = ToolRunner.run(new MergeTool(), argv.toArray(new String[0]));
            assertEquals(0, r.exitCode, r.toString());
            PairMoments merged = MomentsFile.read(out);
            MomentsFile.Header h = MomentsFile.readHeader(out);
            assertEquals(MomentsFile.read(whole).count(), merged.count());
            assertEquals(480, h.info().tokensRead());
            assertEquals(4, h.info().shards().size());
            worst = Math.max(worst, ReferencePearson.maxAbsDiff(ReferencePearson.fromMoments(merged), rWhole));
        }
        System.out.printf(Locale.ROOT, "merge tool: max |dr| merged partials vs one pass, 4 orders = %.3e%n", worst);
        assertTrue(worst <= 1e-9, "max |dr| " + worst);
    }

    /**
     * A shard is known by its tokens, not its name: two different shards that share a name merge (both counted),
     * one shard under two names is refused; and partials of another checkpoint under the same model name are refused.
     */
    @Test
    void shardsAndModelsAreKnownByContent() {
        Synthetic s = Synthetic.adversarial(63, 96, 2, 5, 2, 4);
        int[] ids = TestActivations.gpt2LikeIds(s.tokens, 8);
        String a = TestPartials.sha("model-a weights"), b = TestPartials.sha("model-b weights");
        String first = TestPartials.sha("tokens 0-48"), second = TestPartials.sha("tokens 48-96");
        Path d1 = mkdir(dir.resolve("one"));
        Path d2 = mkdir(dir.resolve("two"));
        // two corpora's shard.00000: different tokens, one name
        Path p0 = TestPartials.write(d1.resolve("p.h5"), s, ids, 0, 48, "shard.00000", TestPartials.gpt2(),
                new TestPartials.Ids(a, b, first));
        Path p1 = TestPartials.write(d2.resolve("p.h5"), s, ids, 48, 96, "shard.00000", TestPartials.gpt2(),
                new TestPartials.Ids(a, b, second));
        Path out = dir.resolve("m.h5");
        ToolRunner r = ToolRunner.run(new MergeTool(), "--input", p0.toString(), "--input", p1.toString(), "--output",
                out.toString());
        assertEquals(0, r.exitCode, r.toString());
        assertFalse(r.stderr.contains("warning"), r.stderr);
        MomentsFile.Header h = MomentsFile.readHeader(out);
        assertEquals(List.of("shard.00000", "shard.00000"), h.info().shards());
        assertEquals(List.of(first, second), h.info().shardSha256());
        assertEquals(a, h.info().modelASha256());
        assertEquals(b, h.info().modelBSha256());
        Path whole = TestPartials.write(dir.resolve("whole.h5"), s, ids, 0, 96, "all", TestPartials.gpt2());
        assertEquals(MomentsFile.read(whole).count(), MomentsFile.read(out).count(), "both shards counted");

        // one shard copied under another name
        Path copy = TestPartials.write(dir.resolve("copy.h5"), s, ids, 0, 48, "shard.00007", TestPartials.gpt2(),
                new TestPartials.Ids(a, b, first));
        r = ToolRunner.run(new MergeTool(), "--input", p0.toString(), "--input", copy.toString(), "--output",
                out.toString() + "2");
        assertEquals(1, r.exitCode);
        assertEquals("merge: error: " + copy + ": shard shard.00007 holds the same tokens as shard shard.00000 in " + p0
                + " (sha256 " + first.substring(0, 12) + "); merging it twice would count its tokens twice", r.errorLine());

        // another checkpoint under model_a's name
        String retrained = TestPartials.sha("model-a weights, retrained");
        Path other = TestPartials.write(dir.resolve("other.h5"), s, ids, 48, 96, "shard.00001", TestPartials.gpt2(),
                new TestPartials.Ids(retrained, b, second));
        r = ToolRunner.run(new MergeTool(), "--input", p0.toString(), "--input", other.toString(), "--output",
                out.toString() + "3");
        assertEquals(1, r.exitCode);
        assertEquals("merge: error: " + other + ": model_a model-a has weights sha256 " + retrained.substring(0, 12)
                + ", expected " + a.substring(0, 12) + " (another checkpoint under the same name) (as in " + p0
                + "); partials to merge must be of one model pair and token filter", r.errorLine());

        // partials of an earlier version (no hashes) merge, with a warning each, and are compared by name
        Path old0 = partial(s, ids, 0, 48, "s0");
        Path old1 = partial(s, ids, 48, 96, "s1");
        r = ToolRunner.run(new MergeTool(), "--input", old0.toString(), "--input", old1.toString(), "--output",
                out.toString() + "4");
        assertEquals(0, r.exitCode, r.toString());
        assertTrue(r.stderr.contains("merge: warning: " + old0 + ": no model_a_sha256, model_b_sha256 or shard_sha256"
                + " (written by an earlier version); its models and shards cannot be checked\n"), r.stderr);
        assertFalse(Files.exists(Path.of(out + "2")) || Files.exists(Path.of(out + "3")));
    }

    private static Path mkdir(Path d) {
        try {
            return Files.createDirectories(d);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void refusesBadInputs() {
        Synthetic s = Synthetic.adversarial(62, 96, 2, 5, 2, 4);
        int[] ids = TestActivations.gpt2LikeIds(s.tokens, 7);
        Path p0 = partial(s, ids, 0, 48, "s0");
        Path p1 = partial(s, ids, 48, 96, "s1");
        Path range = TestPartials.write(dir.resolve("s2.moments.h5"), s, ids, 48, 96, "s2", TestPartials.gpt2(), 1, 1);
        Path unfiltered = TestPartials.write(dir.resolve("s3.moments.h5"), s, ids, 48, 96, "s3", TokenFilter.none());
        String out = dir.resolve("m.h5").toString();

        ToolRunner r = ToolRunner.run(new MergeTool(), "--output", out);
        assertEquals(2, r.exitCode);
        assertEquals("merge: error: no partial moments given: pass --input FILE (one or more)", r.errorLine());

        r = ToolRunner.run(new MergeTool(), "--input", p0.toString(), "--input", range.toString(), "--output", out);
        assertEquals(1, r.exitCode);
        assertEquals("merge: error: " + range + ": moments of a layers 1-1 of 2 x 5, b 2 x 4 differ from " + p0
                + " (a layers 0-1 of 2 x 5, b 2 x 4); partials to merge must have the same shapes and layer range", r.errorLine());

        r = ToolRunner.run(new MergeTool(), "--input", p0 + "," + unfiltered, "--output", out);
        assertEquals(1, r.exitCode);
        assertEquals("merge: error: " + unfiltered + ": filtered token ids none, expected 198,50256 (as in " + p0
                + "); partials to merge must be of one model pair and token filter", r.errorLine());

        r = ToolRunner.run(new MergeTool(), "--input", p0.toString(), "--input", p1.toString(), "--input", p0.toString(),
                "--output", out);
        assertEquals(1, r.exitCode);
        assertEquals("merge: error: " + p0 + ": shard s0 is also in " + p0 + "; merging it twice would count its tokens twice",
                r.errorLine());

        Path notMoments = TestActivations.write(dir.resolve("s0.a.h5"), "model-a", "s0", Synthetic.rows(s.a, s.dA, 0, 48),
                s.dA, Arrays.copyOf(ids, 48), Map.of());
        r = ToolRunner.run(new MergeTool(), "--input", notMoments.toString(), "--output", out);
        assertEquals(1, r.exitCode);
        assertEquals("merge: error: " + notMoments + ": not a moments file from correlate (format attribute is"
                + " missing, expected uneurons-pair-moments/1)", r.errorLine());

        r = ToolRunner.run(new MergeTool(), "--input", p0.toString(), "--output", out, "--frobnicate");
        assertEquals(2, r.exitCode);
        assertEquals("merge: error: unrecognized option: --frobnicate (see --help)", r.errorLine());
        assertFalse(Files.exists(Path.of(out)));
    }
}
