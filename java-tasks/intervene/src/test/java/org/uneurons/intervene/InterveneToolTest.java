package org.uneurons.intervene;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;

import ai.djl.Device;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.io.Hdf5Reader;
import org.uneurons.core.testing.ToolRunner;
import org.uneurons.formats.CsvTable;
import org.uneurons.formats.ModelConfig;
import org.uneurons.formats.TokenShard;
import org.uneurons.models.Checkpoints;
import org.uneurons.models.ForwardResult;
import org.uneurons.models.Hook;
import org.uneurons.models.Intervention;
import org.uneurons.models.RandomCheckpoint;
import org.uneurons.models.TransformerModel;

/**
 * The tool on a random GPT-2 checkpoint with a roles.csv written here: every reported number recomputed from the
 * model's plain outputs with float64 arithmetic in the test (softmax, entropy, rank, Pearson), the frozen-LayerNorm
 * rows from the hand-computed direct effect, the choices from the table's columns, and bad inputs refused.
 */
class InterveneToolTest {
    static final int LAYERS = 3, HEADS = 4, D = 32, M = 48, VOCAB = 97, SEQS = 5, CONTEXT = 16, AFTER = 10;
    static final double TOL = 2e-5;

    @TempDir
    Path dir;
    Path ckpt;
    Path shard;
    int[][] ids;

    @BeforeEach
    void setUp() {
        RandomCheckpoint c = RandomCheckpoint.gpt2();
        c.nLayers = LAYERS;
        c.dModel = D;
        c.nHeads = HEADS;
        c.dMlp = M;
        c.vocab = VOCAB;
        c.nCtx = 24;
        c.std = 0.3;
        c.seed = 11;
        ckpt = c.writeGpt2(dir.resolve("model"));
        SplittableRandom r = new SplittableRandom(5);
        int[][] tokens = new int[SEQS + 2][20];
        for (int[] row : tokens) {
            for (int t = 0; t < row.length; t++) {
                row[t] = t == 0 ? 0 : 1 + r.nextInt(VOCAB - 1);
            }
        }
        shard = dir.resolve("analysis.00000.h5");
        TokenShard.write(shard, tokens, new TokenShard.Meta("external", VOCAB, 0, 0, "test"));
        ids = new int[SEQS][];
        for (int s = 0; s < SEQS; s++) {
            ids[s] = Arrays.copyOf(tokens[s], CONTEXT);
        }
    }

    /** A roles.csv for the checkpoint's 3 x 48 neurons with planted candidates for every check. */
    static String roles(int rows) {
        StringBuilder sb = new StringBuilder("layer,neuron,vocab_mean,vocab_var,vocab_skew,vocab_kurt,w_out_norm,l2_penalty,"
                + "null_fraction,role,entropy_candidate,bos_layer,bos_head,bos_score,bos_ratio,attention_candidate\n");
        for (int i = 0; i < rows; i++) {
            int l = i / M;
            String role = i == PREDICTION ? "prediction" : i == SUPPRESSION ? "suppression" : "none";
            double kurt = i == PREDICTION ? 50 : i == SUPPRESSION ? 40 : 3 + i % 5;
            sb.append(l).append(',').append(i % M).append(",0,").append(0.01 + 0.001 * (i % 7)).append(',')
                    .append(i == SUPPRESSION ? -2 : 0.5).append(',').append(kurt).append(",1,").append(1 + i % 11)
                    .append(',').append((i % 17) / 17.0).append(',').append(role).append(',').append(i == CANDIDATE)
                    .append(',');
            if (l < LAYERS - 1) {
                double score = (i % 3 == 0 ? 1 : -1) * (i % 5 + 1) * 0.1;
                double ratio = (i % 5 + 1) * 0.4 + i * 1e-4;
                sb.append(LAYERS - 1).append(',').append(i % HEADS).append(',').append(score).append(',').append(ratio)
                        .append(',').append(score > 0 && ratio > 1);
            } else {
                sb.append(",,,,false");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    static final int CANDIDATE = 2 * M + 3, PREDICTION = 2 * M + 40, SUPPRESSION = 2 * M + 41;

    Path writeRoles(int rows) throws IOException {
        Path f = dir.resolve("roles.csv");
        Files.writeString(f, roles(rows));
        return f;
    }

    /** The tool with the test's options; {@code extra} comes first, so an option given there wins (the first value counts). */
    ToolRunner run(String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of(extra));
        args.addAll(List.of("--checkpoint", "m=" + ckpt, "--roles", writeRoles(LAYERS * M).toString(),
                "--shard", shard.toString(), "--outdir", dir.resolve("out").toString(), "--top-k", "2", "--random", "3",
                "--values", "0,2.5", "--after-pos", String.valueOf(AFTER), "--context", String.valueOf(CONTEXT),
                "--max-tokens", String.valueOf(SEQS * CONTEXT + 7), "--batch-size", "2"));
        return ToolRunner.run(new InterveneTool(), args.toArray(String[]::new));
    }

    @Test
    void everyNumberMatchesAPlainRecomputation() throws IOException {
        ToolRunner r = run();
        assertEquals(0, r.exitCode, r.toString());
        ModelConfig cfg = ModelConfig.read(ckpt, "m");
        CsvTable entropy = CsvTable.read(dir.resolve("out/entropy.csv"), "entropy.csv", ',');
        CsvTable attention = CsvTable.read(dir.resolve("out/attention.csv"), "attention.csv", ',');
        CsvTable prediction = CsvTable.read(dir.resolve("out/prediction.csv"), "prediction.csv", ',');
        try (TransformerModel model = Checkpoints.load(ckpt, Device.cpu())) {
            // the unchanged run
            double[] nominal = plain(model, Intervention.none());
            assertEquals("nominal", entropy.string(0, "kind"));
            assertEquals((long) SEQS * (CONTEXT - 2), (long) entropy.number(0, "tokens"), "all but BOS and the last position");
            assertRow(entropy, 0, nominal);

            // chosen: the query candidate first, then the largest null fraction in the last two layers
            assertEquals(CANDIDATE / M, entropy.integer(1, "layer"));
            assertEquals(CANDIDATE % M, entropy.integer(1, "neuron"));
            int second = -1;
            for (int i = M; i < LAYERS * M; i++) {
                if (i != CANDIDATE && (second < 0 || (i % 17) > (second % 17))) {
                    second = i;
                }
            }
            int rowsPerNeuron = 2 * 2;
            assertEquals(second / M, entropy.integer(1 + rowsPerNeuron, "layer"));
            assertEquals(second % M, entropy.integer(1 + rowsPerNeuron, "neuron"));
            assertEquals(1 + 5 * rowsPerNeuron, entropy.rows(), "nominal + (2 chosen + 3 random) x 2 values x 2");

            // a fixed activation, the model's own LayerNorm; then the same with the scale frozen, by hand
            for (int row = 1; row < entropy.rows(); row++) {
                int l = entropy.integer(row, "layer"), n = entropy.integer(row, "neuron");
                float v = (float) entropy.number(row, "value");
                boolean frozen = Boolean.parseBoolean(entropy.string(row, "ln_frozen"));
                if (!frozen) {
                    assertRow(entropy, row, plain(model, Intervention.none().fix(l, n, v)));
                } else if (l == LAYERS - 1) {
                    assertRow(entropy, row, plainFrozen(model, l, n, v));
                }
            }

            // attention: the top pair by ratio among positive scores, its effects and correlations over all points
            int top = -1;
            for (int i = 0; i < (LAYERS - 1) * M; i++) {
                double score = (i % 3 == 0 ? 1 : -1) * (i % 5 + 1) * 0.1;
                double ratio = (i % 5 + 1) * 0.4 + i * 1e-4;
                if (score > 0 && (top < 0 || ratio > (top % 5 + 1) * 0.4 + top * 1e-4)) {
                    top = i;
                }
            }
            assertEquals(top / M, attention.integer(0, "layer"));
            assertEquals(top % M, attention.integer(0, "neuron"));
            assertEquals("attention", attention.string(0, "kind"));
            assertEquals(5, attention.rows(), "2 chosen + 3 random");
            checkAttention(model, attention, 0, top);
            checkAttention(model, attention, 4, attention.integer(4, "layer") * M + attention.integer(4, "neuron"));
            try (Hdf5Reader h = Hdf5Reader.open(dir.resolve("out/attention_points.h5"))) {
                assertArrayEquals(new int[] {5, SEQS * (CONTEXT - AFTER)}, h.shape("/norm_effect", "points"));
            }

            // prediction: the planted neurons, their tokens from the logit direction, the effect of zeroing them
            assertEquals("prediction", prediction.string(0, "kind"));
            assertEquals(PREDICTION % M, prediction.integer(0, "neuron"));
            assertEquals("suppression", prediction.string(1, "kind"));
            checkPrediction(model, prediction, 0, PREDICTION);
            checkPrediction(model, prediction, 1, SUPPRESSION);
            assertEquals(5, prediction.rows());
            assertEquals(cfg.nLayers, LAYERS);
        }
    }

    /** The device path: --device cpu is the default; on a GPU, when one is visible, the same tables to float32 error. */
    @Test
    void theDevicePathGivesTheCpuResult() throws IOException {
        assertEquals(0, run("--device", "cpu").exitCode);
        String cpu = Files.readString(dir.resolve("out/entropy.csv"));
        assertEquals(0, run().exitCode);
        assertEquals(cpu, Files.readString(dir.resolve("out/entropy.csv")));
        org.junit.jupiter.api.Assumptions.assumeTrue(ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount() > 0,
                "no GPU visible to PyTorch: the gpu half skipped");
        assertEquals(0, run("--device", "gpu").exitCode);
        CsvTable a = CsvTable.read(dir.resolve("out/entropy.csv"), "entropy.csv", ',');
        Files.writeString(dir.resolve("cpu.csv"), cpu);
        CsvTable b = CsvTable.read(dir.resolve("cpu.csv"), "entropy.csv", ',');
        for (int row = 0; row < a.rows(); row++) {
            assertEquals(b.number(row, "entropy"), a.number(row, "entropy"), 1e-4, "row " + row);
        }
    }

    /** versions.yml names what the run used beside the tool and Java: DJL, PyTorch, CUDA and the device. */
    @Test
    void versionsNameTheLibrariesAndTheDevice() throws IOException {
        org.uneurons.core.cli.TaskRecord record = new org.uneurons.core.cli.TaskRecord(dir, "WF:INTERVENE", "trained");
        List<String> args = new ArrayList<>(List.of("--checkpoint", "m=" + ckpt, "--roles", writeRoles(LAYERS * M).toString(),
                "--shard", shard.toString(), "--outdir", dir.resolve("out").toString(), "--top-k", "1", "--random", "0",
                "--values", "1", "--after-pos", "10", "--context", "16", "--max-tokens", "32"));
        assertEquals(0, ToolRunner.run(new InterveneTool().recordingTo(record), args.toArray(String[]::new)).exitCode);
        String yml = Files.readString(dir.resolve("versions.yml"));
        assertTrue(yml.startsWith("\"WF:INTERVENE\":\n    intervene: "), yml);
        assertTrue(yml.contains("\n    djl: \"" + ai.djl.engine.Engine.getDjlVersion() + "\"\n"), yml);
        assertTrue(yml.contains("\n    pytorch: \"" + ai.djl.engine.Engine.getEngine("PyTorch").getVersion() + "\"\n"), yml);
        assertTrue(yml.contains("\n    cuda: \"") && yml.endsWith("    device: \"cpu()\"\n"), yml);
    }

    @Test
    void theSeedChoosesTheRandomBaselines() throws IOException {
        assertEquals(0, run("--seed", "1").exitCode);
        String a = Files.readString(dir.resolve("out/attention.csv"));
        assertEquals(0, run("--seed", "1").exitCode);
        assertEquals(a, Files.readString(dir.resolve("out/attention.csv")), "same seed, same file");
        assertEquals(0, run("--seed", "2").exitCode);
        assertNotEquals(a, Files.readString(dir.resolve("out/attention.csv")), "another seed, other random neurons");
    }

    @Test
    void badInputsGiveOneLine() throws IOException {
        ToolRunner r = run("--after-pos", String.valueOf(CONTEXT));
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("intervene: error: --after-pos 16 leaves no query position in sequences of 16 tokens", r.stderr.strip());
        r = run("--values", "1,x");
        assertEquals("intervene: error: --values expects comma-separated finite numbers, got '1,x'", r.stderr.strip());
        Path roles = writeRoles(LAYERS * M - 1);
        r = ToolRunner.run(new InterveneTool(), "--checkpoint", "m=" + ckpt, "--roles", roles.toString(), "--shard",
                shard.toString(), "--outdir", dir.resolve("o2").toString());
        assertEquals("intervene: error: " + roles + ": 143 neuron rows, the checkpoint has 3 x 48 = 144 neurons (roles.csv of"
                + " another model?)", r.stderr.strip());
        assertTrue(Files.notExists(dir.resolve("o2/entropy.csv")), "nothing half-written");
        Files.writeString(roles, roles(LAYERS * M).replace(",bos_score,", ",bos_scor,"));
        r = ToolRunner.run(new InterveneTool(), "--checkpoint", "m=" + ckpt, "--roles", roles.toString(), "--shard",
                shard.toString(), "--outdir", dir.resolve("o2").toString());
        assertEquals(1, r.stderr.strip().lines().count(), r.stderr);
        assertTrue(r.stderr.contains("bos_score"), r.stderr);
    }

    // ---- plain recomputations --------------------------------------------------------------------------------

    /** Mean loss, entropy, reciprocal rank and LayerNorm scale over the scored tokens of a run, in float64. */
    double[] plain(TransformerModel model, Intervention iv) {
        try (ForwardResult r = model.forward(ids, EnumSet.of(Hook.LOGITS, Hook.LN_FINAL_SCALE), iv)) {
            return metrics(ForwardResult.floats(r.logits()), ForwardResult.floats(r.lnFinalScale()));
        }
    }

    /** The frozen-scale run of a last-layer neuron fixed at v: nominal logits + (v - a) / sigma * direction. */
    double[] plainFrozen(TransformerModel model, int l, int n, float v) {
        float[] dir = model.logitDirection(l, n);
        try (ForwardResult r = model.forward(ids, EnumSet.of(Hook.LOGITS, Hook.LN_FINAL_SCALE, Hook.MLP_POST))) {
            float[] logits = ForwardResult.floats(r.logits());
            float[] sigma = ForwardResult.floats(r.lnFinalScale());
            float[] post = ForwardResult.floats(r.mlpPost(l));
            for (int i = 0; i < sigma.length; i++) {
                double shift = (v - post[i * M + n]) / sigma[i];
                for (int t = 0; t < VOCAB; t++) {
                    logits[i * VOCAB + t] += (float) (shift * dir[t]);
                }
            }
            return metrics(logits, sigma);
        }
    }

    double[] metrics(float[] logits, float[] scale) {
        double loss = 0, ent = 0, rr = 0, sc = 0;
        long n = 0;
        for (int s = 0; s < SEQS; s++) {
            for (int t = 0; t + 1 < CONTEXT; t++) {
                if (ids[s][t] == 0) {
                    continue;
                }
                int base = (s * CONTEXT + t) * VOCAB;
                double max = Double.NEGATIVE_INFINITY;
                for (int v = 0; v < VOCAB; v++) {
                    max = Math.max(max, logits[base + v]);
                }
                double z = 0;
                for (int v = 0; v < VOCAB; v++) {
                    z += Math.exp(logits[base + v] - max);
                }
                double logZ = max + Math.log(z);
                int target = ids[s][t + 1];
                loss += logZ - logits[base + target];
                int rank = 0;
                for (int v = 0; v < VOCAB; v++) {
                    double lp = logits[base + v] - logZ;
                    ent -= Math.exp(lp) * lp;
                    rank += logits[base + v] > logits[base + target] ? 1 : 0;
                }
                rr += 1.0 / (rank + 1);
                sc += scale[s * CONTEXT + t];
                n++;
            }
        }
        return new double[] {loss / n, ent / n, rr / n, sc / n};
    }

    static void assertRow(CsvTable t, int row, double[] want) {
        String[] cols = {"loss", "entropy", "reciprocal_rank", "ln_scale"};
        for (int c = 0; c < cols.length; c++) {
            assertEquals(want[c], t.number(row, cols[c]), TOL * Math.max(1, Math.abs(want[c])),
                    "row " + row + " " + cols[c]);
        }
    }

    void checkAttention(TransformerModel model, CsvTable t, int row, int flat) {
        int l = flat / M, n = flat % M, hl = LAYERS - 1, head = flat % HEADS;
        assertEquals(hl, t.integer(row, "head_layer"));
        assertEquals(head, t.integer(row, "head"));
        int points = SEQS * (CONTEXT - AFTER);
        assertEquals(points, t.integer(row, "points"));
        float[] act = new float[points], normEffect = new float[points], bosEffect = new float[points];
        EnumSet<Hook> hooks = EnumSet.of(Hook.MLP_POST, Hook.ATTN_BOS, Hook.HEAD_Z_NORM);
        try (ForwardResult a = model.forward(ids, hooks);
             ForwardResult b = model.forward(ids, hooks, Intervention.none().ablateQueryPath(l, n, hl, head, AFTER))) {
            float[] post = ForwardResult.floats(a.mlpPost(l));
            float[] bos0 = ForwardResult.floats(a.attnBos(hl)), bos1 = ForwardResult.floats(b.attnBos(hl));
            float[] z0 = ForwardResult.floats(a.headZNorm(hl)), z1 = ForwardResult.floats(b.headZNorm(hl));
            int p = 0;
            for (int s = 0; s < SEQS; s++) {
                for (int pos = AFTER; pos < CONTEXT; pos++, p++) {
                    int hi = (s * HEADS + head) * CONTEXT + pos;
                    act[p] = post[(s * CONTEXT + pos) * M + n];
                    normEffect[p] = z0[hi] - z1[hi];
                    bosEffect[p] = bos0[hi] - bos1[hi];
                }
            }
        }
        assertEquals(mean(act), t.number(row, "mean_activation"), 1e-6);
        assertEquals(mean(normEffect), t.number(row, "mean_norm_effect"), 1e-6);
        assertEquals(mean(bosEffect), t.number(row, "mean_bos_prob_effect"), 1e-6);
        assertEquals(pearson(act, normEffect), t.number(row, "pearson_norm"), 1e-6);
        assertEquals(pearson(act, bosEffect), t.number(row, "pearson_bos"), 1e-6);
        assertTrue(Math.abs(mean(normEffect)) > 1e-4, "the ablation must do something for the test to mean anything");
    }

    void checkPrediction(TransformerModel model, CsvTable t, int row, int flat) {
        int l = flat / M, n = flat % M;
        float[] dir = model.logitDirection(l, n);
        Integer[] order = new Integer[VOCAB];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> a.equals(b) ? 0 : dir[a] != dir[b] ? Float.compare(dir[b], dir[a]) : a - b);
        StringBuilder boosted = new StringBuilder();
        for (int j = 0; j < 10; j++) {
            boosted.append(j == 0 ? "" : " ").append(order[j]);
        }
        assertEquals(boosted.toString(), t.string(row, "boosted_tokens"));
        int[] set = Arrays.stream(order).limit(10).mapToInt(Integer::intValue).toArray();
        double sum = 0;
        long active = 0;
        EnumSet<Hook> hooks = EnumSet.of(Hook.LOGITS, Hook.MLP_POST);
        try (ForwardResult a = model.forward(ids, hooks); ForwardResult b = model.forward(ids, hooks,
                Intervention.none().fix(l, n, 0f))) {
            float[] post = ForwardResult.floats(a.mlpPost(l));
            float[] la = ForwardResult.floats(a.logits()), lb = ForwardResult.floats(b.logits());
            for (int s = 0; s < SEQS; s++) {
                for (int pos = 1; pos + 1 < CONTEXT; pos++) {
                    int i = s * CONTEXT + pos;
                    if (post[i * M + n] > 0) {
                        sum += setProbability(lb, i, set) - setProbability(la, i, set);
                        active++;
                    }
                }
            }
        }
        assertEquals(active, t.integer(row, "active_tokens"));
        assertTrue(active > 0, "the neuron must be active somewhere for the test to mean anything");
        assertEquals(sum / active, t.number(row, "delta_prob_boosted"), 1e-6);
    }

    static double setProbability(float[] logits, int i, int[] set) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < VOCAB; v++) {
            max = Math.max(max, logits[i * VOCAB + v]);
        }
        double z = 0, p = 0;
        for (int v = 0; v < VOCAB; v++) {
            z += Math.exp(logits[i * VOCAB + v] - max);
        }
        for (int v : set) {
            p += Math.exp(logits[i * VOCAB + v] - max);
        }
        return p / z;
    }

    static double mean(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return s / v.length;
    }

    static double pearson(float[] x, float[] y) {
        double mx = mean(x), my = mean(y), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxy / Math.sqrt(sxx * syy);
    }
}
