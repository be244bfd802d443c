package org.uneurons.finalise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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
import org.uneurons.formats.CorrelationSummaryFile;
import org.uneurons.formats.MomentsFile;
import org.uneurons.formats.PairSummary;
import org.uneurons.formats.testing.TestActivations;
import org.uneurons.formats.testing.TestPartials;

/** finalise on moments made without correlate ({@link TestPartials}): summaries and seeded baselines, bad inputs. */
class FinaliseToolTest {
    @TempDir
    Path dir;

    /** Partial moments of rows from..to of the synthetic data as shard {@code name}, GPT-2's filter. */
    private Path partial(Synthetic s, int[] ids, int from, int to, String name) {
        return TestPartials.write(dir.resolve(name + ".moments.h5"), s, ids, from, to, name, TestPartials.gpt2());
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
        // the pair's own draw: the run's seed 77 mixed with the model names the moments carry
        Baselines wantG = Baselines.forPair(m, Rotations.Kind.GAUSSIAN_ROWS, 77, "model-a", "model-b", 2, new PlainGemm(), null);
        Baselines wantH = Baselines.forPair(m, Rotations.Kind.HAAR, 77, "model-a", "model-b", 2, new PlainGemm(), null);
        try (HdfFile f = new HdfFile(out)) {
            assertTrue(Arrays.equals(want.max, (double[]) f.getDatasetByPath("/max_corr").getData()));
            assertTrue(Arrays.equals(want.maxLayer, (int[]) f.getDatasetByPath("/max_layer").getData()));
            assertTrue(Arrays.equals(want.maxNeuron, (int[]) f.getDatasetByPath("/max_neuron").getData()));
            assertTrue(Arrays.equals(want.min, (double[]) f.getDatasetByPath("/min_r_over_b").getData()));
            assertTrue(Arrays.equals(want.mean, (double[]) f.getDatasetByPath("/mean_r_over_b").getData()));
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
            assertEquals(Rotations.pairSeed(77, "model-a", "model-b"),
                    ((Number) f.getByPath("/baseline/haar").getAttribute("pair_seed").getData()).longValue());
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
    void layerBlocksJoinIntoTheSummaryOfAllLayers() {
        Synthetic s = Synthetic.adversarial(65, 300, 4, 5, 2, 6);
        int[] ids = TestActivations.gpt2LikeIds(s.tokens, 8);
        List<Path> moments = List.of(
                TestPartials.write(dir.resolve("whole.h5"), s, ids, 0, 300, "s0", TestPartials.gpt2()),
                TestPartials.write(dir.resolve("b3.h5"), s, ids, 0, 300, "s0", TestPartials.gpt2(), 3, 3),
                TestPartials.write(dir.resolve("b0.h5"), s, ids, 0, 300, "s0", TestPartials.gpt2(), 0, 0),
                TestPartials.write(dir.resolve("b1.h5"), s, ids, 0, 300, "s0", TestPartials.gpt2(), 1, 2));
        List<PairSummary> summaries = new ArrayList<>();
        for (Path m : moments) {
            Path out = dir.resolve("summary-" + m.getFileName());
            ToolRunner r = ToolRunner.run(new FinaliseTool(), "--input", m.toString(), "--output", out.toString(),
                    "--baseline-seed", "5", "--baseline-samples", "2");
            assertEquals(0, r.exitCode, r.toString());
            summaries.add(CorrelationSummaryFile.read(out, "gaussian-rows"));
        }
        PairSummary whole = summaries.get(0);
        PairSummary joined = PairSummary.join(summaries.subList(1, 4));
        assertEquals(whole.rows(), joined.rows());
        // the same bits: each block's maxima and baselines are those of its rows in the whole
        assertArrayEquals(whole.maxCorr(), joined.maxCorr());
        assertArrayEquals(whole.maxLayer(), joined.maxLayer());
        assertArrayEquals(whole.maxNeuron(), joined.maxNeuron());
        assertArrayEquals(whole.baseline(), joined.baseline());
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
