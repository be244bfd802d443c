package org.uneurons.families;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import org.apache.commons.math3.special.Erf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.stats.TokenFilter;
import org.uneurons.core.testing.TestData;
import org.uneurons.core.testing.ToolRunner;
import org.uneurons.formats.FamiliesFile;
import org.uneurons.formats.TokenShard;
import org.uneurons.models.Checkpoints;
import org.uneurons.models.ForwardResult;
import org.uneurons.models.Hook;
import org.uneurons.models.TransformerModel;

/** The tool in-process on gpt2-tiny (2 layers x 192 neurons, vocabulary 1000, context 64): outputs and bad inputs. */
class FamiliesToolTest {
    static final int LAYERS = 2;
    static final int D = 192;
    static final int VOCAB = 1000;

    @TempDir
    Path dir;

    Path table(String name, int layers, int universal) throws IOException {
        SplittableRandom r = new SplittableRandom(3);
        StringBuilder sb = new StringBuilder("layer,neuron,mean_corr,mean_baseline,excess_corr,is_universal,kurt\n");
        for (int l = 0; l < layers; l++) {
            for (int n = 0; n < D; n++) {
                int u = l * D + n < universal ? 1 : 0;
                sb.append(l).append(',').append(n).append(",0.5,0.2,").append(r.nextDouble()).append(',').append(u)
                        .append(",3.5\n");
            }
        }
        Path f = dir.resolve(name);
        Files.writeString(f, sb.toString());
        return f;
    }

    static String[] vocab() {
        String[] v = new String[VOCAB];
        String[] words = {" the", "The", " The", "the", ",", " ,", ".", " and", " of", " 1995"};
        for (int i = 0; i < VOCAB; i++) {
            v[i] = i < words.length ? words[i] : (i % 2 == 0 ? " w" : "W") + i;
        }
        v[VOCAB - 1] = "<unk>";
        return v;
    }

    Path shard(String name, int seqs, long seed, int vocabSize, int badId) {
        SplittableRandom r = new SplittableRandom(seed);
        int[][] tokens = new int[seqs][16];
        for (int[] row : tokens) {
            for (int t = 0; t < row.length; t++) {
                row[t] = t == 0 ? 999 : r.nextInt(20);
            }
        }
        if (badId >= 0) {
            tokens[seqs - 1][5] = badId;
        }
        Path f = dir.resolve(name);
        TokenShard.write(f, tokens, new TokenShard.Meta("external", vocabSize, 999, 999, "test"),
                vocabSize == VOCAB ? vocab() : null, new TokenFilter(999), VOCAB - 1);
        return f;
    }

    ToolRunner run(FamiliesTool tool, String... extra) {
        List<String> args = new ArrayList<>(List.of("--checkpoint", TestData.hf("gpt2-tiny").toString(), "--outdir",
                dir.resolve("out").toString(), "--batch-size", "3", "--top-n", "6", "--unigram-min-count", "5",
                "--context-min-count", "2"));
        args.addAll(List.of(extra));
        return ToolRunner.run(tool, args.toArray(String[]::new));
    }

    /** A tagger that calls tokens of even length NOUN and odd VERB, and marks sentence ends at '.'. */
    static SequenceFeatures planted() {
        return new SequenceFeatures() {
            public List<String> tagSets() {
                return List.of("pos", "sent_end");
            }

            public String[][] tag(String[] texts, boolean[] special) {
                String[][] out = new String[2][texts.length];
                for (int i = 0; i < texts.length; i++) {
                    out[0][i] = special[i] ? NONE : texts[i].length() % 2 == 0 ? "NOUN" : "VERB";
                    out[1][i] = special[i] ? NONE : String.valueOf(texts[i].equals(".") || i == texts.length - 1);
                }
                return out;
            }

            public String describe() {
                return "planted";
            }

            public void close() {
            }
        };
    }

    @Test
    void topNByExcessWhenNoneIsUniversal() throws IOException {
        Path table = table("neurons.csv", LAYERS, 0);
        ToolRunner r = run(new FamiliesTool(n -> n.equals("planted") ? planted() : SequenceFeatures.none()),
                "--table", table.toString(), "--shard", shard("s.00001.h5", 7, 1, VOCAB, -1).toString(),
                "--shard", shard("s.00000.h5", 5, 2, VOCAB, -1).toString(), "--tagger", "planted");
        assertEquals(0, r.exitCode, r.toString());
        assertTrue(r.stdout.contains("no neuron is universal: the top 6 by excess_corr stand in"), r.stdout);
        List<String> csv = Files.readAllLines(dir.resolve("out/families.csv"));
        assertEquals(FamiliesFile.CSV_HEADER, csv.get(0));
        assertEquals(7, csv.size());
        FamiliesFile.Families f = FamiliesFile.read(dir.resolve("out/families.h5"));
        assertEquals(6, f.rows());
        assertEquals(f.features().length, f.vr()[0].length);
        List<String> kinds = Arrays.asList(f.featureKinds());
        for (String k : Feature.KINDS) {
            assertTrue(kinds.contains(k), "feature kind " + k + " in " + kinds);
        }
        assertTrue(Arrays.asList(f.features()).contains("pos=NOUN"));
        assertTrue(Arrays.asList(f.features()).contains("prev_sent_end=true"));
        assertTrue(Arrays.asList(f.features()).contains("the_unigram"));
        assertEquals("planted", f.attributes().get("tagger"));
        assertEquals("table:kurt", f.attributes().get("kurtosis_source"));
        for (int i = 1; i < f.rows(); i++) {
            assertTrue(f.layer()[i - 1] * D + f.neuron()[i - 1] < f.layer()[i] * D + f.neuron()[i], "layer-major");
        }
        assertNotNull(f.topTokenTexts()[0][0]);
    }

    /** The built-in OpenNLP tagger: its tag sets become sequence features (on the previous token too). */
    @Test
    void openNlpTaggerGivesSequenceFeatures() throws IOException {
        ToolRunner r = run(new FamiliesTool(), "--table", table("neurons.csv", LAYERS, 0).toString(),
                "--shard", shard("s.00000.h5", 6, 4, VOCAB, -1).toString(), "--tagger", "opennlp");
        assertEquals(0, r.exitCode, r.toString());
        FamiliesFile.Families f = FamiliesFile.read(dir.resolve("out/families.h5"));
        assertEquals("opennlp-en", f.attributes().get("tagger"));
        List<String> features = Arrays.asList(f.features());
        assertTrue(features.contains("pos=DET"), "' the' / 'The' are determiners: " + features);
        assertTrue(features.contains("pos=PUNCT") && features.contains("prev_pos=PUNCT"), features.toString());
        assertTrue(features.stream().noneMatch(x -> x.endsWith("=_") || x.endsWith("=NONE")),
                "no feature for 'does not apply' or 'no word'");
    }

    /** The device path (columns selected where the model runs): on DJL's CPU device here, on a GPU when one is seen. */
    @Test
    void theDevicePathGivesTheCpuResult() throws IOException {
        Path table = table("neurons.csv", LAYERS, 40);
        Path s0 = shard("s.00000.h5", 6, 4, VOCAB, -1);
        ToolRunner cpu = run(new FamiliesTool(), "--table", table.toString(), "--shard", s0.toString(), "--device", "cpu");
        assertEquals(0, cpu.exitCode, cpu.toString());
        FamiliesFile.Families a = FamiliesFile.read(dir.resolve("out/families.h5"));
        ToolRunner dflt = run(new FamiliesTool(), "--table", table.toString(), "--shard", s0.toString());
        assertEquals(0, dflt.exitCode, dflt.toString());
        FamiliesFile.Families b = FamiliesFile.read(dir.resolve("out/families.h5"));
        for (int i = 0; i < a.rows(); i++) {
            assertArrayEquals(a.vr()[i], b.vr()[i], "neuron " + i + ": --device cpu is the default");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount() > 0,
                "no GPU visible to PyTorch: the gpu half skipped");
        ToolRunner gpu = run(new FamiliesTool(), "--table", table.toString(), "--shard", s0.toString(), "--device", "gpu");
        assertEquals(0, gpu.exitCode, gpu.toString());
        FamiliesFile.Families g = FamiliesFile.read(dir.resolve("out/families.h5"));
        for (int i = 0; i < a.rows(); i++) {
            for (int f = 0; f < a.vr()[i].length; f++) {
                double x = a.vr()[i][f], y = g.vr()[i][f];
                assertTrue(Double.compare(x, y) == 0 || Math.abs(x - y) <= 1e-4, "neuron " + i + " feature " + f
                        + ": cpu " + x + " vs gpu " + y + " (float32 forwards on different kernels)");
            }
        }
    }

    @Test
    void universalNeuronsAndTheSameResultWhateverTheNeuronsPerPass() throws IOException {
        Path table = table("neurons.csv", LAYERS, 200); // 0.0-0.191 and 1.0-1.7
        Path s0 = shard("s.00000.h5", 6, 4, VOCAB, -1);
        ToolRunner one = run(new FamiliesTool(), "--table", table.toString(), "--shard", s0.toString());
        assertEquals(0, one.exitCode, one.toString());
        assertTrue(one.stdout.contains("the 200 universal neurons"), one.stdout);
        FamiliesFile.Families a = FamiliesFile.read(dir.resolve("out/families.h5"));
        ToolRunner three = run(new FamiliesTool(), "--table", table.toString(), "--shard", s0.toString(),
                "--neurons-per-pass", "70");
        assertEquals(0, three.exitCode, three.toString());
        assertTrue(three.stderr.contains("in 3 pass(es)"), three.stderr);
        FamiliesFile.Families b = FamiliesFile.read(dir.resolve("out/families.h5"));
        assertEquals(200, b.rows());
        for (int i = 0; i < a.rows(); i++) {
            assertArrayEquals(a.vr()[i], b.vr()[i], "neuron " + i + ": passes change nothing");
        }
        assertArrayEquals(a.family(), b.family());
    }

    @Test
    void idsWithoutTextsSkipTokenTextFeaturesWithANote() throws IOException {
        Path table = table("neurons.csv", LAYERS, 0);
        SplittableRandom r = new SplittableRandom(1);
        int[][] tokens = new int[4][16];
        for (int[] row : tokens) {
            Arrays.setAll(row, t -> r.nextInt(50));
        }
        Path s = dir.resolve("ids.h5");
        TokenShard.write(s, tokens, new TokenShard.Meta("external", VOCAB, -1, -1, "ids"), null, TokenFilter.none());
        ToolRunner run = run(new FamiliesTool(), "--table", table.toString(), "--shard", s.toString());
        assertEquals(0, run.exitCode, run.toString());
        assertTrue(run.stdout.contains("token-text features (vocabulary, unigram) and sequence features are skipped"),
                run.stdout);
        FamiliesFile.Families f = FamiliesFile.read(dir.resolve("out/families.h5"));
        assertEquals(0, f.features().length);
        assertTrue(((String) f.attributes().get("notes")).contains("skipped"));
    }

    @Test
    void badInputsGiveOneErrorLine() throws IOException {
        Path good = shard("s.00000.h5", 3, 1, VOCAB, -1);
        ToolRunner shape = run(new FamiliesTool(), "--table", table("three.csv", 3, 0).toString(), "--shard",
                good.toString());
        assertEquals(1, shape.exitCode);
        assertTrue(shape.errorLine().contains("outside the checkpoint's 2 layers x 192 neurons"), shape.errorLine());
        Files.writeString(dir.resolve("empty.csv"), "layer,neuron,excess_corr,is_universal\n");
        ToolRunner none = run(new FamiliesTool(), "--table", dir.resolve("empty.csv").toString(), "--shard",
                good.toString());
        assertEquals(1, none.exitCode);
        assertTrue(none.errorLine().contains("no neuron rows"), none.errorLine());
        ToolRunner ids = run(new FamiliesTool(), "--table", table("neurons.csv", LAYERS, 0).toString(), "--shard",
                shard("big.h5", 3, 1, 2000, 1500).toString());
        assertEquals(1, ids.exitCode);
        assertTrue(ids.errorLine().contains("token id 1500") && ids.errorLine().contains("outside the vocabulary"),
                ids.errorLine());
        ToolRunner tagger = run(new FamiliesTool(), "--table", table("neurons.csv", LAYERS, 0).toString(), "--shard",
                good.toString(), "--tagger", "spacy");
        assertEquals(2, tagger.exitCode, tagger.toString());
        Path table = table("neurons.csv", LAYERS, 0);
        ToolRunner outdir = ToolRunner.run(new FamiliesTool(), "--table", table.toString(), "--checkpoint",
                TestData.hf("gpt2-tiny").toString(), "--shard", good.toString(), "--outdir", table.toString());
        assertEquals(1, outdir.exitCode, outdir.toString());
        assertTrue(outdir.errorLine().contains("is a file, not a directory"), outdir.errorLine());
        assertTrue(Files.readString(table).startsWith("layer,neuron"), "the input is untouched");
        for (ToolRunner r : List.of(shape, none, ids, tagger, outdir)) {
            assertEquals(1, r.stderr.lines().filter(l -> l.contains("error")).count(), r.stderr);
        }
    }

    @Test
    void thePassSelectsTheChosenColumnsAndTheirExactGelu() {
        int[][] tokens = {{1, 5, 7, 9, 2, 3}, {4, 4, 8, 0, 11, 6}};
        NeuronChoice choice = new NeuronChoice(new int[] {0, 0, 1}, new int[] {3, 150, 77}, new double[3], null, null, "");
        try (TransformerModel m = Checkpoints.load(TestData.hf("gpt2-tiny"), Device.cpu())) {
            List<SequenceBatch> got = new ArrayList<>();
            Path s = dir.resolve("t.h5");
            TokenShard.write(s, tokens, new TokenShard.Meta("external", VOCAB, -1, -1, "t"), null, TokenFilter.none());
            new ModelPass(m, choice, new int[] {0, 1, 2}).run(TokenShard.read(s), 1,
                    new ModelPass.Tagging(SequenceFeatures.none(), null, VOCAB), got::add, null);
            try (ForwardResult full = m.forward(tokens, EnumSet.of(Hook.MLP_PRE))) {
                float[][] layers = {ForwardResult.floats(full.mlpPre(0)), ForwardResult.floats(full.mlpPre(1))};
                for (int seq = 0; seq < 2; seq++) {
                    SequenceBatch b = got.get(seq);
                    for (int t = 0; t < 6; t++) {
                        for (int c = 0; c < 3; c++) {
                            float want = layers[choice.layer()[c]][(seq * 6 + t) * D + choice.neuron()[c]];
                            assertEquals(want, b.pre()[t * 3 + c], 1e-5f);
                            double gelu = 0.5 * want * (1 + Erf.erf(want / Math.sqrt(2)));
                            assertEquals(gelu, b.post()[t * 3 + c], 1e-6);
                        }
                    }
                }
            }
        }
    }
}
