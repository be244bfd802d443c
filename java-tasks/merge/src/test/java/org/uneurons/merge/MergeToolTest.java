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

import io.jhdf.HdfFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.stats.Baselines;
import org.uneurons.core.stats.PairMoments;
import org.uneurons.core.stats.PlainGemm;
import org.uneurons.core.stats.ReferencePearson;
import org.uneurons.core.stats.RowSummaries;
import org.uneurons.core.stats.Rotations;
import org.uneurons.core.stats.Synthetic;
import org.uneurons.core.testing.ToolRunner;
import org.uneurons.correlate.CorrelateTool;
import org.uneurons.correlate.MomentsFile;
import org.uneurons.correlate.TestActivations;

class MergeToolTest {
    @TempDir
    Path dir;

    private static final Map<String, Object> GPT2 = Map.of("tokenizer", "gpt2");

    /** Runs correlate on rows from..to of the synthetic data as shard {@code name}; returns the partial. */
    private Path partial(Synthetic s, int[] ids, int from, int to, String name, String... extra) {
        float[][] a = Synthetic.rows(s.a, s.dA, from, to);
        float[][] b = Synthetic.rows(s.b, s.dB, from, to);
        int[] sid = Arrays.copyOfRange(ids, from, to);
        Path fa = TestActivations.write(dir.resolve(name + ".a.h5"), "model-a", name, a, s.dA, sid, GPT2);
        Path fb = TestActivations.write(dir.resolve(name + ".b.h5"), "model-b", name, b, s.dB, sid, GPT2);
        Path out = dir.resolve(name + ".moments.h5");
        List<String> argv = new ArrayList<>(List.of("--a", fa.toString(), "--b", fb.toString(), "--output", out.toString(),
                "--gemm", "float64", "--batch-tokens", "64"));
        argv.addAll(List.of(extra));
        ToolRunner r = ToolRunner.run(new CorrelateTool(), argv.toArray(new String[0]));
        assertEquals(0, r.exitCode, r.toString());
        return out;
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

    @Test
    void partialsFromTheDeviceAccumulatorMergeAndFinaliseAsTheHeapOnes() {
        Synthetic s = Synthetic.adversarial(64, 360, 2, 5, 2, 4);
        int[] ids = TestActivations.gpt2LikeIds(s.tokens, 9);
        Path whole = partial(s, ids, 0, 360, "all");
        // shards from the device accumulator (CPU engine), one from the heap: one merge takes them all
        Path[] parts = {partial(s, ids, 0, 1, "d0", "--accumulator", "device"),
                partial(s, ids, 1, 200, "d1", "--accumulator", "device", "--device", "cpu"),
                partial(s, ids, 200, 360, "h2")};
        Path merged = dir.resolve("merged-device.h5");
        ToolRunner r = ToolRunner.run(new MergeTool(), "--input", parts[0] + "," + parts[1] + "," + parts[2],
                "--output", merged.toString());
        assertEquals(0, r.exitCode, r.toString());
        PairMoments m = MomentsFile.read(merged);
        assertEquals(MomentsFile.read(whole).count(), m.count());
        double err = ReferencePearson.maxAbsDiff(ReferencePearson.fromMoments(m),
                ReferencePearson.fromMoments(MomentsFile.read(whole)));
        System.out.printf(Locale.ROOT, "merge of device-accumulator partials vs one heap pass: max |dr| = %.3e%n", err);
        assertTrue(err <= 1e-9, "max |dr| " + err);
        Path summary = dir.resolve("summary-device.h5");
        r = ToolRunner.run(new FinaliseTool(), "--input", parts[1].toString(), "--output", summary.toString(),
                "--top-k", "2", "--baseline", "both");
        assertEquals(0, r.exitCode, r.toString());
        RowSummaries want = RowSummaries.of(MomentsFile.read(parts[1]), 2);
        try (HdfFile f = new HdfFile(summary)) {
            assertTrue(Arrays.equals(want.max, (double[]) f.getDatasetByPath("/max_corr").getData()));
        }
    }

    @Test
    void refusesBadInputs() {
        Synthetic s = Synthetic.adversarial(62, 96, 2, 5, 2, 4);
        int[] ids = TestActivations.gpt2LikeIds(s.tokens, 7);
        Path p0 = partial(s, ids, 0, 48, "s0");
        Path p1 = partial(s, ids, 48, 96, "s1");
        Path range = partial(s, ids, 48, 96, "s2", "--layers-a", "1");
        Path unfiltered = partial(s, ids, 48, 96, "s3", "--no-filter");
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

        r = ToolRunner.run(new MergeTool(), "--input", dir.resolve("s0.a.h5").toString(), "--output", out);
        assertEquals(1, r.exitCode);
        assertEquals("merge: error: " + dir.resolve("s0.a.h5") + ": not a moments file from correlate (format attribute is"
                + " missing, expected uneurons-pair-moments/1)", r.errorLine());

        r = ToolRunner.run(new MergeTool(), "--input", p0.toString(), "--output", out, "--frobnicate");
        assertEquals(2, r.exitCode);
        assertEquals("merge: error: unrecognized option: --frobnicate (see --help)", r.errorLine());
        assertFalse(Files.exists(Path.of(out)));
    }

    @Test
    void finaliseWritesSummariesAndSeededBaselines() {
        Synthetic s = Synthetic.adversarial(63, 400, 2, 6, 2, 5);
        int[] ids = TestActivations.gpt2LikeIds(s.tokens, 8);
        Path p = partial(s, ids, 0, 400, "s0");
        Path out = dir.resolve("summary.h5");
        ToolRunner r = ToolRunner.run(new FinaliseTool(), "--input", p.toString(), "--output", out.toString(),
                "--top-k", "3", "--baseline", "both", "--baseline-seed", "77", "--baseline-samples", "2", "--full-matrix");
        assertEquals(0, r.exitCode, r.toString());
        PairMoments m = MomentsFile.read(p);
        RowSummaries want = RowSummaries.of(m, 3);
        Baselines wantG = Baselines.of(m, Rotations.Kind.GAUSSIAN_ROWS, 77, 2, new PlainGemm(), null);
        Baselines wantH = Baselines.of(m, Rotations.Kind.HAAR, 77, 2, new PlainGemm(), null);
        try (HdfFile f = new HdfFile(out)) {
            assertTrue(Arrays.equals(want.max, (double[]) f.getDatasetByPath("/max_corr").getData()));
            assertTrue(Arrays.equals(want.maxLayer, (int[]) f.getDatasetByPath("/max_layer").getData()));
            assertTrue(Arrays.equals(want.maxNeuron, (int[]) f.getDatasetByPath("/max_neuron").getData()));
            assertTrue(Arrays.equals(want.min, (double[]) f.getDatasetByPath("/min_corr").getData()));
            assertTrue(Arrays.equals(want.mean, (double[]) f.getDatasetByPath("/mean_corr").getData()));
            assertTrue(Arrays.deepEquals(want.topIndices, (int[][]) f.getDatasetByPath("/top_indices").getData()));
            assertTrue(Arrays.deepEquals(want.topValues, (double[][]) f.getDatasetByPath("/top_values").getData()));
            double[][] g = (double[][]) f.getDatasetByPath("/baseline/gaussian-rows/max").getData();
            double[][] hq = (double[][]) f.getDatasetByPath("/baseline/haar/max").getData();
            for (int k = 0; k < 2; k++) {
                for (int i = 0; i < g[k].length; i++) {
                    assertEquals(wantG.max[k][i], g[k][i], 1e-12);
                    assertEquals(wantH.max[k][i], hq[k][i], 1e-12);
                }
            }
            assertEquals(77L, ((Number) f.getByPath("/baseline/haar").getAttribute("seed").getData()).longValue());
            float[][] block = (float[][]) f.getDatasetByPath("/correlation/1/0").getData();
            double[][] ref = ReferencePearson.fromMoments(m);
            assertEquals(ref[6 + 2][3], block[2][3], 1e-6);
            assertEquals(m.count(), ((Number) f.getAttribute("n_tokens").getData()).longValue());
        }
        // same seed, same numbers; another seed, other numbers
        Path again = dir.resolve("again.h5");
        assertEquals(0, ToolRunner.run(new FinaliseTool(), "--input", p.toString(), "--output", again.toString(),
                "--baseline", "gaussian-rows", "--baseline-seed", "78", "--baseline-samples", "2").exitCode);
        try (HdfFile f = new HdfFile(again)) {
            double[][] g = (double[][]) f.getDatasetByPath("/baseline/gaussian-rows/max").getData();
            assertFalse(Arrays.equals(wantG.max[0], g[0]));
        }
    }

    @Test
    void finaliseRefusesTooFewTokens() {
        Synthetic s = Synthetic.adversarial(64, 16, 1, 3, 1, 3);
        int[] ids = new int[16];
        Arrays.fill(ids, 198);
        ids[3] = 5;
        Path p = partial(s, ids, 0, 16, "s0");
        ToolRunner r = ToolRunner.run(new FinaliseTool(), "--input", p.toString(), "--output", dir.resolve("x.h5").toString());
        assertEquals(1, r.exitCode);
        assertEquals("finalise: error: " + p + ": moments of 1 tokens; correlations need at least 2 (were all tokens"
                + " filtered out?)", r.errorLine());
        r = ToolRunner.run(new FinaliseTool(), "--input", p.toString(), "--output", dir.resolve("x.h5").toString(), "--baseline", "rotation");
        assertEquals(2, r.exitCode);
        assertEquals("finalise: error: --baseline expects one of gaussian-rows, haar, both, none, got 'rotation'", r.errorLine());
    }
}
