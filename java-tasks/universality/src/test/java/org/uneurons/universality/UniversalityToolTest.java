package org.uneurons.universality;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.io.InjectedFaults;
import org.uneurons.core.stats.MomentShape;
import org.uneurons.core.stats.PairMoments;
import org.uneurons.core.stats.Rotations;
import org.uneurons.core.testing.ToolRunner;
import org.uneurons.core.stats.Percentiles;
import org.uneurons.formats.NeuronStatsFile;

class UniversalityToolTest {
    @TempDir
    Path dir;

    private ToolRunner run(String... args) {
        return ToolRunner.run(new UniversalityTool(), args);
    }

    // ---- hand-computed example (METHOD 3.3, 4) ----

    /**
     * A baseline seed whose 1x1 "rotations" are +1 for b's layer 0 and -1 for layer 1: with one neuron per b layer
     * the baseline unit of a layer is that neuron times the sign, so baseline maxima are known by hand.
     */
    private static long signSeed() {
        for (long seed = 0; seed < 1000; seed++) {
            double s0 = Rotations.matrix(Rotations.Kind.GAUSSIAN_ROWS, seed, 0, 0, 1)[0][0];
            double s1 = Rotations.matrix(Rotations.Kind.GAUSSIAN_ROWS, seed, 0, 1, 1)[0][0];
            if (s0 == 1.0 && s1 == -1.0) {
                return seed;
            }
        }
        throw new AssertionError("no seed with signs (+1, -1)");
    }

    /**
     * Moments whose correlations are exactly {@code r[i][layer b]} (unit sums of squares, zero means): anchor a has
     * one layer of r.length neurons, b has two layers of one neuron.
     */
    private Path handSummary(String name, String modelB, double[][] r, long seed) {
        int dA = r.length;
        MomentShape shape = MomentShape.full(1, dA, 2, 1);
        double[][][][] co = new double[1][2][dA][1];
        for (int i = 0; i < dA; i++) {
            co[0][0][i][0] = r[i][0];
            co[0][1][i][0] = r[i][1];
        }
        double[] ones = new double[dA];
        java.util.Arrays.fill(ones, 1);
        PairMoments m = PairMoments.of(shape, 10, new double[dA], new double[2], ones, new double[] {1, 1}, co,
                new double[][][] {{{1}}, {{1}}});
        return Summaries.finalise(dir.resolve(name), "a", modelB, m, seed);
    }

    @Test
    void handComputedExampleMatchesMethod() throws Exception {
        long seed = signSeed();
        // rows: neuron; columns: correlation with b's layer 0 and layer 1 (baseline = max(r0, -r1))
        Path b = handSummary("a_b.h5", "b", new double[][] {{0.1, 0.9}, {0.3, 0.6}, {0.25, 0.75}}, seed);
        Path c = handSummary("a_c.h5", "c", new double[][] {{0.2, 0.8}, {0.5, -0.2}, {0.25, 0.75}}, seed);
        Path out = dir.resolve("out");
        ToolRunner r = run("--summary", b.toString(), "--summary", c.toString(), "--outdir", out.toString());
        assertEquals(0, r.exitCode, r.toString());
        Map<String, double[]> t = CsvStrict.read(out.resolve("neurons.csv"));
        assertEquals(List.of("layer", "neuron", "max_corr", "mean_corr", "min_corr", "max_baseline", "mean_baseline",
                "min_baseline", "excess_corr", "is_universal", "dead", "partner_layer_b", "partner_neuron_b", "corr_b",
                "baseline_b", "partner_layer_c", "partner_neuron_c", "corr_c", "baseline_c"), List.copyOf(t.keySet()));
        assertArrayEquals(new double[] {0, 0, 0}, t.get("dead"));
        double e = 1e-12;
        // neuron 0: b max 0.9 (layer 1), baseline 0.1; c max 0.8 (layer 1), baseline 0.2
        assertArrayEquals(new double[] {0.9, 0.6, 0.75}, t.get("max_corr"), e);
        assertArrayEquals(new double[] {0.85, 0.55, 0.75}, t.get("mean_corr"), e);
        assertArrayEquals(new double[] {0.8, 0.5, 0.75}, t.get("min_corr"), e);
        assertArrayEquals(new double[] {0.2, 0.5, 0.25}, t.get("max_baseline"), e);
        assertArrayEquals(new double[] {0.15, 0.4, 0.25}, t.get("mean_baseline"), e);
        assertArrayEquals(new double[] {0.1, 0.3, 0.25}, t.get("min_baseline"), e);
        assertArrayEquals(new double[] {0.7, 0.15, 0.5}, t.get("excess_corr"), e);
        // excess exactly 0.5 is not universal: the criterion is strictly greater
        assertArrayEquals(new double[] {1, 0, 0}, t.get("is_universal"));
        assertArrayEquals(new double[] {1, 1, 1}, t.get("partner_layer_b"));
        assertArrayEquals(new double[] {1, 0, 1}, t.get("partner_layer_c"));
        assertArrayEquals(new double[] {0, 0, 0}, t.get("partner_neuron_c"));
        assertArrayEquals(new double[] {0.8, 0.5, 0.75}, t.get("corr_c"), e);
        assertArrayEquals(new double[] {0.2, 0.5, 0.25}, t.get("baseline_c"), e);

        Map<String, double[]> fr = CsvStrict.read(out.resolve("layer_fractions.csv"));
        assertArrayEquals(new double[] {0}, fr.get("layer"));
        assertArrayEquals(new double[] {3}, fr.get("n_neurons"));
        assertArrayEquals(new double[] {1}, fr.get("n_universal"));
        assertArrayEquals(new double[] {1.0 / 3}, fr.get("fraction"), 1e-15);

        // a lower threshold takes the boundary neuron in
        Path out2 = dir.resolve("out2");
        r = run("--summary", b.toString(), "--summary", c.toString(), "--outdir", out2.toString(), "--threshold", "0.4");
        assertEquals(0, r.exitCode, r.toString());
        assertArrayEquals(new double[] {1, 0, 1}, CsvStrict.read(out2.resolve("neurons.csv")).get("is_universal"));

        // the HDF5 table holds the same columns and the provenance
        try (HdfFile h = new HdfFile(out.resolve("neurons.h5"))) {
            assertEquals("a", h.getAttribute("model").getData());
            assertEquals(0.5, (double) h.getAttribute("threshold").getData());
            assertEquals("b:" + seed + ",c:" + seed, h.getAttribute("baseline_seeds").getData());
            assertEquals("a_b.h5,a_c.h5", h.getAttribute("summaries").getData());
            assertEquals("gaussian-rows", h.getAttribute("baseline_kind").getData());
            assertArrayEquals(t.get("excess_corr"), (double[]) h.getDatasetByPath("excess_corr").getData(), 0);
            assertArrayEquals(new int[] {1, 0, 0}, (int[]) h.getDatasetByPath("is_universal").getData());
            assertEquals(String.join(",", t.keySet()), h.getAttribute("columns").getData());
        }
    }

    // ---- planted universal neurons through the real moments -> summary path ----

    private static final int LAYERS = 2;
    private static final int D = 96;
    private static final int TOKENS = 3000;
    private static final int PLANTED = 8; // neurons 0..7 of each anchor layer

    /** [layer][token * D + neuron], i.i.d. N(0, 1). */
    private static float[][] noise(SplittableRandom rng) {
        float[][] x = new float[LAYERS][TOKENS * D];
        for (float[] l : x) {
            for (int i = 0; i < l.length; i++) {
                l[i] = (float) rng.nextGaussian();
            }
        }
        return x;
    }

    /** Where anchor neuron (layer, n) is planted in another model: a fixed scramble of layers and neurons. */
    private static int[] partner(int model, int layer, int n) {
        int flat = layer * D + n;
        int moved = (flat * 37 + 11 * (model + 1)) % (LAYERS * D);
        return new int[] {moved / D, moved % D};
    }

    @Test
    void plantedIdenticalAndMonotoneNeuronsAreUniversalNoiseIsNot() throws Exception {
        SplittableRandom rng = new SplittableRandom(5);
        float[][] a = noise(rng);
        String[] others = {"b", "c", "d"};
        List<Path> files = new ArrayList<>();
        for (int m = 0; m < others.length; m++) {
            float[][] o = noise(rng);
            for (int l = 0; l < LAYERS; l++) {
                for (int n = 0; n < PLANTED; n++) {
                    int[] p = partner(m, l, n);
                    for (int t = 0; t < TOKENS; t++) {
                        float x = a[l][t * D + n];
                        // b: identical; c: a monotone transform (Pearson ~0.94); d: identical plus a little noise
                        float y = switch (m) {
                            case 0 -> x;
                            case 1 -> (float) Math.exp(x / 2);
                            default -> x + 0.1f * (float) rng.nextGaussian();
                        };
                        o[p[0]][t * D + p[1]] = y;
                    }
                }
            }
            files.add(Summaries.fromActivations(dir.resolve("a_" + others[m] + ".h5"), "a", others[m], a, D, o, D,
                    TOKENS, 100 + m));
        }
        List<String> argv = new ArrayList<>();
        for (Path f : files) {
            argv.add("--summary");
            argv.add(f.toString());
        }
        argv.addAll(List.of("--outdir", dir.resolve("out").toString()));
        ToolRunner r = run(argv.toArray(new String[0]));
        assertEquals(0, r.exitCode, r.toString());
        assertTrue(r.stderr.contains("16 of 192 neurons universal"), r.stderr);
        Map<String, double[]> t = CsvStrict.read(dir.resolve("out/neurons.csv"));
        double[] excess = t.get("excess_corr");
        double worstPlanted = 1, bestNoise = -1;
        for (int row = 0; row < LAYERS * D; row++) {
            int l = row / D, n = row % D;
            boolean planted = n < PLANTED;
            assertEquals(planted ? 1.0 : 0.0, t.get("is_universal")[row], "layer " + l + " neuron " + n);
            if (planted) {
                worstPlanted = Math.min(worstPlanted, excess[row]);
                for (int m = 0; m < others.length; m++) {
                    int[] p = partner(m, l, n);
                    assertEquals(p[0], t.get("partner_layer_" + others[m])[row]);
                    assertEquals(p[1], t.get("partner_neuron_" + others[m])[row]);
                }
                assertEquals(1.0, t.get("corr_b")[row], 1e-9);
                assertEquals(1.0, t.get("max_corr")[row], 1e-9);
                assertTrue(t.get("corr_c")[row] > 0.85 && t.get("corr_c")[row] < 0.99, "monotone: " + t.get("corr_c")[row]);
            } else {
                bestNoise = Math.max(bestNoise, excess[row]);
            }
        }
        System.out.printf("planted: min excess of planted %.3f, max excess of noise %.3f%n", worstPlanted, bestNoise);
        assertTrue(worstPlanted > 0.6, "planted neurons clear the threshold by a margin: " + worstPlanted);
        assertTrue(bestNoise < 0.1, "noise neurons stay near zero excess: " + bestNoise);
        Map<String, double[]> fr = CsvStrict.read(dir.resolve("out/layer_fractions.csv"));
        assertArrayEquals(new double[] {PLANTED, PLANTED}, fr.get("n_universal"));
        assertArrayEquals(new double[] {(double) PLANTED / D, (double) PLANTED / D}, fr.get("fraction"), 1e-15);

        // the same pair in two layer ranges of a gives the same table
        PairMoments lo = new PairMoments(new MomentShape(LAYERS, D, 0, 0, LAYERS, D));
        PairMoments hi = new PairMoments(new MomentShape(LAYERS, D, 1, 1, LAYERS, D));
        // rebuild b (model 0): identical copies
        SplittableRandom rng2 = new SplittableRandom(5);
        float[][] a2 = noise(rng2);
        float[][] b2 = noise(rng2);
        for (int l = 0; l < LAYERS; l++) {
            for (int n = 0; n < PLANTED; n++) {
                int[] p = partner(0, l, n);
                for (int t2 = 0; t2 < TOKENS; t2++) {
                    b2[p[0]][t2 * D + p[1]] = a2[l][t2 * D + n];
                }
            }
        }
        lo.update(new float[][] {a2[0]}, b2, TOKENS, new org.uneurons.core.stats.PlainGemm(),
                org.uneurons.core.stats.Gemm.Precision.FLOAT64);
        hi.update(new float[][] {a2[1]}, b2, TOKENS, new org.uneurons.core.stats.PlainGemm(),
                org.uneurons.core.stats.Gemm.Precision.FLOAT64);
        Path pLo = Summaries.finalise(dir.resolve("a_b.lo.h5"), "a", "b", lo, 100);
        Path pHi = Summaries.finalise(dir.resolve("a_b.hi.h5"), "a", "b", hi, 100);
        argv = new ArrayList<>(List.of("--summary", pHi.toString(), "--summary", pLo.toString()));
        for (int m = 1; m < others.length; m++) {
            argv.add("--summary");
            argv.add(files.get(m).toString());
        }
        argv.addAll(List.of("--outdir", dir.resolve("split").toString()));
        r = run(argv.toArray(new String[0]));
        assertEquals(0, r.exitCode, r.toString());
        Map<String, double[]> split = CsvStrict.read(dir.resolve("split/neurons.csv"));
        for (String col : t.keySet()) {
            assertArrayEquals(t.get(col), split.get(col), 1e-12, col);
        }

        // a gap in the layer ranges is an error naming the file
        r = run("--summary", pHi.toString(), "--outdir", dir.resolve("gap").toString());
        assertEquals(1, r.exitCode);
        assertEquals("universality: error: " + pHi + ": covers layers 1-1 of a vs b, but layers 0-0 are covered by no summary",
                r.errorLine());
    }

    // ---- statistics join and percentiles ----

    /** A statistics file as the stats tool writes it (its format attribute and layout), with the given columns. */
    static Path statsFile(Path target, String model, int nLayers, int d, Map<String, double[]> cols) {
        return statsFile(target, model, nLayers, d, cols, null);
    }

    /** ... and the content hash of the model's weights (null: none, as files of earlier versions). */
    static Path statsFile(Path target, String model, int nLayers, int d, Map<String, double[]> cols, String sha256) {
        int[] layer = new int[nLayers * d];
        int[] neuron = new int[nLayers * d];
        for (int r = 0; r < layer.length; r++) {
            layer[r] = r / d;
            neuron[r] = r % d;
        }
        try (WritableHdfFile f = HdfFile.write(target)) {
            f.putAttribute("format", NeuronStatsFile.FORMAT);
            f.putAttribute("model", model);
            f.putAttribute("n_layers", nLayers);
            f.putAttribute("d_mlp", d);
            f.putAttribute("columns", String.join(",", cols.keySet()));
            if (sha256 != null) {
                f.putAttribute("model_sha256", sha256);
            }
            f.putDataset("layer", layer);
            f.putDataset("neuron", neuron);
            cols.forEach(f::putDataset);
        }
        return target;
    }

    @Test
    void statisticsJoinAndWithinLayerPercentiles() throws Exception {
        long seed = signSeed();
        // 4 neurons in one layer; neurons 0 and 2 universal (excess 0.7 and 0.6), 1 and 3 not
        double[][] rb = {{0.1, 0.9}, {0.3, 0.4}, {0.2, 0.8}, {0.0, 0.1}};
        Path b = handSummary("a_b.h5", "b", rb, seed);
        Map<String, double[]> cols = new java.util.LinkedHashMap<>();
        cols.put("act_freq", new double[] {0.01, 0.2, 0.05, 0.3});   // universal 0.01 -> 25, 0.05 -> 50: median 37.5
        cols.put("kurt", new double[] {5, 3, 3, 2});                  // 5 -> 100, 3 (tied) -> 62.5: median 81.25
        cols.put("w_in_norm", new double[] {1, 2, 3, 4});              // not a percentile metric
        Path stats = statsFile(dir.resolve("stats.h5"), "a", 1, 4, cols);
        Path out = dir.resolve("out");
        ToolRunner r = run("--summary", b.toString(), "--stats", stats.toString(), "--outdir", out.toString());
        assertEquals(0, r.exitCode, r.toString());
        Map<String, double[]> t = CsvStrict.read(out.resolve("neurons.csv"));
        assertArrayEquals(new double[] {1, 0, 1, 0}, t.get("is_universal"));
        assertArrayEquals(cols.get("kurt"), t.get("kurt"));
        assertArrayEquals(cols.get("w_in_norm"), t.get("w_in_norm"));
        String pct = Files.readString(out.resolve("percentiles.csv"));
        assertEquals("metric,layer,median_percentile,n_universal\n"
                + "act_freq,0,37.5,2\nact_freq,all,37.5,2\n"
                + "kurt,0,81.25,2\nkurt,all,81.25,2\n", pct);
    }

    @Test
    void percentileOfScoreIsScipysRankKind() {
        double[] a = {1, 2, 2, 3, 4};
        // scipy.stats.percentileofscore([1,2,2,3,4], s) for s = 2, 0, 4, 2.5, 5: (left + right + [right > left]) * 50 / n
        assertEquals(50.0, Percentiles.percentileOfScore(a, 2), 1e-12);
        assertEquals(0.0, Percentiles.percentileOfScore(a, 0), 1e-12);
        assertEquals(100.0, Percentiles.percentileOfScore(a, 4), 1e-12);
        assertEquals(60.0, Percentiles.percentileOfScore(a, 2.5), 1e-12);
        assertEquals(100.0, Percentiles.percentileOfScore(a, 5), 1e-12);
    }

    // ---- mode all ----

    @Test
    void modeAllGivesEveryModelAItsOwnTable() throws Exception {
        long seed = signSeed();
        Path ab = handSummary("a_b.h5", "b", new double[][] {{0.1, 0.9}, {0.3, 0.6}}, seed);
        // b -> a: summaries of b as model_a (written with the same hand moments, so b has 2 neurons in 1 layer)
        int dA = 2;
        MomentShape shape = MomentShape.full(1, dA, 2, 1);
        PairMoments m = PairMoments.of(shape, 10, new double[dA], new double[2], new double[] {1, 1}, new double[] {1, 1},
                new double[][][][] {{{{0.2}, {0.1}}, {{0.9}, {0.1}}}}, new double[][][] {{{1}}, {{1}}});
        Path ba = Summaries.finalise(dir.resolve("b_a.h5"), "b", "a", m, seed);
        Path out = dir.resolve("out");
        ToolRunner r = run("--mode", "all", "--summary", ab.toString(), "--summary", ba.toString(), "--outdir", out.toString());
        assertEquals(0, r.exitCode, r.toString());
        Map<String, double[]> ta = CsvStrict.read(out.resolve("a/neurons.csv"));
        Map<String, double[]> tb = CsvStrict.read(out.resolve("b/neurons.csv"));
        assertArrayEquals(new double[] {0.9, 0.6}, ta.get("corr_b"), 1e-12);
        // b's neuron 0: 0.2 with a's layer 0, 0.9 with layer 1; neuron 1: 0.1 with both (the first layer wins ties)
        assertArrayEquals(new double[] {0.9, 0.1}, tb.get("corr_a"), 1e-12);
        assertArrayEquals(new double[] {1, 0}, tb.get("partner_layer_a"));
        assertTrue(Files.exists(out.resolve("b/neurons.h5")));
        assertFalse(Files.exists(out.resolve("neurons.csv")));
        // the same two files in anchor mode: two anchors is an error
        r = run("--summary", ab.toString(), "--summary", ba.toString(), "--outdir", dir.resolve("x").toString());
        assertEquals(1, r.exitCode);
        assertEquals("universality: error: " + ba + ": model_a is 'b' but " + ab
                + " has 'a'; --mode anchor needs the same anchor (model_a) in every summary", r.errorLine());
        assertFalse(Files.exists(dir.resolve("x/neurons.csv")));
        // in mode all, statistics must belong to some model_a
        Path statsC = statsFile(dir.resolve("stats_c.h5"), "c", 1, 2, Map.of("kurt", new double[] {3, 3}));
        r = run("--mode", "all", "--summary", ab.toString(), "--summary", ba.toString(), "--stats", statsC.toString(),
                "--outdir", dir.resolve("y").toString());
        assertEquals(1, r.exitCode);
        assertEquals("universality: error: " + statsC + ": statistics of model 'c', but no summary has it as model_a"
                + " (models: a, b)", r.errorLine());
    }

    // ---- the table's files are published together ----

    private static List<String> listing(Path d) throws java.io.IOException {
        try (var s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /**
     * A later file of the table failing (while written, while renamed) publishes none of them and leaves no
     * temporary; a run without statistics retires an older run's percentiles.csv, which would not fit its table.
     */
    @Test
    void theTablesFilesArePublishedAllOrNothingAndNeverMixWithAnOlderRun() throws Exception {
        long seed = signSeed();
        Path b = handSummary("a_b.h5", "b", new double[][] {{0.1, 0.9}, {0.3, 0.4}}, seed);
        Path stats = statsFile(dir.resolve("stats.h5"), "a", 1, 2, Map.of("kurt", new double[] {5, 3}));
        Path out = dir.resolve("out");
        List<String> all = List.of("layer_fractions.csv", "neurons.csv", "neurons.h5", "percentiles.csv");
        try (InjectedFaults f = InjectedFaults.failWriting("percentiles.csv",
                new java.io.IOException("No space left on device"))) {
            ToolRunner r = run("--summary", b.toString(), "--stats", stats.toString(), "--outdir", out.toString());
            assertEquals(1, r.exitCode, r.toString());
            assertEquals("universality: error: " + out.resolve("percentiles.csv") + ": No space left on device",
                    r.errorLine());
        }
        assertEquals(List.of(), listing(out), "no file of the table, no temporary");
        ToolRunner r = run("--summary", b.toString(), "--stats", stats.toString(), "--outdir", out.toString());
        assertEquals(0, r.exitCode, r.toString());
        assertEquals(all, listing(out));
        String csv = Files.readString(out.resolve("neurons.csv"));
        try (InjectedFaults f = InjectedFaults.failPublishing("neurons.h5",
                new java.io.IOException("Input/output error"))) {
            r = run("--summary", b.toString(), "--outdir", out.toString());
            assertEquals(1, r.exitCode, r.toString());
            assertEquals("universality: error: " + out.resolve("neurons.h5").toAbsolutePath() + ": Input/output error",
                    r.errorLine());
        }
        assertEquals(List.of(), listing(out), "a rename failing half way leaves no file of either run");
        r = run("--summary", b.toString(), "--stats", stats.toString(), "--outdir", out.toString());
        assertEquals(0, r.exitCode, r.toString());
        r = run("--summary", b.toString(), "--outdir", out.toString());
        assertEquals(0, r.exitCode, r.toString());
        assertEquals(List.of("layer_fractions.csv", "neurons.csv", "neurons.h5"), listing(out),
                "the older percentiles.csv is gone with the run that had statistics");
        assertFalse(Files.readString(out.resolve("neurons.csv")).equals(csv), "the table without statistics columns");
    }

    // ---- dead neurons ----

    /**
     * Planted constant neurons: a's neuron 1 of layer 0 in every pair, and in b and c the neurons planted as partners
     * of a's neurons 0 and 2 of layer 1 (which then correlate with live noise only). The dead neuron of a is flagged,
     * has every correlation 0 and no partner, and is not universal whatever the threshold; the copies of a's neuron 0
     * of layer 0 stay universal.
     */
    @Test
    void plantedDeadNeuronsAreFlaggedAndNeverUniversal() throws Exception {
        SplittableRandom rng = new SplittableRandom(11);
        float[][] a = noise(rng);
        for (int t = 0; t < TOKENS; t++) {
            a[0][t * D + 1] = 0.75f; // dead in a
        }
        List<String> argv = new ArrayList<>();
        for (String m : List.of("b", "c")) {
            float[][] o = noise(rng);
            for (int t = 0; t < TOKENS; t++) {
                o[1][t * D + 5] = a[0][t * D]; // a copy of a's live neuron (0, 0)
                o[0][t * D + 3] = -2f;          // dead in b and c
                o[1][t * D + 7] = 0f;
            }
            argv.addAll(List.of("--summary", Summaries.fromActivations(dir.resolve("a_" + m + ".h5"), "a", m, a, D, o, D,
                    TOKENS, 7).toString()));
        }
        argv.addAll(List.of("--outdir", dir.resolve("out").toString(), "--threshold", "0"));
        ToolRunner r = run(argv.toArray(new String[0]));
        assertEquals(0, r.exitCode, r.toString());
        Map<String, double[]> t = CsvStrict.read(dir.resolve("out/neurons.csv"));
        int dead = 1; // row of a's neuron (0, 1)
        for (int row = 0; row < LAYERS * D; row++) {
            assertEquals(row == dead ? 1.0 : 0.0, t.get("dead")[row], "row " + row);
        }
        for (String col : List.of("max_corr", "mean_corr", "min_corr", "max_baseline", "mean_baseline", "excess_corr",
                "corr_b", "baseline_c")) {
            assertEquals(0.0, t.get(col)[dead], col + " of the dead neuron");
        }
        for (String col : List.of("partner_layer_b", "partner_neuron_b", "partner_layer_c", "partner_neuron_c")) {
            assertEquals(-1.0, t.get(col)[dead], col + " of the dead neuron");
        }
        assertEquals(0.0, t.get("is_universal")[dead], "excess 0 is not above threshold 0, and dead is never universal");
        assertEquals(1.0, t.get("is_universal")[0]);
        assertEquals(1.0, t.get("partner_layer_b")[0]);
        assertEquals(5.0, t.get("partner_neuron_b")[0]);
        for (int row = 0; row < LAYERS * D; row++) {
            assertFalse(t.get("partner_layer_b")[row] == 0 && t.get("partner_neuron_b")[row] == 3,
                    "row " + row + " has b's dead neuron (0, 3) as its partner");
            assertFalse(t.get("partner_layer_c")[row] == 1 && t.get("partner_neuron_c")[row] == 7,
                    "row " + row + " has c's dead neuron (1, 7) as its partner");
        }
        assertTrue(r.stderr.contains("; 1 dead (constant on the analysed tokens), never universal"), r.stderr);
        try (HdfFile h = new HdfFile(dir.resolve("out/neurons.h5"))) {
            int[] d = (int[]) h.getDatasetByPath("dead").getData();
            assertEquals(1, d[dead]);
            assertEquals(0, d[0]);
        }
    }

    // ---- provenance ----

    @Test
    void modelsAreCheckedByTheHashOfTheirWeightsNotTheirName() throws Exception {
        long seed = signSeed();
        double[][] r2 = {{0.1, 0.9}, {0.3, 0.6}};
        String a1 = Summaries.sha("seed1"), a2 = Summaries.sha("seed1, retrained"), b = Summaries.sha("seed2"),
                c = Summaries.sha("seed3");
        Path ab = Summaries.finalise(dir.resolve("a_b.h5"), "a", a1, "b", b, hand(r2), seed);
        Path ac = Summaries.finalise(dir.resolve("a_c.h5"), "a", a2, "c", c, hand(r2), seed);
        Path out = dir.resolve("out");
        ToolRunner r = run("--summary", ab.toString(), "--summary", ac.toString(), "--outdir", out.toString());
        assertEquals(1, r.exitCode);
        assertEquals("universality: error: " + ac + ": model a has weights sha256 " + a2.substring(0, 12) + " here, but "
                + a1.substring(0, 12) + " in " + ab + "; one model name must name one checkpoint in every summary",
                r.errorLine());
        assertFalse(Files.exists(out.resolve("neurons.csv")));

        // statistics of another checkpoint than the summaries' anchor
        Path ac1 = Summaries.finalise(dir.resolve("a_c1.h5"), "a", a1, "c", c, hand(r2), seed);
        Path stats = statsFile(dir.resolve("stats.h5"), "a", 1, 2, Map.of("kurt", new double[] {3, 3}), a2);
        r = run("--summary", ab.toString(), "--summary", ac1.toString(), "--stats", stats.toString(), "--outdir",
                out.toString());
        assertEquals(1, r.exitCode);
        assertEquals("universality: error: " + stats + ": statistics of a with weights sha256 " + a2.substring(0, 12)
                + ", but its correlation summaries are of weights " + a1.substring(0, 12)
                + "; give the statistics of the same checkpoint", r.errorLine());

        // the same checkpoint: the table records every model's hash, and nothing is warned about
        Path same = statsFile(dir.resolve("stats1.h5"), "a", 1, 2, Map.of("kurt", new double[] {3, 3}), a1);
        r = run("--summary", ab.toString(), "--summary", ac1.toString(), "--stats", same.toString(), "--outdir",
                out.toString());
        assertEquals(0, r.exitCode, r.toString());
        assertFalse(r.stderr.contains("warning"), r.stderr);
        try (HdfFile h = new HdfFile(out.resolve("neurons.h5"))) {
            assertEquals(a1, h.getAttribute("model_sha256").getData());
            assertEquals("b:" + b + ",c:" + c, h.getAttribute("other_models_sha256").getData());
        }

        // summaries of an earlier version (no hashes): accepted, one warning line each
        Path old = Summaries.finalise(dir.resolve("old.h5"), "a", "b", hand(r2), seed);
        r = run("--summary", old.toString(), "--outdir", dir.resolve("old").toString());
        assertEquals(0, r.exitCode, r.toString());
        assertTrue(r.stderr.contains("universality: warning: " + old + ": no model_a_sha256 or model_b_sha256 (written"
                + " by an earlier version); its models cannot be checked\n"), r.stderr);
    }

    /** {@link #handSummary}'s moments: one layer of a, two one-neuron layers of b, correlations {@code r}. */
    private static PairMoments hand(double[][] r) {
        int dA = r.length;
        double[][][][] co = new double[1][2][dA][1];
        for (int i = 0; i < dA; i++) {
            co[0][0][i][0] = r[i][0];
            co[0][1][i][0] = r[i][1];
        }
        double[] ones = new double[dA];
        java.util.Arrays.fill(ones, 1);
        return PairMoments.of(MomentShape.full(1, dA, 2, 1), 10, new double[dA], new double[2], ones,
                new double[] {1, 1}, co, new double[][][] {{{1}}, {{1}}});
    }

    // ---- bad inputs ----

    @Test
    void badInputsGiveOneLineAndTheRightExitCode() throws Exception {
        long seed = signSeed();
        Path ab = handSummary("a_b.h5", "b", new double[][] {{0.1, 0.9}, {0.3, 0.6}}, seed);
        Path out = dir.resolve("out");

        Path otherStats = statsFile(dir.resolve("stats_c.h5"), "c", 1, 2, Map.of("kurt", new double[] {3, 3}));
        ToolRunner r = run("--summary", ab.toString(), "--stats", otherStats.toString(), "--outdir", out.toString());
        assertEquals(1, r.exitCode);
        assertEquals("universality: error: " + otherStats + ": statistics of model 'c', but the anchor is 'a'", r.errorLine());

        Path wrongShape = statsFile(dir.resolve("stats_a.h5"), "a", 1, 3, Map.of("kurt", new double[] {3, 3, 3}));
        r = run("--summary", ab.toString(), "--stats", wrongShape.toString(), "--outdir", out.toString());
        assertEquals(1, r.exitCode);
        assertEquals("universality: error: " + wrongShape + ": a is 1 x 3 here but 1 x 2 in the correlation summaries",
                r.errorLine());

        Path missing = dir.resolve("nope.h5");
        r = run("--summary", missing.toString(), "--outdir", out.toString());
        assertEquals(1, r.exitCode);
        assertEquals("universality: error: " + missing + ": no such file (--summary)", r.errorLine());

        r = run("--summary", ab.toString(), "--outdir", out.toString(), "--frobnicate");
        assertEquals(2, r.exitCode);
        assertEquals("universality: error: unrecognized option: --frobnicate (see --help)", r.errorLine());

        r = run("--summary", ab.toString(), "--outdir", out.toString(), "--mode", "pairs");
        assertEquals(2, r.exitCode);
        assertEquals("universality: error: --mode expects one of anchor, all, got 'pairs'", r.errorLine());

        r = run("--outdir", out.toString());
        assertEquals(2, r.exitCode);
        assertEquals("universality: error: missing required option --summary (see --help)", r.errorLine());

        // a threshold that finds nothing (excess never reaches 1) or counts chance as universal is refused up front
        for (String t : List.of("2", "1", "1.0", "-0.1", "NaN", "Infinity")) {
            r = run("--summary", ab.toString(), "--outdir", out.toString(), "--threshold", t);
            assertEquals(2, r.exitCode, t);
            assertEquals("universality: error: --threshold " + t + " is outside [0, 1): excess correlation (mean max"
                    + " correlation, at most 1, minus mean baseline, above 0 in practice) never reaches 1, and below 0 it"
                    + " is not above chance; the paper's threshold is 0.5", r.errorLine());
        }
        r = run("--summary", ab.toString(), "--outdir", dir.resolve("zero").toString(), "--threshold", "0");
        assertEquals(0, r.exitCode, "0 is a threshold: " + r);

        r = run("--summary", ab.toString(), "--outdir", out.toString(), "--baseline-kind", "haar");
        assertEquals(1, r.exitCode);
        assertEquals("universality: error: " + ab + ": no /baseline/haar group (run finalise with --baseline haar or both,"
                + " or choose another --baseline-kind)", r.errorLine());

        Path notSummary = statsFile(dir.resolve("stats_as_summary.h5"), "a", 1, 2, Map.of("kurt", new double[] {3, 3}));
        r = run("--summary", notSummary.toString(), "--outdir", out.toString());
        assertEquals(1, r.exitCode);
        assertEquals("universality: error: " + notSummary + ": not a correlation summary (format attribute is "
                + "'" + NeuronStatsFile.FORMAT + "', expected uneurons-correlation-summary/2 or uneurons-correlation-summary/1)",
                r.errorLine());
        assertFalse(Files.exists(out.resolve("neurons.csv")), "nothing is published on failure");

        Path aFile = Files.writeString(dir.resolve("results"), "a file");
        r = run("--summary", ab.toString(), "--outdir", aFile.toString());
        assertEquals(1, r.exitCode);
        assertEquals("universality: error: " + aFile + ": is a file, not a directory (--outdir expects a directory)",
                r.errorLine());
    }
}
