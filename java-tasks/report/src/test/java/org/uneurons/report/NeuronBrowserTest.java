package org.uneurons.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.uneurons.report.Fixture.D;
import static org.uneurons.report.Fixture.LAYERS;
import static org.uneurons.report.Fixture.N;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.jhdf.HdfFile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.testing.ToolRunner;
import org.uneurons.formats.CsvTable;
import org.uneurons.formats.TopTokensFile;

/**
 * The neuron browser's data files against the report's inputs read here independently (the neuron table as CSV, the
 * statistics file with jhdf, roles.csv and top_tokens.h5 as written): every index column of every layer, every
 * neuron's statistics, partners, histogram, contexts and tokens; the chunk boundaries; markup in token texts kept out
 * of the script files; the groups without statistics or roles told so; bad inputs refused before anything is written.
 */
class NeuronBrowserTest {
    @TempDir
    Path dir;
    Fixture fx;
    Path roles;
    int[][] topIds = new int[N][3], bottomIds = new int[N][3];
    float[][] topValues = new float[N][3], bottomValues = new float[N][3];
    String[] role = new String[N];
    boolean[] attention = new boolean[N];

    @BeforeEach
    void setUp() throws IOException {
        fx = new Fixture(Files.createDirectories(dir.resolve("fx")));
        roles = Files.createDirectories(dir.resolve("roles/" + Fixture.MODEL));
        SplittableRandom r = new SplittableRandom(3);
        StringBuilder csv = new StringBuilder("layer,neuron,vocab_kurt,null_fraction,role,entropy_candidate,bos_layer,"
                + "bos_head,bos_score,bos_ratio,attention_candidate\n");
        int[][] counts = new int[LAYERS][5];
        String[] names = {"prediction", "suppression", "partition", "none"};
        for (int i = 0; i < N; i++) {
            int l = i / D;
            role[i] = names[r.nextInt(4)];
            attention[i] = l < LAYERS - 1 && r.nextInt(5) == 0;
            boolean entropy = r.nextInt(7) == 0;
            for (int k = 0; k < 3; k++) {
                counts[l][k] += role[i].equals(names[k]) ? 1 : 0;
            }
            counts[l][3] += entropy ? 1 : 0;
            counts[l][4] += attention[i] ? 1 : 0;
            csv.append(l).append(',').append(i % D).append(',').append(3 + r.nextDouble()).append(',')
                    .append(r.nextDouble()).append(',').append(role[i]).append(',').append(entropy).append(',');
            csv.append(l < LAYERS - 1 ? (l + 1) + "," + r.nextInt(2) + "," + r.nextDouble() + "," + (1 + r.nextDouble())
                    : ",,,").append(',').append(attention[i]).append('\n');
            for (int k = 0; k < 3; k++) {
                topIds[i][k] = r.nextInt(Fixture.VOCAB.length);
                bottomIds[i][k] = r.nextInt(Fixture.VOCAB.length);
                topValues[i][k] = (float) (1 - k * 0.1 + r.nextDouble() * 0.01);
                bottomValues[i][k] = -topValues[i][k];
            }
        }
        topIds[Fixture.TOP_LAYER * D + Fixture.TOP_NEURON][0] = Fixture.MARKUP_ID; // "<b>&" among the output tokens
        Files.writeString(roles.resolve("roles.csv"), csv.toString());
        StringBuilder layers = new StringBuilder("layer,prediction,suppression,partition,entropy_candidates,"
                + "attention_candidates,vocab_kurt_p5,vocab_kurt_p10,vocab_kurt_p50,vocab_kurt_p90,vocab_kurt_p95,"
                + "vocab_skew_p5,vocab_skew_p10,vocab_skew_p50,vocab_skew_p90,vocab_skew_p95\n");
        for (int l = 0; l < LAYERS; l++) {
            layers.append(l);
            for (int c : counts[l]) {
                layers.append(',').append(c);
            }
            layers.append(",3,3.1,3.2,3.3,3.4,0,0,0,0,0\n");
        }
        Files.writeString(roles.resolve("roles_layers.csv"), layers.toString());
        TopTokensFile.write(roles.resolve("top_tokens.h5"), new TopTokensFile.TopTokens(Fixture.MODEL, LAYERS, D,
                Fixture.VOCAB.length, topIds, topValues, bottomIds, bottomValues));
    }

    ToolRunner run(String... extra) {
        List<String> args = new ArrayList<>(List.of("--neurons", "trained=" + fx.trained, "--neurons",
                "control=" + fx.control, "--stats", fx.stats.toString(), "--shard", fx.vocabShard.toString(), "--shard",
                fx.gpt2Shard.toString(), "--roles", Fixture.MODEL + "=" + roles, "--outdir", dir.resolve("out").toString()));
        args.addAll(List.of(extra));
        return ToolRunner.run(new ReportTool(), args.toArray(String[]::new));
    }

    Path data() {
        return dir.resolve("out/report/neurons/data");
    }

    /** The JSON argument of a data file's one call, UN.fn("label", numbers..., JSON): labels hold no bracket. */
    static JsonElement call(Path file) throws IOException {
        String s = Files.readString(file);
        int brace = s.indexOf('{'), bracket = s.indexOf('[');
        int start = brace < 0 ? bracket : bracket < 0 ? brace : Math.min(brace, bracket);
        return JsonParser.parseString(s.substring(start, s.lastIndexOf(')')));
    }

    @Test
    void indexAndDetailFilesHoldTheInputs() throws IOException {
        ToolRunner r = run();
        assertEquals(0, r.exitCode, r.toString());
        assertTrue(r.stderr.contains("report: neuron browser of " + 2 * N + " neurons in 13 data files"), r.stderr);
        String page = Files.readString(dir.resolve("out/report/index.html"));
        assertTrue(page.contains("href=\"neurons/index.html\""), "the report links the browser");
        assertTrue(page.contains("href=\"neurons/neuron.html#trained/" + Fixture.TOP_LAYER + "/" + Fixture.TOP_NEURON + "\""),
                "the top neuron links its page");
        JsonObject meta = call(data().resolve("meta.js")).getAsJsonObject();
        JsonObject trained = meta.getAsJsonArray("groups").get(0).getAsJsonObject();
        JsonObject control = meta.getAsJsonArray("groups").get(1).getAsJsonObject();
        assertEquals(Fixture.MODEL, trained.get("model").getAsString());
        assertTrue(control.get("model").isJsonNull());
        assertTrue(control.getAsJsonArray("notes").toString().contains("No statistics file was given for this group"));
        assertEquals(256, meta.get("chunk").getAsInt());
        assertEquals(256, meta.getAsJsonArray("histEdges").size());

        CsvTable table = CsvTable.read(fx.trained, "table", ',');
        List<String> stats = strings(trained.getAsJsonArray("stats"));
        assertEquals(List.of("max_corr", "mean_corr", "min_corr", "max_baseline", "mean_baseline", "min_baseline",
                "excess_corr", "is_universal", "act_freq", "act_freq_paper", "kurt"), stats);
        long[][] hist;
        double[][] topValuesStats;
        try (HdfFile h = new HdfFile(fx.stats)) {
            hist = (long[][]) h.getDatasetByPath("/pre_hist").getData();
            topValuesStats = (double[][]) h.getDatasetByPath("/top_values").getData();
        }
        for (int l = 0; l < LAYERS; l++) {
            JsonObject index = call(data().resolve("trained/index-" + l + ".js")).getAsJsonObject();
            JsonArray detail = call(data().resolve("trained/" + l + "-0.js")).getAsJsonArray();
            assertEquals(D, detail.size());
            for (int j = 0; j < D; j++) {
                int i = l * D + j;
                assertEquals(table.number(i, "excess_corr"), index.getAsJsonArray("excess_corr").get(j).getAsDouble(),
                        1e-7 * Math.max(1, Math.abs(table.number(i, "excess_corr"))), "excess of " + l + "." + j);
                assertEquals(table.integer(i, "is_universal"), index.getAsJsonArray("universal").get(j).getAsInt());
                int bits = (role[i].equals("prediction") ? 1 : 0) | (role[i].equals("suppression") ? 2 : 0)
                        | (role[i].equals("partition") ? 4 : 0) | (attention[i] ? 16 : 0);
                assertEquals(bits, index.getAsJsonArray("roles").get(j).getAsInt() & ~8, "roles of " + l + "." + j);
                neuron(detail.get(j).getAsJsonObject(), table, stats, i, hist[i], topValuesStats[i]);
            }
        }
        assertFalse(Files.exists(data().resolve("trained/0-1.js")), "64 neurons fit one chunk of 256");
    }

    private void neuron(JsonObject d, CsvTable table, List<String> stats, int i, long[] hist, double[] top) {
        for (int k = 0; k < stats.size(); k++) {
            double want = table.number(i, stats.get(k));
            assertEquals(want, d.getAsJsonArray("s").get(k).getAsDouble(), 1e-7 * Math.max(1, Math.abs(want)));
        }
        JsonArray p = d.getAsJsonArray("p");
        for (int m = 0; m < Fixture.OTHERS.length; m++) {
            JsonArray q = p.get(m).getAsJsonArray();
            assertEquals(table.integer(i, "partner_layer_" + Fixture.OTHERS[m]), q.get(0).getAsInt());
            assertEquals(table.integer(i, "partner_neuron_" + Fixture.OTHERS[m]), q.get(1).getAsInt());
            assertEquals(table.number(i, "corr_" + Fixture.OTHERS[m]), q.get(2).getAsDouble(), 1e-7);
        }
        // the histogram's trimmed bins give back every one of the 257 counts
        JsonArray h = d.getAsJsonArray("h");
        long[] back = new long[hist.length];
        for (int b = 1; b < h.size(); b++) {
            back[h.get(0).getAsInt() + b - 1] = h.get(b).getAsLong();
        }
        assertEquals(java.util.Arrays.toString(hist), java.util.Arrays.toString(back), "histogram of neuron " + i);
        JsonArray c = d.getAsJsonArray("c");
        assertEquals(top[0], c.get(0).getAsJsonArray().get(0).getAsDouble(), 1e-6 * Math.abs(top[0]));
        JsonArray t = d.getAsJsonArray("t");
        for (int k = 0; k < 3; k++) {
            assertEquals(topIds[i][k], t.get(k).getAsJsonArray().get(0).getAsInt());
            assertEquals(Fixture.VOCAB[topIds[i][k]], t.get(k).getAsJsonArray().get(1).getAsString());
            assertEquals(topValues[i][k], t.get(k).getAsJsonArray().get(2).getAsDouble(), 1e-6);
            assertEquals(bottomIds[i][k], d.getAsJsonArray("b").get(k).getAsJsonArray().get(0).getAsInt());
        }
        assertEquals(role[i], d.getAsJsonObject("r").get("role").getAsString());
        assertEquals(attention[i], d.getAsJsonObject("r").get("attention_candidate").getAsBoolean());
    }

    /** The top neuron's best context is the planted markup token, with the text before and after it. */
    @Test
    void contextsAreTheTokensAroundTheActivationAndMarkupStaysData() throws IOException {
        assertEquals(0, run("--browser-contexts", "2").exitCode);
        JsonArray detail = call(data().resolve("trained/" + Fixture.TOP_LAYER + "-0.js")).getAsJsonArray();
        JsonArray c = detail.get(Fixture.TOP_NEURON).getAsJsonObject().getAsJsonArray("c");
        assertEquals(2, c.size());
        JsonArray best = c.get(0).getAsJsonArray();
        assertEquals(9.0, best.get(0).getAsDouble(), 1e-6);
        assertEquals(fx.vocabContextBefore(12), best.get(1).getAsString());
        assertEquals(Fixture.VOCAB[Fixture.MARKUP_ID], best.get(2).getAsString());
        StringBuilder after = new StringBuilder();
        for (int t = Fixture.VOCAB_POS + 1; t < Math.min(Fixture.CTX, Fixture.VOCAB_POS + 1 + NeuronBrowser.AFTER); t++) {
            after.append(Fixture.VOCAB[fx.vocabTokens[Fixture.VOCAB_SEQ][t]]);
        }
        assertEquals(after.toString(), best.get(3).getAsString());
        assertEquals(List.of(Fixture.VOCAB_SEQ, Fixture.VOCAB_POS), List.of(best.get(4).getAsInt(), best.get(5).getAsInt()));
        // the second context is the GPT-2 shard's planted token, decoded by BPE
        assertEquals(7.0, c.get(1).getAsJsonArray().get(0).getAsDouble(), 1e-6);
        try (Stream<Path> files = Files.walk(data())) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String s = Files.readString(f);
                assertFalse(s.contains("<") || s.contains(">") || s.contains("&"), f + " holds raw markup");
            }
        }
    }

    /** Chunks of 24 of a layer's 64 neurons: 24, 24 and 16, neuron 50 the third chunk's third. */
    @Test
    void chunksSplitALayerAtTheirSize() throws IOException {
        NeuronGroup t = NeuronGroup.read("trained", fx.trained);
        BrowserGroup g = BrowserGroup.read(t, fx.stats, null, Map.of(Fixture.MODEL, roles));
        BrowserContexts c = BrowserContexts.decode(List.of(g), List.of(fx.vocabShard, fx.gpt2Shard), 1, 4, 2);
        Path out = dir.resolve("chunks");
        assertEquals(1 + LAYERS * 4, NeuronBrowser.write(out, List.of(g), c, "t", 24));
        for (int l = 0; l < LAYERS; l++) {
            int[] sizes = new int[3];
            for (int k = 0; k < 3; k++) {
                sizes[k] = call(out.resolve("neurons/data/trained/" + l + "-" + k + ".js")).getAsJsonArray().size();
            }
            assertEquals("[24, 24, 16]", java.util.Arrays.toString(sizes));
        }
        JsonObject n50 = call(out.resolve("neurons/data/trained/1-2.js")).getAsJsonArray().get(2).getAsJsonObject();
        CsvTable table = CsvTable.read(fx.trained, "table", ',');
        assertEquals(table.number(D + 50, "excess_corr"), n50.getAsJsonArray("s").get(6).getAsDouble(), 1e-7);
        assertEquals(topIds[D + 50][0], n50.getAsJsonArray("t").get(0).getAsJsonArray().get(0).getAsInt());
    }

    @Test
    void badInputsAreRefusedBeforeAnythingIsWritten() throws IOException {
        int half = N / 2;
        TopTokensFile.write(roles.resolve("top_tokens.h5"), new TopTokensFile.TopTokens(Fixture.MODEL, LAYERS, D / 2,
                Fixture.VOCAB.length, java.util.Arrays.copyOf(topIds, half), java.util.Arrays.copyOf(topValues, half),
                java.util.Arrays.copyOf(bottomIds, half), java.util.Arrays.copyOf(bottomValues, half)));
        ToolRunner r = run();
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("report: error: " + roles.resolve("top_tokens.h5") + ": 3 x 32 neurons, but " + fx.trained
                + " (trained) has 3 x 64; expected the weights task directory of model tiny-a", r.errorLine());
        assertFalse(Files.exists(dir.resolve("out/report")));
        ToolRunner g = run("--stats", "nosuch=" + fx.stats);
        assertEquals(2, g.exitCode, g.toString());
        assertTrue(g.errorLine().contains("--stats: no group 'nosuch' among the --neurons groups (trained, control)"),
                g.errorLine());
    }

    @Test
    void noBrowserLeavesItOut() throws IOException {
        assertEquals(0, run("--no-browser").exitCode);
        assertFalse(Files.exists(dir.resolve("out/report/neurons")));
        assertFalse(Files.readString(dir.resolve("out/report/index.html")).contains("neurons/index.html"));
    }

    private static List<String> strings(JsonArray a) {
        List<String> out = new ArrayList<>();
        a.forEach(e -> out.add(e.getAsString()));
        return out;
    }
}
