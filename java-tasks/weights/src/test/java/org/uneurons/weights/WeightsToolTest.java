package org.uneurons.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.io.CheckpointWeights;
import org.uneurons.core.io.SafetensorsWriter;
import org.uneurons.core.io.TensorInfo;
import org.uneurons.core.stats.PlainGemm;
import org.uneurons.core.testing.ToolRunner;
import org.uneurons.formats.ModelConfig;
import org.uneurons.formats.WeightSource;
import org.uneurons.models.Checkpoints;
import org.uneurons.models.ProcessedWeights;
import org.uneurons.models.RandomCheckpoint;
import org.uneurons.models.WeightProcessing;
import org.uneurons.models.WeightStats;

/** The tool on a random GPT-2 checkpoint: what it writes against the vocabulary statistics and its own percentiles. */
class WeightsToolTest {
    @TempDir
    Path tmp;

    @Test
    void writesOneRowPerNeuronAndPerLayer() throws Exception {
        RandomCheckpoint c = RandomCheckpoint.gpt2();
        c.nLayers = 3;
        c.dMlp = 40;
        Path ck = c.writeGpt2(tmp.resolve("m3"));
        Path out = tmp.resolve("out");
        ToolRunner r = ToolRunner.run(new WeightsTool(), "--checkpoint", ck.toString(), "--outdir", out.toString(),
                "--null-k", "4", "--vocab-block", "37", "--threads", "1");
        assertEquals(0, r.exitCode, r::toString);
        assertTrue(r.stderr.contains("weights: m3, 3 x 40 neurons:"), r.stderr);

        ProcessedWeights w;
        try (CheckpointWeights st = CheckpointWeights.open(ck)) {
            w = WeightProcessing.process(ModelConfig.read(ck, Checkpoints.name(ck)), WeightSource.of(st));
        }
        var vocab = WeightStats.vocab(w, new PlainGemm(), 300);
        List<String> rows = Files.readAllLines(out.resolve("roles.csv"));
        assertEquals("layer,neuron,vocab_mean,vocab_var,vocab_skew,vocab_kurt,w_out_norm,l2_penalty,null_fraction,role,"
                + "entropy_candidate,bos_layer,bos_head,bos_score,bos_ratio,attention_candidate", rows.get(0));
        assertEquals(1 + 3 * 40, rows.size());
        double[][] kurt = new double[3][40], skew = new double[3][40];
        for (int i = 0; i < 120; i++) {
            String[] f = rows.get(1 + i).split(",");
            assertEquals(i / 40, Integer.parseInt(f[0]));
            assertEquals(i % 40, Integer.parseInt(f[1]));
            assertEquals(vocab.get("vocab_var")[i], Double.parseDouble(f[3]), 1e-12);
            assertEquals(vocab.get("vocab_kurt")[i], Double.parseDouble(f[5]), 1e-9);
            double frac = Double.parseDouble(f[8]);
            assertTrue(frac >= 0 && frac <= 1, f[8]);
            assertEquals(Roles.role(vocab.get("vocab_var")[i], vocab.get("vocab_skew")[i], vocab.get("vocab_kurt")[i]), f[9]);
            kurt[i / 40][i % 40] = Double.parseDouble(f[5]);
            skew[i / 40][i % 40] = Double.parseDouble(f[4]);
        }
        List<String> layers = Files.readAllLines(out.resolve("roles_layers.csv"));
        assertEquals("layer,prediction,suppression,partition,entropy_candidates,attention_candidates,vocab_kurt_p5,vocab_kurt_p10,vocab_kurt_p50,"
                + "vocab_kurt_p90,vocab_kurt_p95,vocab_skew_p5,vocab_skew_p10,vocab_skew_p50,vocab_skew_p90,vocab_skew_p95",
                layers.get(0));
        assertEquals(4, layers.size());
        for (int l = 0; l < 3; l++) {
            String[] f = layers.get(1 + l).split(",");
            // the median by sorting, as its own reference (40 values: the mean of the 20th and 21st)
            double[] k = kurt[l].clone(), s = skew[l].clone();
            Arrays.sort(k);
            Arrays.sort(s);
            assertEquals((k[19] + k[20]) / 2, Double.parseDouble(f[8]), 1e-12);
            assertEquals((s[19] + s[20]) / 2, Double.parseDouble(f[13]), 1e-12);
            // p5 of 40 values: position 0.05 * 39 = 1.95 in the sorted order
            assertEquals(k[1] + 0.95 * (k[2] - k[1]), Double.parseDouble(f[6]), 1e-12);
            String layer = l + ",";
            long counted = rows.stream().skip(1).filter(x -> x.startsWith(layer)).filter(x -> x.contains(",prediction,"))
                    .count();
            assertEquals(counted, Long.parseLong(f[1]));
        }
    }

    /**
     * Roles planted in the raw GPT-2 checkpoint, through the processing: final LayerNorm weight 1, residual
     * coordinates 0 and 1 of the embedding equal (so e_0 - e_1, whose mean is 0 and which centring leaves alone, is an
     * exact null direction of the processed W_U), and in the last layer c_proj rows 2 x token 17's embedding,
     * -2 x token 400's and 3 (e_0 - e_1); the others random.
     */
    @Test
    void rolesPlantedInACheckpointSurviveTheProcessing() throws Exception {
        RandomCheckpoint c = RandomCheckpoint.gpt2();
        c.nLayers = 2;
        c.dModel = 384;
        c.nHeads = 4;
        c.dMlp = 8;
        c.vocab = 1000;
        c.nCtx = 8;
        Path ck = c.writeGpt2(tmp.resolve("planted"));
        int d = 384;
        Map<String, float[]> data = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        try (CheckpointWeights st = CheckpointWeights.open(ck)) {
            for (String name : st.names().stream().sorted().toList()) {
                TensorInfo info = st.info(name);
                data.put(name, st.floats(name));
                shapes.put(name, info.shape());
            }
        }
        float[] wte = data.get("transformer.wte.weight");
        for (int v = 0; v < 1000; v++) {
            wte[v * d + 1] = wte[v * d];
        }
        Arrays.fill(data.get("transformer.ln_f.weight"), 1f);
        float[] proj = data.get("transformer.h.1.mlp.c_proj.weight"); // [d_mlp, d_model]
        for (int r = 0; r < d; r++) {
            proj[r] = 2 * wte[17 * d + r];
            proj[d + r] = -2 * wte[400 * d + r];
            proj[2 * d + r] = r == 0 ? 3 : r == 1 ? -3 : 0;
        }
        SafetensorsWriter w = new SafetensorsWriter();
        data.forEach((name, x) -> w.putF32(name, x, shapes.get(name)));
        Path file = ck.resolve(CheckpointWeights.SAFETENSORS);
        Files.delete(file);
        w.write(file);

        Path out = tmp.resolve("out");
        ToolRunner r = ToolRunner.run(new WeightsTool(), "--checkpoint", ck.toString(), "--outdir", out.toString(),
                "--entropy-filter", "medium", "--threads", "1");
        assertEquals(0, r.exitCode, r::toString);
        List<String> rows = Files.readAllLines(out.resolve("roles.csv"));
        for (int i = 0; i < 16; i++) {
            String[] f = rows.get(1 + i).split(",");
            String role = i == 8 ? "prediction" : i == 9 ? "suppression" : "none";
            assertEquals(role, f[9], rows.get(1 + i));
            double frac = Double.parseDouble(f[8]);
            if (i == 10) {
                assertEquals(1.0, frac, 1e-6, rows.get(1 + i));
            } else {
                assertTrue(frac < 0.2, rows.get(1 + i));
            }
            assertEquals(String.valueOf(i == 10), f[10], rows.get(1 + i));
        }
        assertTrue(r.stderr.contains(": 1 prediction, 1 suppression, 0 partition, 1 entropy candidate(s) (medium filter,"
                + " bottom 10 of 384 singular directions),"), r.stderr);
    }

    @Test
    void refusesABottomSubspaceAsLargeAsTheResidual() {
        Path ck = RandomCheckpoint.gpt2().writeGpt2(tmp.resolve("m"));
        ToolRunner r = ToolRunner.run(new WeightsTool(), "--checkpoint", ck.toString(), "--outdir",
                tmp.resolve("o").toString(), "--null-k", "32");
        assertEquals(2, r.exitCode, r::toString);
        assertEquals("weights: error: --null-k 32 must be below d_model 32", r.errorLine());
    }
}
