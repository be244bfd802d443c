package org.uneurons.chains;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import io.jhdf.HdfFile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.formats.ActivationFile;
import org.uneurons.core.stats.PaperHistogramTest;
import org.uneurons.core.testing.TestData;
import org.uneurons.core.testing.ToolRunner;
import org.uneurons.formats.NeuronStatsFile;
import org.uneurons.formats.StatsColumns;
import org.uneurons.models.ProcessedForward;
import org.uneurons.statsfinal.StatsFinalTool;
import org.uneurons.statspartial.StatsPartialTool;
import org.uneurons.universality.UniversalityTool;

/**
 * stats-partial into stats-final (and into universality), as the pipeline runs them: partials merged in any order equal
 * the two-pass float64 reference, and the statistics join the neuron table.
 */
class StatsChainTest {
    @TempDir
    Path dir;

    static final int LAYERS = 2;
    static final int D = 192; // gpt2-tiny's d_mlp
    static final int[] ROWS = {300, 1, 457};
    static final String[] SHARDS = {"shard.00002", "shard.00000", "shard.00001"};

    /** pre[shard][layer][row * D + j], post likewise. */
    float[][][] pre = new float[3][LAYERS][];
    float[][][] post = new float[3][LAYERS][];
    Path[] files = new Path[3];

    @BeforeEach
    void writeActivations() {
        SplittableRandom r = new SplittableRandom(9);
        for (int s = 0; s < 3; s++) {
            int n = ROWS[s];
            for (int l = 0; l < LAYERS; l++) {
                pre[s][l] = new float[n * D];
                post[s][l] = new float[n * D];
                for (int t = 0; t < n; t++) {
                    for (int j = 0; j < D; j++) {
                        double x = switch (j % 4) {
                            case 0 -> 50 + 1e-2 * r.nextGaussian();        // large mean, tiny spread
                            case 1 -> r.nextDouble() < 0.03 ? 2 + r.nextGaussian() : -1.5 + 0.1 * r.nextGaussian(); // sparse
                            case 2 -> j == 2 ? -0.05 : r.nextGaussian();   // neuron 2: constant just above the paper's edge
                            default -> Math.exp(r.nextGaussian()) - 1;
                        };
                        pre[s][l][t * D + j] = (float) x;
                        // ties in post (rounded to 1/8) exercise the top-k tie rule
                        post[s][l][t * D + j] = (float) (Math.round(ProcessedForward.geluTanh(x) * 8) / 8.0);
                    }
                }
            }
            int[] ids = new int[n];
            int[] pos = new int[n];
            for (int t = 0; t < n; t++) {
                ids[t] = t % 1000;
                pos[t] = t % 16;
            }
            files[s] = dir.resolve(SHARDS[s] + ".acts.h5");
            try (ActivationFile.Writer w = ActivationFile.Writer.create(files[s], new ActivationFile.Spec("gpt2-tiny",
                    SHARDS[s], LAYERS, D, ActivationFile.Precision.FLOAT32, List.of("mlp_post", "mlp_pre")))) {
                w.appendTokens(ids, pos);
                for (int l = 0; l < LAYERS; l++) {
                    w.append("mlp_post", l, post[s][l]);
                    w.append("mlp_pre", l, pre[s][l]);
                }
                w.finish();
            }
        }
    }

    private Path partial(int s) {
        Path out = dir.resolve("partial." + s + ".h5");
        ToolRunner r = ToolRunner.run(new StatsPartialTool(), "--activations", files[s].toString(), "--output",
                out.toString(), "--top-k", "5", "--batch-rows", "64");
        assertEquals(0, r.exitCode, r.toString());
        return out;
    }

    private Path finalFrom(String name, String... sources) {
        Path out = dir.resolve(name);
        List<String> argv = new ArrayList<>(List.of(sources));
        argv.addAll(List.of("--checkpoint", TestData.hf("gpt2-tiny").toString(), "--output", out.toString(),
                "--top-k", "5", "--threads", "1", "--batch-rows", "64"));
        ToolRunner r = ToolRunner.run(new StatsFinalTool(), argv.toArray(new String[0]));
        assertEquals(0, r.exitCode, r.toString());
        return out;
    }

    @Test
    void partialsMergedInAnyOrderMatchTheTwoPassReference() throws Exception {
        Path p0 = partial(0), p1 = partial(1), p2 = partial(2);
        Path a = finalFrom("a.h5", "--partial", p0.toString(), "--partial", p1.toString(), "--partial", p2.toString());
        Path b = finalFrom("b.h5", "--partial", p2.toString(), "--partial", p0.toString(), "--partial", p1.toString());
        Path c = finalFrom("c.h5", "--activations", files[1].toString(), "--activations", files[2].toString(),
                "--activations", files[0].toString());
        StatsColumns sa = NeuronStatsFile.readColumns(a);
        StatsColumns sb = NeuronStatsFile.readColumns(b);
        StatsColumns sc = NeuronStatsFile.readColumns(c);
        assertEquals("gpt2-tiny", sa.model());
        assertEquals(List.of("mean", "var", "skew", "kurt", "act_freq", "act_freq_paper", "mean_binned", "var_binned",
                "skew_binned", "kurt_binned", "act_freq_binned", "post_mean", "post_max", "w_in_norm", "w_out_norm",
                "input_bias", "in_out_sim", "l2_penalty", "vocab_mean", "vocab_var", "vocab_skew", "vocab_kurt"),
                List.copyOf(sa.columns().keySet()));
        long[] histA = NeuronStatsFile.readHistogram(a);
        assertArrayEquals(histA, NeuronStatsFile.readHistogram(b), "merged in any order: the same counts");
        assertArrayEquals(histA, NeuronStatsFile.readHistogram(c));
        float[] edges = PaperHistogramTest.referenceEdges();
        for (String col : sa.columns().keySet()) {
            // merged in shard-name order whatever the order given (and batched alike): the same bits
            assertArrayEquals(sa.columns().get(col), sb.columns().get(col), 0, col);
            assertArrayEquals(sa.columns().get(col), sc.columns().get(col), 0, col);
        }
        int total = Arrays.stream(ROWS).sum();
        for (int l = 0; l < LAYERS; l++) {
            for (int j = 0; j < D; j++) {
                int i = l * D + j;
                double[] x = new double[total];
                double[] y = new double[total];
                int at = 0;
                for (int s = 0; s < 3; s++) {
                    for (int t = 0; t < ROWS[s]; t++) {
                        x[at] = pre[s][l][t * D + j];
                        y[at++] = post[s][l][t * D + j];
                    }
                }
                double[] ref = org.uneurons.core.stats.CentralMomentsTest.reference(x);
                String where = "layer " + l + " neuron " + j;
                assertEquals(ref[0], sa.columns().get("mean")[i], 1e-12 * Math.max(1, Math.abs(ref[0])), where);
                if (j == 2) {
                    assertEquals(0.0, sa.columns().get("var")[i], where);   // constant: no NaN anywhere
                    assertEquals(0.0, sa.columns().get("skew")[i], where);
                    assertEquals(0.0, sa.columns().get("kurt")[i], where);
                } else {
                    assertEquals(ref[1], sa.columns().get("var")[i], 1e-9 * ref[1], where);
                    assertEquals(ref[2], sa.columns().get("skew")[i], 1e-8, where);
                    assertEquals(ref[3], sa.columns().get("kurt")[i], 1e-8, where);
                }
                // the paper's histogram: float16-rounded values binned by linear search over the reference edges
                long[] hist = new long[257];
                for (double v : x) {
                    hist[PaperHistogramTest.referenceBin(edges, (float) v)]++;
                }
                assertArrayEquals(hist, Arrays.copyOfRange(histA, i * 257, (i + 1) * 257), where);
                double[] binned = PaperHistogramTest.referenceMoments(hist);
                assertEquals(binned[0], sa.columns().get("mean_binned")[i], 1e-13 * Math.max(1, Math.abs(binned[0])), where);
                if (binned[1] == 0) {
                    // one occupied bin (neuron 2, constant; the neurons around 50, all beyond the last edge): variance
                    // 0, skew and kurtosis 0 as the exact columns have them for a constant neuron
                    assertTrue(j == 2 || j % 4 == 0, where);
                    for (String col : List.of("var_binned", "skew_binned", "kurt_binned")) {
                        assertEquals(0.0, sa.columns().get(col)[i], where + " " + col);
                    }
                } else {
                    assertEquals(binned[1], sa.columns().get("var_binned")[i], 1e-12 * binned[1], where);
                    assertEquals(binned[2], sa.columns().get("skew_binned")[i], 1e-10 * Math.max(1, Math.abs(binned[2])), where);
                    assertEquals(binned[3], sa.columns().get("kurt_binned")[i], 1e-10 * binned[3], where);
                }
                long active = Arrays.stream(hist, 102, 257).sum();
                assertEquals((double) active / total, sa.columns().get("act_freq_binned")[i], 1e-15, where);
                long pos = Arrays.stream(x).filter(v -> v > 0).count();
                // edge 101 of torch's float32 linspace(-10, 15, 256): bits 0xbdc8c8b3
                long paper = Arrays.stream(x).filter(v -> v > Float.intBitsToFloat(0xbdc8c8b3)).count();
                assertEquals((double) pos / total, sa.columns().get("act_freq")[i], 1e-15, where);
                assertEquals((double) paper / total, sa.columns().get("act_freq_paper")[i], 1e-15, where);
                assertEquals(Arrays.stream(y).sum() / total, sa.columns().get("post_mean")[i], 1e-12, where);
                assertEquals(Arrays.stream(y).max().getAsDouble(), sa.columns().get("post_max")[i], 0, where);
            }
        }
        // neuron 2 (constant -0.05) is above the paper's edge but not above 0
        assertEquals(1.0, sa.columns().get("act_freq_paper")[2]);
        assertEquals(1.0, sa.columns().get("act_freq_binned")[2]);
        assertEquals(0.0, sa.columns().get("act_freq")[2]);

        // top-k: the 5 largest post values, ties by (shard in name order, row)
        String[] sortedShards = SHARDS.clone();
        Arrays.sort(sortedShards);
        try (HdfFile h = new HdfFile(a)) {
            assertArrayEquals(sortedShards, (String[]) h.getDatasetByPath("shards").getData());
            double[][] tv = (double[][]) h.getDatasetByPath("top_values").getData();
            int[][] ts = (int[][]) h.getDatasetByPath("top_source").getData();
            long[][] tr = (long[][]) h.getDatasetByPath("top_rows").getData();
            for (int l = 0; l < LAYERS; l++) {
                for (int j = 0; j < D; j++) {
                    List<double[]> all = new ArrayList<>(); // value, shard rank, row
                    for (int s = 0; s < 3; s++) {
                        int rank = Arrays.asList(sortedShards).indexOf(SHARDS[s]);
                        for (int t = 0; t < ROWS[s]; t++) {
                            all.add(new double[] {post[s][l][t * D + j], rank, t});
                        }
                    }
                    all.sort((p, q) -> p[0] != q[0] ? Double.compare(q[0], p[0])
                            : p[1] != q[1] ? Double.compare(p[1], q[1]) : Double.compare(p[2], q[2]));
                    int i = l * D + j;
                    for (int k = 0; k < 5; k++) {
                        String where = "layer " + l + " neuron " + j + " top " + k;
                        assertEquals(all.get(k)[0], tv[i][k], 0, where);
                        assertEquals((int) all.get(k)[1], ts[i][k], where);
                        assertEquals((long) all.get(k)[2], tr[i][k], where);
                    }
                }
            }
        }
    }

    /** The statistics file joins the neuron table through the universality tool, percentiles and all. */
    @Test
    void universalityJoinsTheStatisticsFile() throws Exception {
        Path stats = finalFrom("stats.h5", "--activations", files[0].toString(), "--activations", files[2].toString());
        // a summary of gpt2-tiny against one other model "b" with one neuron in each of two layers: correlation 0.9
        // (every 10th neuron) or 0.1 with b's layer 0 and 0.05 with layer 1; a seed whose layer-0 baseline unit is
        // -1 times that neuron keeps the baseline at most 0.05, so every 10th neuron is universal
        long seed = 0;
        while (org.uneurons.core.stats.Rotations.matrix(org.uneurons.core.stats.Rotations.Kind.GAUSSIAN_ROWS, seed, 0, 0, 1)[0][0] != -1) {
            seed++;
        }
        int n = LAYERS * D;
        double[][][][] co = new double[LAYERS][2][D][1];
        for (int l = 0; l < LAYERS; l++) {
            for (int j = 0; j < D; j++) {
                co[l][0][j][0] = j % 10 == 0 ? 0.9 : 0.1;
                co[l][1][j][0] = 0.05;
            }
        }
        double[] ones = new double[n];
        Arrays.fill(ones, 1);
        org.uneurons.core.stats.PairMoments m = org.uneurons.core.stats.PairMoments.of(
                org.uneurons.core.stats.MomentShape.full(LAYERS, D, 2, 1), 10, new double[n], new double[2], ones,
                new double[] {1, 1}, co, new double[][][] {{{1}}, {{1}}});
        Path summary = dir.resolve("gpt2-tiny_b.h5");
        org.uneurons.formats.CorrelationSummaryFile.write(summary, new org.uneurons.formats.MomentsFile.Header(m.shape(),
                new org.uneurons.formats.MomentsFile.Info("gpt2-tiny", "b", List.of("s"), "none", "plain", 10), 10),
                org.uneurons.core.stats.RowSummaries.of(m, 1), List.of(org.uneurons.core.stats.Baselines.of(m,
                        org.uneurons.core.stats.Rotations.Kind.GAUSSIAN_ROWS, seed, 1, new org.uneurons.core.stats.PlainGemm(), null)),
                null);
        Path out = dir.resolve("table");
        ToolRunner r = ToolRunner.run(new UniversalityTool(), "--summary", summary.toString(),
                "--stats", stats.toString(), "--outdir", out.toString());
        assertEquals(0, r.exitCode, r.toString());
        List<String> lines = Files.readAllLines(out.resolve("neurons.csv"));
        List<String> header = List.of(lines.get(0).split(","));
        StatsColumns sc = NeuronStatsFile.readColumns(stats);
        assertEquals(n + 1, lines.size());
        for (String col : sc.columns().keySet()) {
            int c = header.indexOf(col);
            assertTrue(c >= 0, col + " joined");
            for (int row = 0; row < n; row += 37) {
                assertEquals(sc.columns().get(col)[row], Double.parseDouble(lines.get(row + 1).split(",")[c]), 0, col);
            }
        }
        List<String> pct = Files.readAllLines(out.resolve("percentiles.csv"));
        for (String metric : List.of("act_freq", "mean", "skew", "kurt", "input_bias", "in_out_sim", "l2_penalty", "vocab_kurt")) {
            assertTrue(pct.stream().anyMatch(s -> s.startsWith(metric + ",all,") && s.endsWith("," + (2 * 20))),
                    metric + " over all layers, 40 universal neurons: " + pct);
        }
        // two statistics files for one model are refused
        r = ToolRunner.run(new UniversalityTool(), "--summary", summary.toString(),
                "--stats", stats.toString(), "--stats", stats.toString(), "--outdir", out.toString());
        assertEquals(1, r.exitCode);
        assertEquals("universality: error: " + stats + ": a second statistics file for model 'gpt2-tiny' (first: " + stats + ")",
                r.errorLine());
    }
}
