package org.uneurons.correlate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.formats.ActivationFile;
import org.uneurons.core.stats.PairMoments;
import org.uneurons.core.stats.ReferencePearson;
import org.uneurons.core.stats.Synthetic;
import org.uneurons.core.stats.TokenFilter;
import org.uneurons.core.testing.ToolRunner;
import org.uneurons.formats.FilterChoice;
import org.uneurons.formats.MomentsFile;
import org.uneurons.formats.TokenShard;
import org.uneurons.formats.testing.MomentsDiff;
import org.uneurons.formats.testing.TestActivations;
import org.uneurons.formats.testing.TestPartials;

class CorrelateToolTest {
    @TempDir
    Path dir;

    /** What extract records for a GPT-2 token shard: its filter (METHOD 1.4). */
    private static final Map<String, Object> GPT2 = Map.of("filter_ids", "198,50256");

    private Path[] files(Synthetic s, int[] ids) {
        Path a = TestActivations.write(dir.resolve("a.h5"), "model-a", "shard-0", s.a, s.dA, ids, GPT2);
        Path b = TestActivations.write(dir.resolve("b.h5"), "model-b", "shard-0", s.b, s.dB, ids, GPT2);
        return new Path[] {a, b};
    }

    /** The reference on the rows a filter keeps. */
    static double[][] filteredReference(Synthetic s, int[] ids, TokenFilter f) {
        int[] keep = f.keptRows(ids, 0, ids.length);
        float[][] a = new float[s.layersA][], b = new float[s.layersB][];
        for (int l = 0; l < s.layersA; l++) {
            a[l] = TokenFilter.select(s.a[l], s.dA, keep);
        }
        for (int l = 0; l < s.layersB; l++) {
            b[l] = TokenFilter.select(s.b[l], s.dB, keep);
        }
        return ReferencePearson.correlations(a, s.dA, b, s.dB, keep.length);
    }

    @Test
    void writesPartialMomentsThatMatchTheReferenceOnFilteredTokens() throws Exception {
        Synthetic s = Synthetic.adversarial(51, 640, 2, 6, 3, 5);
        int[] ids = TestActivations.gpt2LikeIds(s.tokens, 1);
        Path[] f = files(s, ids);
        Path out = dir.resolve("partial.h5");
        ToolRunner r = ToolRunner.run(new CorrelateTool(), "--a", f[0].toString(), "--b", f[1].toString(),
                "--output", out.toString(), "--gemm", "float64", "--batch-tokens", "100");
        assertEquals(0, r.exitCode, r.toString());
        PairMoments m = MomentsFile.read(out);
        MomentsFile.Header h = MomentsFile.readHeader(out);
        assertEquals("model-a", h.info().modelA());
        assertEquals("198,50256", h.info().filterIds());
        assertEquals(640, h.info().tokensRead());
        TokenFilter filter = new TokenFilter(50256, 198);
        assertEquals(filter.keptRows(ids, 0, ids.length).length, m.count());
        double err = ReferencePearson.maxAbsDiff(ReferencePearson.fromMoments(m), filteredReference(s, ids, filter));
        assertTrue(err <= 1e-9, "max |dr| " + err);
        assertTrue(r.stderr.contains("tokens kept after filtering"), r.stderr);
        try (var files = Files.list(dir)) {
            assertFalse(files.anyMatch(p -> p.getFileName().toString().contains(".tmp-")), "temporary file left behind");
        }
    }

    @Test
    void layerRangeAndExplicitFilter() {
        Synthetic s = Synthetic.adversarial(52, 320, 3, 4, 2, 5);
        int[] ids = TestActivations.gpt2LikeIds(s.tokens, 2);
        Path[] f = files(s, ids);
        Path out = dir.resolve("p.h5");
        ToolRunner r = ToolRunner.run(new CorrelateTool(), "--a", f[0].toString(), "--b", f[1].toString(),
                "--output", out.toString(), "--layers-a", "1-2", "--filter-ids", "198", "--gemm", "float32");
        assertEquals(0, r.exitCode, r.toString());
        PairMoments m = MomentsFile.read(out);
        assertEquals(1, m.shape().firstLayerA());
        assertEquals(2, m.shape().lastLayerA());
        double[][] ref = filteredReference(s, ids, new TokenFilter(198));
        double[][] got = ReferencePearson.fromMoments(m);
        double worst = 0;
        for (int i = 0; i < got.length; i++) {
            for (int j = 0; j < got[i].length; j++) {
                worst = Math.max(worst, Math.abs(got[i][j] - ref[s.dA + i][j]));
            }
        }
        assertTrue(worst <= 1e-4, "max |dr| " + worst);
    }

    @Test
    void float16ActivationFiles() {
        Synthetic s = Synthetic.independent(58, 300, 2, 4, 2, 3);
        int[] ids = TestActivations.gpt2LikeIds(s.tokens, 9);
        Path a = TestActivations.write(dir.resolve("a16.h5"), "model-a", "shard-0", s.a, s.dA, ids, GPT2,
                ActivationFile.Precision.FLOAT16);
        Path b = TestActivations.write(dir.resolve("b16.h5"), "model-b", "shard-0", s.b, s.dB, ids, GPT2,
                ActivationFile.Precision.FLOAT16);
        Path out = dir.resolve("p16.h5");
        ToolRunner r = ToolRunner.run(new CorrelateTool(), "--a", a.toString(), "--b", b.toString(),
                "--output", out.toString(), "--gemm", "float64");
        assertEquals(0, r.exitCode, r.toString());
        // the reference sees the float16-rounded values, as read back from the files
        float[][] ra = new float[s.layersA][], rb = new float[s.layersB][];
        try (ActivationFile.Reader fa = ActivationFile.Reader.open(a); ActivationFile.Reader fb = ActivationFile.Reader.open(b)) {
            for (int l = 0; l < s.layersA; l++) {
                ra[l] = fa.layer(ActivationFile.MLP_POST, l);
                assertTrue(ra[l][5] != s.a[l][5] || ra[l][6] != s.a[l][6], "float16 rounding expected");
            }
            for (int l = 0; l < s.layersB; l++) {
                rb[l] = fb.layer(ActivationFile.MLP_POST, l);
            }
        }
        Synthetic rounded = Synthetic.of(ra, s.dA, rb, s.dB, s.tokens);
        double err = ReferencePearson.maxAbsDiff(ReferencePearson.fromMoments(MomentsFile.read(out)),
                filteredReference(rounded, ids, new TokenFilter(50256, 198)));
        assertTrue(err <= 1e-9, "max |dr| " + err);
    }

    @Test
    void mismatchedTokenIdsAreRefused() {
        Synthetic s = Synthetic.adversarial(53, 64, 1, 3, 1, 3);
        int[] ids = TestActivations.gpt2LikeIds(s.tokens, 3);
        Path a = TestActivations.write(dir.resolve("a.h5"), "model-a", "shard-0", s.a, s.dA, ids, GPT2);
        int[] other = ids.clone();
        other[17] = 4242;
        Path b = TestActivations.write(dir.resolve("b.h5"), "model-b", "shard-1", s.b, s.dB, other, GPT2);
        Path out = dir.resolve("p.h5");
        ToolRunner r = ToolRunner.run(new CorrelateTool(), "--a", a.toString(), "--b", b.toString(), "--output", out.toString());
        assertEquals(1, r.exitCode);
        assertEquals("correlate: error: " + b + ": token_ids differ from " + a + " at row 17 (4242 vs " + ids[17]
                + "); both must be activations of the same token shard", r.errorLine());
        assertFalse(Files.exists(out));
    }

    /**
     * Activation files record the identity of their tokens (shard_sha256) and of their model's weights: files of
     * different tokens are refused by it, whatever their names; files of the same tokens give moments that record all
     * three hashes.
     */
    @Test
    void tokensAndModelsAreRecordedAndCheckedByContent() {
        Synthetic s = Synthetic.adversarial(55, 64, 1, 3, 1, 3);
        int[] ids = TestActivations.gpt2LikeIds(s.tokens, 3);
        String tokens = TestPartials.sha("shard-0 tokens"), other = TestPartials.sha("shard-1 tokens");
        String wa = TestPartials.sha("model-a weights"), wb = TestPartials.sha("model-b weights");
        Path a = TestActivations.write(dir.resolve("a.h5"), "model-a", "shard-0", s.a, s.dA, ids,
                Map.of("filter_ids", "198,50256", "model_sha256", wa, "shard_sha256", tokens));
        int[] otherIds = ids.clone();
        otherIds[17] = 4242;
        Path b = TestActivations.write(dir.resolve("b.h5"), "model-b", "shard-0", s.b, s.dB, otherIds,
                Map.of("filter_ids", "198,50256", "model_sha256", wb, "shard_sha256", other));
        Path out = dir.resolve("p.h5");
        ToolRunner r = ToolRunner.run(new CorrelateTool(), "--a", a.toString(), "--b", b.toString(), "--output", out.toString());
        assertEquals(1, r.exitCode);
        assertEquals("correlate: error: " + b + ": activations of other tokens than " + a + " (shard shard-0, sha256 "
                + other.substring(0, 12) + ", against shard shard-0, sha256 " + tokens.substring(0, 12) + "); both must be"
                + " activations of the same token shard", r.errorLine());
        assertFalse(Files.exists(out));

        Path b2 = TestActivations.write(dir.resolve("b2.h5"), "model-b", "shard-0", s.b, s.dB, ids,
                Map.of("filter_ids", "198,50256", "model_sha256", wb, "shard_sha256", tokens));
        r = ToolRunner.run(new CorrelateTool(), "--a", a.toString(), "--b", b2.toString(), "--output", out.toString());
        assertEquals(0, r.exitCode, r.toString());
        assertFalse(r.stderr.contains("warning"), r.stderr);
        MomentsFile.Header h = MomentsFile.readHeader(out);
        assertEquals(wa, h.info().modelASha256());
        assertEquals(wb, h.info().modelBSha256());
        assertEquals(List.of(tokens), h.info().shardSha256());

        // files of an earlier version: the token ids are compared, and each file gets a warning line
        Path old = TestActivations.write(dir.resolve("old.h5"), "model-b", "shard-0", s.b, s.dB, ids, GPT2);
        r = ToolRunner.run(new CorrelateTool(), "--a", a.toString(), "--b", old.toString(), "--output",
                dir.resolve("p2.h5").toString());
        assertEquals(0, r.exitCode, r.toString());
        assertTrue(r.stderr.contains("correlate: warning: " + old + ": no model_sha256 or shard_sha256 (written by an"
                + " earlier version); its model and tokens cannot be checked\n"), r.stderr);
    }

    @Test
    void differentTokenCountsAreRefused() {
        Synthetic s = Synthetic.adversarial(54, 64, 1, 3, 1, 3);
        int[] ids = TestActivations.gpt2LikeIds(64, 3);
        Path a = TestActivations.write(dir.resolve("a.h5"), "model-a", "shard-0", s.a, s.dA, ids, GPT2);
        Synthetic t = Synthetic.adversarial(54, 48, 1, 3, 1, 3);
        Path b = TestActivations.write(dir.resolve("b.h5"), "model-b", "shard-0", t.b, t.dB, java.util.Arrays.copyOf(ids, 48), GPT2);
        ToolRunner r = ToolRunner.run(new CorrelateTool(), "--a", a.toString(), "--b", b.toString(), "--output", dir.resolve("p.h5").toString());
        assertEquals(1, r.exitCode);
        assertEquals("correlate: error: " + b + ": has 48 tokens, " + a + " has 64; both must be activations of the same token shard",
                r.errorLine());
    }

    @Test
    void usageErrors() {
        ToolRunner r = ToolRunner.run(new CorrelateTool(), "--a", "x.h5", "--bogus");
        assertEquals(2, r.exitCode);
        assertEquals("correlate: error: unrecognized option: --bogus (see --help)", r.errorLine());

        Synthetic s = Synthetic.adversarial(55, 32, 2, 3, 1, 3);
        int[] ids = TestActivations.gpt2LikeIds(32, 4);
        Path[] f = files(s, ids);
        String out = dir.resolve("p.h5").toString();
        r = ToolRunner.run(new CorrelateTool(), "--a", f[0].toString(), "--b", f[1].toString(), "--output", out, "--layers-a", "x-1");
        assertEquals(2, r.exitCode);
        assertEquals("correlate: error: --layers-a expects FIRST-LAST or one layer (e.g. 0-5), got 'x-1'", r.errorLine());

        r = ToolRunner.run(new CorrelateTool(), "--a", f[0].toString(), "--b", f[1].toString(), "--output", out, "--layers-a", "1-2");
        assertEquals(1, r.exitCode);
        assertEquals("correlate: error: " + f[0] + ": --layers-a 1-2 is not within the model's layers 0-1", r.errorLine());

        r = ToolRunner.run(new CorrelateTool(), "--a", f[0].toString(), "--b", f[1].toString(), "--output", out,
                "--no-filter", "--filter-ids", "1");
        assertEquals(2, r.exitCode);
        assertEquals("correlate: error: --filter-ids and --no-filter exclude each other", r.errorLine());

        r = ToolRunner.run(new CorrelateTool(), "--a", f[0].toString(), "--b", f[1].toString(), "--output", out, "--gemm", "float16");
        assertEquals(2, r.exitCode);
        assertEquals("correlate: error: --gemm expects one of float64, float32, tf32, bf16, got 'float16'", r.errorLine());

        r = ToolRunner.run(new CorrelateTool(), "--a", dir.resolve("missing.h5").toString(), "--b", f[1].toString(), "--output", out);
        assertEquals(1, r.exitCode);
        assertEquals("correlate: error: " + dir.resolve("missing.h5") + ": no such file or directory (--a)", r.errorLine());
    }

    @Test
    void filesWithoutFilterIdsNeedAnExplicitFilter() {
        Synthetic s = Synthetic.adversarial(56, 32, 1, 3, 1, 3);
        int[] ids = TestActivations.gpt2LikeIds(32, 5);
        Path a = TestActivations.write(dir.resolve("a.h5"), "model-a", "shard-0", s.a, s.dA, ids, Map.of());
        Path b = TestActivations.write(dir.resolve("b.h5"), "model-b", "shard-0", s.b, s.dB, ids, Map.of());
        String out = dir.resolve("p.h5").toString();
        ToolRunner r = ToolRunner.run(new CorrelateTool(), "--a", a.toString(), "--b", b.toString(), "--output", out);
        assertEquals(1, r.exitCode);
        assertEquals("correlate: error: " + a + ": no filter_ids attribute (activation files from extract carry their"
                + " token shard's filter); pass --filter-ids (GPT-2: 50256,198) or --no-filter", r.errorLine());
        assertFalse(Files.exists(Path.of(out)));
        r = ToolRunner.run(new CorrelateTool(), "--a", a.toString(), "--b", b.toString(), "--output", out, "--no-filter");
        assertEquals(0, r.exitCode, r.toString());
        assertEquals(32, MomentsFile.read(Path.of(out)).count());
        r = ToolRunner.run(new CorrelateTool(), "--a", a.toString(), "--b", b.toString(), "--output", out,
                "--shard", "tokens.h5");
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("correlate: error: unrecognized option: --shard (see --help)", r.errorLine());
    }

    @Test
    void defaultFilterIsTheOneTheFilesCarry() {
        Synthetic s = Synthetic.adversarial(59, 48, 1, 3, 1, 3);
        int[] ids = new int[48];
        for (int t = 0; t < ids.length; t++) {
            ids[t] = t % 4 == 0 ? 0 : (t % 4 == 1 ? 2 : 100 + t);
        }
        // a non-GPT-2 vocabulary whose shard decided BOS 0 and EOS 2
        Map<String, Object> attrs = Map.of("filter_ids", "0,2");
        Path a = TestActivations.write(dir.resolve("a.h5"), "model-a", "shard-0", s.a, s.dA, ids, attrs);
        Path b = TestActivations.write(dir.resolve("b.h5"), "model-b", "shard-0", s.b, s.dB, ids, attrs);
        Path out = dir.resolve("p.h5");
        ToolRunner r = ToolRunner.run(new CorrelateTool(), "--a", a.toString(), "--b", b.toString(), "--output", out.toString());
        assertEquals(0, r.exitCode, r.toString());
        assertEquals("0,2", MomentsFile.readHeader(out).info().filterIds());
        assertEquals(24, MomentsFile.read(out).count());
        // files of two different shards' filters are not correlated
        Path b2 = TestActivations.write(dir.resolve("b2.h5"), "model-b", "shard-0", s.b, s.dB, ids,
                Map.of("filter_ids", "0"));
        r = ToolRunner.run(new CorrelateTool(), "--a", a.toString(), "--b", b2.toString(), "--output",
                dir.resolve("q.h5").toString());
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("correlate: error: " + b2 + ": filter_ids 0 differ from " + a + " (0,2); both must come from the"
                + " same token shard", r.errorLine());
    }

    @Test
    void remappedVocabularyFiltersItsOwnNewlineNotGpt2Ids() {
        // the demo corpus's shards: ids are ranks of GPT-2 ids, so GPT-2's 198 is an ordinary word there and the
        // newline is whichever id /vocab spells "\n" (here 3; "\n\n" at 5 is another token and is kept). The shard
        // decides its filter when written; extract carries it into the activation files.
        Synthetic s = Synthetic.adversarial(61, 40, 1, 3, 1, 3);
        int[] ids = new int[40];
        for (int t = 0; t < ids.length; t++) {
            ids[t] = t % 5 == 0 ? 0 : (t % 5 == 1 ? 3 : (t % 5 == 2 ? 5 : 198));
        }
        String[] vocab = new String[200];
        java.util.Arrays.fill(vocab, "w");
        vocab[0] = "<|endoftext|>";
        vocab[3] = "\n";
        vocab[5] = "\n\n";
        Path shard = dir.resolve("remapped.h5");
        TokenShard.write(shard, new int[][] {{0, 3, 5, 198}}, new TokenShard.Meta("gpt2-remap-199", 200, 0, 0, "test"),
                vocab);
        Map<String, Object> carried = Map.of("filter_ids", FilterChoice.describe(TokenShard.read(shard).filter()));
        Path a = TestActivations.write(dir.resolve("ra.h5"), "model-a", "shard-0", s.a, s.dA, ids, carried);
        Path b = TestActivations.write(dir.resolve("rb.h5"), "model-b", "shard-0", s.b, s.dB, ids, carried);
        Path out = dir.resolve("r.h5");
        ToolRunner r = ToolRunner.run(new CorrelateTool(), "--a", a.toString(), "--b", b.toString(), "--output",
                out.toString(), "--gemm", "float64");
        assertEquals(0, r.exitCode, r.toString());
        assertEquals("0,3", MomentsFile.readHeader(out).info().filterIds());
        assertEquals(24, MomentsFile.read(out).count()); // 8 BOS and 8 newlines of 40 dropped
        double err = ReferencePearson.maxAbsDiff(ReferencePearson.fromMoments(MomentsFile.read(out)),
                filteredReference(s, ids, new TokenFilter(0, 3)));
        assertTrue(err < 1e-9, "max |dr| " + err);
    }

    @Test
    void nonFiniteActivationsAreRefused() {
        Synthetic s = Synthetic.adversarial(57, 32, 1, 3, 1, 3);
        s.b[0][10 * 3 + 2] = Float.NaN;
        int[] ids = new int[32];
        java.util.Arrays.fill(ids, 7);
        Path[] f = files(s, ids);
        ToolRunner r = ToolRunner.run(new CorrelateTool(), "--a", f[0].toString(), "--b", f[1].toString(),
                "--output", dir.resolve("p.h5").toString());
        assertEquals(1, r.exitCode);
        assertEquals("correlate: error: " + f[1] + ": layer 0 has a non-finite activation (NaN) at token row 10, neuron 2;"
                + " expected finite activations", r.errorLine());
    }

    @Test
    void deviceAccumulatorWritesTheSamePartialAsTheHeap() {
        Synthetic s = Synthetic.adversarial(60, 640, 2, 6, 3, 5);
        int[] ids = TestActivations.gpt2LikeIds(s.tokens, 1);
        Path[] f = files(s, ids);
        Path heap = dir.resolve("heap.h5");
        Path device = dir.resolve("device.h5");
        ToolRunner r = ToolRunner.run(new CorrelateTool(), "--a", f[0].toString(), "--b", f[1].toString(),
                "--output", heap.toString(), "--gemm", "float64", "--batch-tokens", "100");
        assertEquals(0, r.exitCode, r.toString());
        assertTrue(r.stderr.contains("totals on the Java heap"), r.stderr);
        r = ToolRunner.run(new CorrelateTool(), "--a", f[0].toString(), "--b", f[1].toString(),
                "--output", device.toString(), "--gemm", "float64", "--batch-tokens", "77", "--accumulator", "device");
        assertEquals(0, r.exitCode, r.toString());
        assertTrue(r.stderr.contains("totals on device cpu"), r.stderr);
        MomentsDiff.Diff d = MomentsDiff.compare(heap, device); // asserts 1e-9 of each value's scale
        System.out.printf(java.util.Locale.ROOT, "staged heap vs staged device accumulator (cpu, float64): max |d|/scale"
                + " %.2e%n", d.scaled);
        double err = ReferencePearson.maxAbsDiff(ReferencePearson.fromMoments(MomentsFile.read(device)),
                filteredReference(s, ids, new TokenFilter(50256, 198)));
        assertTrue(err <= 1e-9, "max |dr| " + err);
        // float32 products on the device, within the heap engine's float32 bound
        Path device32 = dir.resolve("device32.h5");
        r = ToolRunner.run(new CorrelateTool(), "--a", f[0].toString(), "--b", f[1].toString(),
                "--output", device32.toString(), "--accumulator", "device");
        assertEquals(0, r.exitCode, r.toString());
        assertEquals("float32", MomentsFile.readHeader(device32).info().gemm());
        err = ReferencePearson.maxAbsDiff(ReferencePearson.fromMoments(MomentsFile.read(device32)),
                filteredReference(s, ids, new TokenFilter(50256, 198)));
        assertTrue(err <= 1e-4, "float32 max |dr| " + err);
    }

    @Test
    void deviceOptionErrors() {
        Synthetic s = Synthetic.adversarial(62, 32, 1, 3, 1, 3);
        Path[] f = files(s, TestActivations.gpt2LikeIds(32, 4));
        String out = dir.resolve("p.h5").toString();
        ToolRunner r = ToolRunner.run(new CorrelateTool(), "--a", f[0].toString(), "--b", f[1].toString(), "--output", out,
                "--accumulator", "gpu");
        assertEquals(2, r.exitCode);
        assertEquals("correlate: error: --accumulator expects one of heap, device, got 'gpu'", r.errorLine());
        r = ToolRunner.run(new CorrelateTool(), "--a", f[0].toString(), "--b", f[1].toString(), "--output", out,
                "--device", "gpu:x");
        assertEquals(2, r.exitCode);
        assertEquals("correlate: error: --device expects cpu, gpu or gpu:N, got 'gpu:x'", r.errorLine());
        org.junit.jupiter.api.Assumptions.assumeTrue(ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount() == 0,
                "a GPU is visible: the no-GPU error cannot be shown here");
        r = ToolRunner.run(new CorrelateTool(), "--a", f[0].toString(), "--b", f[1].toString(), "--output", out,
                "--device", "gpu");
        assertEquals(1, r.exitCode);
        assertEquals("correlate: error: --device gpu: no GPU is visible to PyTorch on this machine (this build has the"
                + " CPU-only PyTorch library); use --device cpu", r.errorLine());
        assertFalse(Files.exists(Path.of(out)));
    }

    @Test
    void tensorCorePrecisionsRunOnTheDeviceAccumulator() {
        Synthetic s = Synthetic.adversarial(63, 400, 2, 5, 2, 4);
        int[] ids = TestActivations.gpt2LikeIds(s.tokens, 2);
        Path[] f = files(s, ids);
        double[][] ref = filteredReference(s, ids, new TokenFilter(50256, 198));
        for (String p : new String[] {"tf32", "bf16"}) {
            Path out = dir.resolve(p + ".h5");
            // no --accumulator: tf32 and bf16 choose the device accumulator, emulated on the CPU device
            ToolRunner r = ToolRunner.run(new CorrelateTool(), "--a", f[0].toString(), "--b", f[1].toString(),
                    "--output", out.toString(), "--gemm", p, "--batch-tokens", "128");
            assertEquals(0, r.exitCode, r.toString());
            assertTrue(r.stderr.contains(p + " products") && r.stderr.contains("totals on device cpu"), r.stderr);
            assertEquals(p, MomentsFile.readHeader(out).info().gemm());
            double err = ReferencePearson.maxAbsDiff(ReferencePearson.fromMoments(MomentsFile.read(out)), ref);
            System.out.printf(java.util.Locale.ROOT, "correlate --gemm %s (emulated on cpu): max |dr| %.2e%n", p, err);
            assertTrue(err > 0 && err <= (p.equals("tf32") ? 2e-3 : 2e-2), p + " max |dr| " + err);
        }
        ToolRunner r = ToolRunner.run(new CorrelateTool(), "--a", f[0].toString(), "--b", f[1].toString(),
                "--output", dir.resolve("x.h5").toString(), "--gemm", "tf32", "--accumulator", "heap");
        assertEquals(2, r.exitCode);
        assertEquals("correlate: error: --gemm tf32 runs on a DJL device: use --accumulator device (the default for"
                + " tf32 and bf16; on --device cpu their rounding is emulated)", r.errorLine());
        r = ToolRunner.run(new CorrelateTool(), "--a", f[0].toString(), "--b", f[1].toString(),
                "--output", dir.resolve("x.h5").toString(), "--gemm", "fp16");
        assertEquals(2, r.exitCode);
        assertEquals("correlate: error: --gemm expects one of float64, float32, tf32, bf16, got 'fp16'", r.errorLine());
    }
}
