package org.uneurons.chains;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.stats.ActivationStats;
import org.uneurons.core.stats.CentralMomentsTest;
import org.uneurons.core.stats.PaperHistogramTest;
import org.uneurons.core.stats.TokenFilter;
import org.uneurons.core.stats.TopK;
import org.uneurons.core.testing.ToolRunner;
import org.uneurons.correlatefused.CorrelateFusedTool;
import org.uneurons.extract.ExtractTool;
import org.uneurons.formats.ActivationFile;
import org.uneurons.formats.PartialStatsFile;
import org.uneurons.formats.TokenShard;
import org.uneurons.models.ThreeModels;
import org.uneurons.statsfinal.StatsFinalTool;
import org.uneurons.statspartial.StatsPartialTool;

/**
 * The demo corpus's unknown id is not a token to study: when a shard's filter_ids drops its unk_id, the statistics of
 * stats-partial (on extracted activations) and of correlate-fused (in its pass) leave those tokens out, equal a plain
 * float64 reference over the other tokens (top activations at the shards' own rows) and equal each other; with the
 * unknown id kept by filter_ids, every token counts; a shard of unknown tokens only gives statistics of no token,
 * which stats-final refuses clearly. Random GPT-2 checkpoint m3 (3 layers x 48 neurons), vocabulary 60, unknown 59.
 */
class UnknownTokensStatsTest {
    static final int UNK = ThreeModels.VOCAB - 1;
    static final int CTX = ThreeModels.CTX;
    static final int K = 5;

    @TempDir
    static Path dir;
    static Path m1;
    static Path m3;

    @BeforeAll
    static void models() {
        List<Path> c = ThreeModels.write(dir).checkpoints();
        m1 = c.get(0);
        m3 = c.get(2);
    }

    /** {@code seqs} rows of BOS 0 then ids of which about a quarter are the unknown id (all of them with allUnk). */
    static Path shard(String name, int seqs, long seed, TokenFilter filter, boolean allUnk) {
        Random r = new Random(seed);
        int[][] t = new int[seqs][CTX];
        for (int s = 0; s < seqs; s++) {
            for (int i = 0; i < CTX; i++) {
                t[s][i] = allUnk ? UNK : i == 0 ? 0 : r.nextInt(4) == 0 ? UNK : 2 + r.nextInt(UNK - 2);
            }
        }
        Path f = dir.resolve(name);
        TokenShard.write(f, t, new TokenShard.Meta("test-ids", ThreeModels.VOCAB, 0, 1, "random"), null, filter, UNK);
        return f;
    }

    static Path extract(Path shard) {
        Path out = dir.resolve("acts-" + shard.getFileName());
        ToolRunner r = ToolRunner.run(new ExtractTool(), "--checkpoint", m3.toString(), "--shard", shard.toString(),
                "--output", out.toString(), "--batch-size", "2", "--hooks", "mlp_post,mlp_pre");
        assertEquals(0, r.exitCode, r.toString());
        return out;
    }

    /** stats-partial's stderr of the last {@link #statsPartial}. */
    static String lastStderr;

    static Path statsPartial(String name, List<Path> acts) {
        Path out = dir.resolve(name);
        List<String> argv = new ArrayList<>(List.of("--output", out.toString(), "--top-k", String.valueOf(K),
                "--batch-rows", "24"));
        acts.forEach(a -> argv.addAll(List.of("--activations", a.toString())));
        ToolRunner r = ToolRunner.run(new StatsPartialTool(), argv.toArray(String[]::new));
        assertEquals(0, r.exitCode, r.toString());
        lastStderr = r.stderr;
        return out;
    }

    /** correlate-fused m1 x m3 over the shards with m3's statistics; returns m3's partial statistics. */
    static Path fused(String chunk, List<Path> shards, String... extra) {
        Path out = dir.resolve("fused-" + chunk);
        List<String> argv = new ArrayList<>(List.of("--checkpoints", m1 + "," + m3, "--pairs", "anchor", "--outdir",
                out.toString(), "--gemm", "float64", "--batch-size", "2", "--chunk", chunk, "--stats-model", "m3",
                "--stats-top-k", String.valueOf(K)));
        argv.addAll(List.of(extra));
        shards.forEach(s -> argv.addAll(List.of("--shard", s.toString())));
        ToolRunner r = ToolRunner.run(new CorrelateFusedTool(), argv.toArray(String[]::new));
        assertEquals(0, r.exitCode, r.toString());
        return out.resolve("m3." + chunk + ".stats-partial.h5");
    }

    /** The plain reference over the activation files' rows whose token is not {@code skipId} (-1: every row). */
    record Reference(long tokens, long skipped, double[][] exact, long[][] hist, double[][] post, double[][] topValues,
                     long[][] topSources, long[][] topRows) {
    }

    static Reference reference(List<Path> acts, int skipId) {
        List<List<float[]>> pre = new ArrayList<>(), post = new ArrayList<>();
        List<int[]> ids = new ArrayList<>();
        int layers, d;
        try (ActivationFile.Reader r = ActivationFile.Reader.open(acts.get(0))) {
            layers = r.nLayers();
            d = r.dMlp();
        }
        for (Path a : acts) {
            try (ActivationFile.Reader r = ActivationFile.Reader.open(a)) {
                ids.add(r.tokenIds());
                List<float[]> p = new ArrayList<>(), q = new ArrayList<>();
                for (int l = 0; l < layers; l++) {
                    p.add(r.layer("mlp_pre", l));
                    q.add(r.layer("mlp_post", l));
                }
                pre.add(p);
                post.add(q);
            }
        }
        float[] edges = PaperHistogramTest.referenceEdges();
        int n = layers * d;
        long tokens = 0, skipped = 0;
        for (int[] f : ids) {
            for (int id : f) {
                if (id == skipId) {
                    skipped++;
                } else {
                    tokens++;
                }
            }
        }
        double[][] exact = new double[n][];
        long[][] hist = new long[n][257];
        double[][] postStats = new double[n][];
        double[][] tv = new double[n][K];
        long[][] ts = new long[n][K], tr = new long[n][K];
        for (int l = 0; l < layers; l++) {
            for (int j = 0; j < d; j++) {
                int i = l * d + j;
                double[] x = new double[(int) tokens];
                long pos = 0, paper = 0;
                double sum = 0, max = Double.NEGATIVE_INFINITY;
                List<double[]> top = new ArrayList<>(); // value, source, row
                int at = 0;
                for (int f = 0; f < acts.size(); f++) {
                    for (int t = 0; t < ids.get(f).length; t++) {
                        if (ids.get(f)[t] == skipId) {
                            continue;
                        }
                        float v = pre.get(f).get(l)[t * d + j];
                        float y = post.get(f).get(l)[t * d + j];
                        x[at++] = v;
                        pos += v > 0 ? 1 : 0;
                        paper += v > Float.intBitsToFloat(0xbdc8c8b3) ? 1 : 0;
                        hist[i][PaperHistogramTest.referenceBin(edges, v)]++;
                        sum += y;
                        max = Math.max(max, y);
                        top.add(new double[] {y, f, t});
                    }
                }
                double[] m = CentralMomentsTest.reference(x);
                exact[i] = new double[] {m[0], m[1], m[2], m[3], (double) pos / tokens, (double) paper / tokens};
                postStats[i] = new double[] {sum / tokens, max};
                top.sort((p, q) -> p[0] != q[0] ? Double.compare(q[0], p[0])
                        : p[1] != q[1] ? Double.compare(p[1], q[1]) : Double.compare(p[2], q[2]));
                for (int k = 0; k < K; k++) {
                    tv[i][k] = top.get(k)[0];
                    ts[i][k] = (long) top.get(k)[1];
                    tr[i][k] = (long) top.get(k)[2];
                }
            }
        }
        return new Reference(tokens, skipped, exact, hist, postStats, tv, ts, tr);
    }

    /** Statistics (read from a partial file) against the reference: counts exactly, moments to rounding. */
    static void check(Reference want, ActivationStats got, String what) {
        assertEquals(want.tokens(), got.tokens(), what + ": tokens counted");
        assertEquals(want.skipped(), got.skippedUnknown(), what + ": tokens left out");
        Map<String, double[]> c = got.columns();
        TopK.Sorted top = got.top().sorted();
        String[] exactCols = {"mean", "var", "skew", "kurt", "act_freq", "act_freq_paper"};
        for (int i = 0; i < want.exact().length; i++) {
            String where = what + " neuron " + i;
            for (int k = 0; k < exactCols.length; k++) {
                double w = want.exact()[i][k];
                double tol = k == 1 ? 1e-9 * w : k < 4 ? 1e-8 * Math.max(1, Math.abs(w)) : 1e-15;
                assertEquals(w, c.get(exactCols[k])[i], tol, where + " " + exactCols[k]);
            }
            assertArrayEquals(want.hist()[i], Arrays.copyOfRange(got.preHist(), i * 257, (i + 1) * 257), where);
            double[] b = PaperHistogramTest.referenceMoments(want.hist()[i]);
            assertEquals(b[0], c.get("mean_binned")[i], 1e-13 * Math.max(1, Math.abs(b[0])), where);
            assertEquals(b[1], c.get("var_binned")[i], 1e-12 * b[1], where);
            assertEquals(want.post()[i][0], c.get("post_mean")[i], 1e-12 * Math.max(1, Math.abs(want.post()[i][0])), where);
            assertEquals(want.post()[i][1], c.get("post_max")[i], 0, where);
            for (int k = 0; k < K; k++) {
                assertEquals(want.topValues()[i][k], top.values()[i][k], 0, where + " top " + k);
                assertEquals(want.topSources()[i][k], top.sources()[i][k], where + " top " + k + " shard");
                assertEquals(want.topRows()[i][k], top.rows()[i][k], where + " top " + k + " row");
            }
        }
    }

    @Test
    void unknownTokensTheFilterDropsAreLeftOutOfStagedAndFusedStatistics() {
        TokenFilter drops = new TokenFilter(0, 1, UNK);
        List<Path> shards = List.of(shard("unk.00000.h5", 5, 1, drops, false), shard("unk.00001.h5", 3, 2, drops, false));
        List<Path> acts = shards.stream().map(UnknownTokensStatsTest::extract).toList();
        for (Path a : acts) {
            try (ActivationFile.Reader r = ActivationFile.Reader.open(a)) {
                assertEquals(UNK, r.unkId(), "extract carries unk_id");
            }
        }
        Reference want = reference(acts, UNK);
        assertTrue(want.skipped() > 20 && want.tokens() > 60, "planted: " + want.skipped() + " of " + (want.skipped()
                + want.tokens()));
        ActivationStats staged = PartialStatsFile.read(statsPartial("staged.h5", acts));
        assertTrue(lastStderr.contains(String.format(java.util.Locale.ROOT, "over %,d tokens (unk.00000.h5,unk.00001.h5),"
                + " %,d tokens of the unknown id left out", want.tokens(), want.skipped())), lastStderr);
        ActivationStats fused = PartialStatsFile.read(fused("c0", shards));
        check(want, staged, "stats-partial");
        check(want, fused, "correlate-fused");
        assertArrayEquals(staged.preHist(), fused.preHist(), "the same counts either way");
        // totals on the device (DevicePass: the statistics read the same forward pass through its listener)
        check(want, PartialStatsFile.read(fused("d0", shards, "--device", "cpu", "--accumulator", "device")),
                "correlate-fused, device totals");
        // the correlation's own filter (an option here) does not move the statistics: they follow the shard's decision
        ActivationStats optionFiltered = PartialStatsFile.read(fused("c1", shards, "--no-filter"));
        assertArrayEquals(fused.preHist(), optionFiltered.preHist());
        assertEquals(fused.skippedUnknown(), optionFiltered.skippedUnknown());
    }

    @Test
    void anUnknownIdTheFilterKeepsIsCounted() {
        TokenFilter keeps = new TokenFilter(0, 1);
        List<Path> shards = List.of(shard("keep.00000.h5", 4, 3, keeps, false));
        List<Path> acts = shards.stream().map(UnknownTokensStatsTest::extract).toList();
        Reference want = reference(acts, -1);
        assertEquals(4L * CTX, want.tokens());
        check(want, PartialStatsFile.read(statsPartial("keep.h5", acts)), "stats-partial");
        assertTrue(!lastStderr.contains("unknown"), lastStderr);
        check(want, PartialStatsFile.read(fused("k0", shards)), "correlate-fused");
    }

    @Test
    void statisticsOfUnknownTokensOnlyAreRefusedClearly() throws Exception {
        TokenFilter drops = new TokenFilter(0, 1, UNK);
        Path allUnk = shard("only.00000.h5", 2, 4, drops, true);
        Path allUnkActs = extract(allUnk);
        Path partial = statsPartial("only.h5", List.of(allUnkActs));
        ActivationStats s = PartialStatsFile.read(partial);
        assertEquals(0, s.tokens());
        assertEquals(2L * CTX, s.skippedUnknown());
        Path fusedPartial = fused("o0", List.of(allUnk));
        assertEquals(0, PartialStatsFile.read(fusedPartial).tokens());
        for (Path p : List.of(partial, fusedPartial)) {
            Path out = dir.resolve("only.stats.h5");
            ToolRunner r = ToolRunner.run(new StatsFinalTool(), "--partial", p.toString(), "--checkpoint", m3.toString(),
                    "--output", out.toString(), "--threads", "1");
            assertEquals(1, r.exitCode, r.toString());
            assertEquals("stats-final: error: statistics of m3 over shards only.00000.h5 hold no token: all 32 were the"
                    + " unknown id, which the shards' filter_ids drop", r.errorLine());
            assertTrue(Files.notExists(out));
        }
        // beside a shard with tokens it counts for nothing but the tokens left out
        List<Path> acts = List.of(allUnkActs, extract(shard("only.00001.h5", 3, 5, drops, false)));
        Path both = statsPartial("only-both.h5", acts);
        Reference want = reference(acts, UNK);
        check(want, PartialStatsFile.read(both), "stats-partial with an all-unknown shard");
    }
}
