package org.uneurons.report;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingType;
import org.uneurons.core.cli.Progress;
import org.uneurons.formats.ActivationFile;
import org.uneurons.formats.TokenShard;
import org.uneurons.core.stats.ActivationStats;
import org.uneurons.formats.NeuronStatsFile;

/**
 * Synthetic report inputs with known contents: a trained anchor (3 layers x 64 neurons, excess spread from about
 * -0.05 to 0.95 so every sweep threshold separates something), a random-init control (excess near 0), the
 * anchor's layer_fractions.csv and percentiles.csv, a statistics file written by the stats module from two
 * activation files, and the two token shards they name: one with a /vocab holding markup ({@code <b>&}), one plain
 * GPT-2 shard.
 */
final class Fixture {
    static final int LAYERS = 3;
    static final int D = 64;
    static final int N = LAYERS * D;
    static final int CTX = 16;
    static final String MODEL = "tiny-a";
    static final String[] OTHERS = {"tiny-b", "tiny-c"};
    /** The planted top neuron (highest excess) and where it fires most. */
    static final int TOP_LAYER = 1;
    static final int TOP_NEURON = 5;
    static final int VOCAB_SEQ = 2;
    static final int VOCAB_POS = 13;
    static final int GPT2_SEQ = 1;
    static final String GPT2_TEXT = "The whale swam past the ship & the sailors shouted <loudly> at the sea";
    /** Vocabulary of the /vocab shard: words with spaces, a markup token and a newline. */
    static final String[] VOCAB = {"<|endoftext|>", " the", " sea", " ship", "<b>&", " sailed", "\n", " a", " whale",
        " Ahab", " on", " and", "\"q\"", " x", " y", " z"};
    static final int MARKUP_ID = 4;

    final Path dir;
    final double[][] excess = new double[2][N];
    final double[][] meanCorr = new double[2][N];
    final double[][] baseline = new double[2][N];
    final int[][] universal = new int[2][N];
    final int[][] vocabTokens = new int[4][CTX];
    int[] gpt2Ids;

    Path trained, control, layerFractions, percentiles, stats, vocabShard, gpt2Shard, trainLog, controlLog, params, modelDir;
    /** Three tasks' timing.tsv files as bin/un-task writes them: two of UN:EXTRACT, one of UN:CORRELATE. */
    final List<Path> timings = new ArrayList<>();

    Fixture(Path dir) throws IOException {
        this.dir = dir;
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < N; i++) {
            // trained: a wide spread; control: noise around 0.01
            excess[0][i] = -0.05 + r.nextDouble() * r.nextDouble() * 0.85;
            excess[1][i] = 0.01 + 0.01 * r.nextGaussian();
        }
        excess[0][TOP_LAYER * D + TOP_NEURON] = 0.9;
        for (int g = 0; g < 2; g++) {
            for (int i = 0; i < N; i++) {
                baseline[g][i] = 0.02 + 0.05 * r.nextDouble();
                meanCorr[g][i] = baseline[g][i] + excess[g][i];
                universal[g][i] = excess[g][i] > 0.5 ? 1 : 0;
            }
        }
        trained = neurons("trained.csv", 0, true);
        control = neurons("control.csv", 1, false);
        layerFractions = dir.resolve("layer_fractions.csv");
        StringBuilder lf = new StringBuilder("layer,n_neurons,n_universal,fraction\n");
        for (int l = 0; l < LAYERS; l++) {
            int u = 0;
            for (int j = 0; j < D; j++) {
                u += universal[0][l * D + j];
            }
            lf.append(l).append(',').append(D).append(',').append(u).append(',').append(u / (double) D).append('\n');
        }
        Files.writeString(layerFractions, lf.toString());
        percentiles = dir.resolve("percentiles.csv");
        Files.writeString(percentiles, "metric,layer,median_percentile,n_universal\n"
                + "act_freq,0,12.5,3\nact_freq,1,20.0,4\nact_freq,all,15.25,7\nkurt,1,91.0,4\nkurt,all,88.75,7\n");
        writeShardsAndStats();
        String[][] tasks = {{"a", "UN:EXTRACT\ta\t0\t64.000\t70.50\t812"}, {"b", "UN:EXTRACT\tb\t0\t0.850\t1.20\t640"},
            {"c", "UN:CORRELATE\ta-b\t0\t12.300\t20.00\t300"}};
        for (String[] t : tasks) {
            Path f = Files.createDirectories(dir.resolve("work").resolve(t[0])).resolve("timing.tsv");
            Files.writeString(f, "process\ttag\texit\twall_s\tcpu_s\tpeak_rss_mib\n" + t[1] + "\n");
            timings.add(f);
        }
        trainLog = dir.resolve("train.csv");
        // the train tool's train_log.csv: step 0 has only a validation loss, later rows validate every 200 steps
        Files.writeString(trainLog, "step,lr,train_loss,val_loss,grad_norm,tokens,elapsed_s\n"
                + "0,0.00000,,8.300000,,0,0.512\n100,0.00100,5.200000,,1.2,819200,10.1\n"
                + "200,0.00090,4.501200,4.712300,0.9,1638400,20.3\n300,0.00050,4.234560,,0.8,2457600,30.0\n");
        controlLog = dir.resolve("control_train.csv");
        Files.writeString(controlLog, "step,lr,train_loss,val_loss,grad_norm,tokens,elapsed_s\n0,0.00000,,8.312000,,0,0.4\n");
        params = dir.resolve("params.yaml");
        Files.writeString(params, "# demo\nthreshold: 0.5\nseeds: 3\nmodel:\n  n_layer: 3\n  d_model: 32\nlayers_list:\n  - 0\n  - 1\n");
        modelDir = Files.createDirectories(dir.resolve("ckpt-a"));
        Files.writeString(modelDir.resolve("config.json"), "{\"model_type\":\"gpt2\",\"n_layer\":3,\"n_embd\":16,"
                + "\"n_head\":2,\"n_inner\":null,\"n_positions\":16,\"vocab_size\":16}");
    }

    private Path neurons(String name, int g, boolean withStats) throws IOException {
        StringBuilder sb = new StringBuilder("layer,neuron,max_corr,mean_corr,min_corr,max_baseline,mean_baseline,"
                + "min_baseline,excess_corr,is_universal");
        for (String m : OTHERS) {
            sb.append(",partner_layer_").append(m).append(",partner_neuron_").append(m).append(",corr_").append(m)
                    .append(",baseline_").append(m);
        }
        if (withStats) {
            sb.append(",act_freq,act_freq_paper,kurt");
        }
        sb.append('\n');
        for (int i = 0; i < N; i++) {
            int l = i / D;
            int j = i % D;
            double mc = meanCorr[g][i];
            double b = baseline[g][i];
            sb.append(l).append(',').append(j).append(',').append(mc + 0.01).append(',').append(mc).append(',')
                    .append(mc - 0.01).append(',').append(b + 0.01).append(',').append(b).append(',').append(b - 0.01)
                    .append(',').append(excess[g][i]).append(',').append(universal[g][i]);
            for (int m = 0; m < OTHERS.length; m++) {
                sb.append(',').append((l + m) % LAYERS).append(',').append((j * 7 + m) % D).append(',')
                        .append(mc + (m == 0 ? 0.01 : -0.01)).append(',').append(b);
            }
            if (withStats) {
                // universal neurons fire rarely and have heavy tails; act_freq (> 0) is a little below act_freq_paper
                sb.append(',').append(actFreq(g, i) - 0.005).append(',').append(actFreq(g, i))
                        .append(',').append(kurt(g, i));
            }
            sb.append('\n');
        }
        Path p = dir.resolve(name);
        Files.writeString(p, sb.toString());
        return p;
    }

    /** The act_freq_paper column of the statistics fixture: universal neurons fire rarely. */
    double actFreq(int g, int i) {
        return universal[g][i] == 1 ? 0.01 + 0.001 * (i % D) : 0.2 + 0.001 * (i % D);
    }

    /** The kurt column: heavy tails for universal neurons. */
    double kurt(int g, int i) {
        return universal[g][i] == 1 ? 9.0 + i % D : 3.0 + 0.01 * (i % D);
    }

    private void writeShardsAndStats() throws IOException {
        SplittableRandom r = new SplittableRandom(7);
        for (int s = 0; s < vocabTokens.length; s++) {
            vocabTokens[s][0] = 0;
            for (int t = 1; t < CTX; t++) {
                int id;
                do {
                    id = 1 + r.nextInt(VOCAB.length - 1);
                } while (id == MARKUP_ID);
                vocabTokens[s][t] = id;
            }
        }
        vocabTokens[VOCAB_SEQ][VOCAB_POS] = MARKUP_ID;
        vocabTokens[VOCAB_SEQ][VOCAB_POS - 3] = 6; // a newline inside the window
        vocabShard = dir.resolve("toy.00000.h5");
        TokenShard.write(vocabShard, vocabTokens, new TokenShard.Meta("external", VOCAB.length, 0, 0, "synthetic"), VOCAB);

        var bpe = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
        gpt2Ids = bpe.encodeOrdinary(GPT2_TEXT).toArray();
        int[][] gpt2 = new int[2][CTX];
        for (int s = 0; s < 2; s++) {
            gpt2[s][0] = TokenShard.Meta.GPT2_EOT;
            for (int t = 1; t < CTX; t++) {
                gpt2[s][t] = gpt2Ids[(t - 1) % gpt2Ids.length];
            }
        }
        gpt2Shard = dir.resolve("gpt.00000.h5");
        TokenShard.write(gpt2Shard, gpt2, TokenShard.Meta.gpt2("synthetic"));

        // Activations: small noise everywhere; the top neuron fires hardest on the markup token of the vocab shard,
        // next hardest at GPT2_SEQ, position CTX-1 of the GPT-2 shard.
        List<Path> acts = new ArrayList<>();
        acts.add(activations("toy.00000.h5", vocabTokens.length, r, VOCAB_SEQ * CTX + VOCAB_POS, 9.0));
        acts.add(activations("gpt.00000.h5", 2, r, GPT2_SEQ * CTX + CTX - 1, 7.0));
        ActivationStats st = new ActivationStats(MODEL, LAYERS, D, 3);
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        for (Path a : acts) {
            try (ActivationFile.Reader reader = ActivationFile.Reader.open(a)) {
                reader.addTo(st, 16, new Progress(quiet, "stats", "tokens", reader.nTokens(), 60));
            }
        }
        stats = dir.resolve("tiny-a.stats.h5");
        NeuronStatsFile.write(stats, st, st.columns(), "ckpt-a");
    }

    private Path activations(String shard, int nSeq, SplittableRandom r, int plantedRow, double planted) {
        int n = nSeq * CTX;
        int[] ids = new int[n];
        int[] pos = new int[n];
        for (int t = 0; t < n; t++) {
            pos[t] = t % CTX;
        }
        Path p = dir.resolve(shard + ".acts.h5");
        try (ActivationFile.Writer w = ActivationFile.Writer.create(p, new ActivationFile.Spec(MODEL, shard, LAYERS, D,
                ActivationFile.Precision.FLOAT32, List.of("mlp_post", "mlp_pre")))) {
            w.appendTokens(ids, pos);
            for (int l = 0; l < LAYERS; l++) {
                float[] post = new float[n * D];
                float[] pre = new float[n * D];
                for (int i = 0; i < post.length; i++) {
                    pre[i] = (float) r.nextGaussian();
                    post[i] = (float) Math.max(0, pre[i]);
                }
                if (l == TOP_LAYER) {
                    post[plantedRow * D + TOP_NEURON] = (float) planted;
                }
                w.append("mlp_post", l, post);
                w.append("mlp_pre", l, pre);
            }
            w.finish();
        }
        return p;
    }

    /** The expected text of the vocab-shard context: the 12 tokens before the markup token, then the token. */
    String vocabContextBefore(int window) {
        StringBuilder sb = new StringBuilder();
        for (int t = Math.max(0, VOCAB_POS - window); t < VOCAB_POS; t++) {
            sb.append(VOCAB[vocabTokens[VOCAB_SEQ][t]]);
        }
        return sb.toString();
    }

    static String pct(int count, int n) {
        return String.format(Locale.ROOT, "%.2f%%", 100.0 * count / n);
    }
}
