package org.uneurons.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.Dataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.stats.ActivationStats;
import org.uneurons.core.stats.PaperHistogram;

/**
 * The partial and final statistics files keep the paper's histogram ({@code /pre_hist} int64 [N, 257]) and the count
 * of unknown tokens left out, exactly as accumulated; a partial of format 1 (no histogram) is refused with a clear
 * message, a final file of format 1 still gives its columns.
 */
class StatsFilesTest {
    @TempDir
    Path tmp;

    static final int LAYERS = 2;
    static final int D = 5;

    /** Statistics of 300 rows with wide-spread values (every bin used somewhere) and 7 tokens left out. */
    static ActivationStats stats(String shard, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        ActivationStats s = new ActivationStats("m", LAYERS, D, 3);
        int src = s.beginShard(shard, "test");
        int rows = 300;
        for (int l = 0; l < LAYERS; l++) {
            float[] pre = new float[rows * D], post = new float[rows * D];
            for (int i = 0; i < pre.length; i++) {
                pre[i] = (float) (r.nextDouble(-11, 16) * (i % D == 0 ? 1 : 0.3) + (i % D == 4 ? 1e5 : 0));
                post[i] = Math.max(0, pre[i]);
            }
            s.addPre(l, pre, rows);
            s.addPost(l, post, rows, src, 0, "test");
        }
        s.skipUnknown(7);
        return s;
    }

    @Test
    void partialFilesRoundTripTheHistogramAndTheSkippedCount() throws Exception {
        ActivationStats s = stats("s0", 1);
        Path f = tmp.resolve("p.h5");
        PartialStatsFile.write(f, s);
        ActivationStats got = PartialStatsFile.read(f);
        assertArrayEquals(s.preHist(), got.preHist());
        assertEquals(7, got.skippedUnknown());
        assertEquals(300, got.tokens());
        assertArrayEquals(s.countPaper(), got.countPaper());
        assertEquals(PaperHistogram.BINS * LAYERS * D, got.preHist().length);
        try (HdfFile h = new HdfFile(f)) {
            Dataset d = h.getDatasetByPath("pre_hist");
            assertArrayEquals(new int[] {LAYERS * D, 257}, d.getDimensions());
            assertEquals(long.class, d.getJavaType());
            long[][] rows = (long[][]) d.getData();
            assertEquals(s.preHist()[3 * 257 + 100], rows[3][100]);
            assertEquals(300, java.util.Arrays.stream(rows[9]).sum(), "neuron 9 (1e5 + ...): every token, last bin");
            assertEquals(300, rows[9][256]);
            assertEquals("uneurons-neuron-stats-partial/2", h.getAttribute("format").getData());
            assertEquals(7L, ((Number) h.getAttribute("skipped_unknown").getData()).longValue());
        }
        // merged after reading: the histogram adds up exactly
        ActivationStats merged = PartialStatsFile.read(f);
        merged.merge(PartialStatsFile.read(write("q.h5", stats("s1", 2))), "test");
        ActivationStats other = stats("s1", 2);
        for (int i = 0; i < s.preHist().length; i++) {
            assertEquals(s.preHist()[i] + other.preHist()[i], merged.preHist()[i]);
        }
        assertEquals(14, merged.skippedUnknown());
    }

    private Path write(String name, ActivationStats s) {
        Path f = tmp.resolve(name);
        PartialStatsFile.write(f, s);
        return f;
    }

    @Test
    void aPartialOfFormat1IsRefusedClearly() {
        Path f = tmp.resolve("old.h5");
        try (WritableHdfFile h = HdfFile.write(f)) {
            h.putAttribute("format", "uneurons-neuron-stats-partial/1");
        }
        String msg = assertThrows(InputException.class, () -> PartialStatsFile.read(f)).getMessage();
        assertEquals(f + ": partial statistics of format uneurons-neuron-stats-partial/1, written before the paper's"
                + " histogram (/pre_hist) was kept; make them again with this version's stats-partial or"
                + " correlate-fused --stats-model", msg);
        assertEquals(msg, assertThrows(InputException.class, () -> PartialStatsFile.readHeader(f)).getMessage());
    }

    @Test
    void finalFilesKeepTheHistogramTheEdgesAndTheSkippedCount() throws Exception {
        ActivationStats s = stats("s0", 3);
        Map<String, double[]> columns = s.columns();
        Path f = tmp.resolve("stats.h5");
        NeuronStatsFile.write(f, s, columns, "ckpt");
        assertArrayEquals(s.preHist(), NeuronStatsFile.readHistogram(f));
        StatsColumns c = NeuronStatsFile.readColumns(f);
        assertEquals(List.copyOf(columns.keySet()), List.copyOf(c.columns().keySet()));
        for (String col : List.of("mean_binned", "var_binned", "skew_binned", "kurt_binned", "act_freq_binned")) {
            assertArrayEquals(columns.get(col), c.columns().get(col), 0, col);
        }
        try (HdfFile h = new HdfFile(f)) {
            assertEquals("uneurons-neuron-stats/2", h.getAttribute("format").getData());
            assertEquals(7L, ((Number) h.getAttribute("skipped_unknown").getData()).longValue());
            assertEquals(300L, ((Number) h.getAttribute("n_tokens").getData()).longValue());
            float[] edges = (float[]) h.getDatasetByPath("pre_hist_edges").getData();
            assertArrayEquals(PaperHistogram.edges(), edges, 0);
            assertEquals(Float.intBitsToFloat(0xbdc8c8b3), edges[101]);
            assertArrayEquals(new int[] {LAYERS * D, 257}, h.getDatasetByPath("pre_hist").getDimensions());
        }
    }

    @Test
    void aFinalFileOfFormat1StillGivesItsColumns() {
        Path f = tmp.resolve("old-stats.h5");
        try (WritableHdfFile h = HdfFile.write(f)) {
            h.putAttribute("format", "uneurons-neuron-stats/1");
            h.putAttribute("model", "m");
            h.putAttribute("n_layers", 1);
            h.putAttribute("d_mlp", 2);
            h.putAttribute("columns", "kurt");
            h.putDataset("layer", new int[] {0, 0});
            h.putDataset("neuron", new int[] {0, 1});
            h.putDataset("kurt", new double[] {3, 4});
        }
        assertArrayEquals(new double[] {3, 4}, NeuronStatsFile.readColumns(f).columns().get("kurt"), 0);
        assertEquals(f + ": no /pre_hist (statistics of format uneurons-neuron-stats/1, written before the histogram"
                + " was kept)", assertThrows(InputException.class, () -> NeuronStatsFile.readHistogram(f)).getMessage());
    }
}
