package org.uneurons.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

import org.uneurons.core.stats.ActivationStats;
import org.uneurons.formats.NeuronStatsFile;
import org.uneurons.formats.TokenShard;
import org.uneurons.formats.TopTokensFile;

/**
 * Writes a run's outputs at a model's real shape with random values, laid out as a run's --outdir, for the neuron
 * browser's benchmark (tools/browser-bench.sh runs the report on them, then times the browser in headless Chromium):
 * universality/trained/neurons.csv with partners in four other models, stats/seed1.stats.h5 (histograms and top-50
 * activations from one token shard), corpus/analysis.00000.h5, roles/seed1/ (roles.csv, roles_layers.csv,
 * top_tokens.h5).
 *
 * <pre>java -cp "dist/bench.jar:dist/lib/*" org.uneurons.bench.BrowserInputs OUTDIR [N_LAYERS D_MLP]</pre>
 * (default 24 x 4096, GPT-2 medium).
 */
public final class BrowserInputs {
    static final String[] OTHERS = {"seed2", "seed3", "seed4", "seed5"};
    static final int SEQS = 4;
    static final int CTX = 128;
    static final int VOCAB = 50257;

    private BrowserInputs() {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        int nLayers = args.length > 1 ? Integer.parseInt(args[1]) : 24;
        int dMlp = args.length > 2 ? Integer.parseInt(args[2]) : 4096;
        long t0 = System.nanoTime();
        SplittableRandom r = new SplittableRandom(1);
        neurons(Files.createDirectories(out.resolve("universality/trained")).resolve("neurons.csv"), nLayers, dMlp, r);
        Path shard = Files.createDirectories(out.resolve("corpus")).resolve("analysis.00000.h5");
        int[][] tokens = new int[SEQS][CTX];
        for (int[] seq : tokens) {
            for (int t = 0; t < CTX; t++) {
                seq[t] = r.nextInt(VOCAB - 1);
            }
        }
        TokenShard.write(shard, tokens, TokenShard.Meta.gpt2("random"));
        stats(Files.createDirectories(out.resolve("stats")).resolve("seed1.stats.h5"), nLayers, dMlp, r);
        roles(Files.createDirectories(out.resolve("roles/seed1")), nLayers, dMlp, r);
        System.err.printf(Locale.ROOT, "browser inputs: %d x %d neurons written to %s in %.1f s%n", nLayers, dMlp, out,
                (System.nanoTime() - t0) / 1e9);
    }

    static void neurons(Path file, int nLayers, int dMlp, SplittableRandom r) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("layer,neuron,max_corr,mean_corr,min_corr,max_baseline,mean_baseline,min_baseline,excess_corr,"
                    + "is_universal,dead");
            for (String m : OTHERS) {
                w.write(",partner_layer_" + m + ",partner_neuron_" + m + ",corr_" + m + ",baseline_" + m);
            }
            w.write(",act_freq,kurt,vocab_kurt,vocab_skew\n");
            for (int l = 0; l < nLayers; l++) {
                for (int j = 0; j < dMlp; j++) {
                    double base = 0.2 + 0.3 * r.nextDouble(), excess = r.nextDouble() * r.nextDouble() * 0.8;
                    double mean = Math.min(1, base + excess);
                    StringBuilder sb = new StringBuilder();
                    sb.append(l).append(',').append(j).append(',').append(Math.min(1, mean + 0.05)).append(',').append(mean)
                            .append(',').append(mean - 0.05).append(',').append(base + 0.02).append(',').append(base)
                            .append(',').append(base - 0.02).append(',').append(mean - base).append(',')
                            .append(mean - base > 0.5 ? 1 : 0).append(",0");
                    for (String ignored : OTHERS) {
                        sb.append(',').append(r.nextInt(nLayers)).append(',').append(r.nextInt(dMlp)).append(',')
                                .append(mean + 0.02 * r.nextGaussian()).append(',').append(base);
                    }
                    sb.append(',').append(r.nextDouble() * 0.5).append(',').append(3 + 20 * r.nextDouble() * r.nextDouble())
                            .append(',').append(3 + r.nextDouble()).append(',').append(r.nextGaussian()).append('\n');
                    w.write(sb.toString());
                }
            }
        }
    }

    /** Statistics from the shard's SEQS x CTX tokens with random pre-activations (post = GELU-like max(0, x)). */
    static void stats(Path file, int nLayers, int dMlp, SplittableRandom r) {
        ActivationStats st = new ActivationStats("seed1", nLayers, dMlp, 50);
        int src = st.beginShard("analysis.00000.h5", "random shard");
        int rows = SEQS * CTX;
        float[] pre = new float[rows * dMlp], post = new float[rows * dMlp];
        for (int l = 0; l < nLayers; l++) {
            for (int i = 0; i < pre.length; i++) {
                pre[i] = (float) (r.nextGaussian() - 0.5);
                post[i] = Math.max(0, pre[i]);
            }
            st.addPre(l, pre, rows);
            st.addPost(l, post, rows, src, 0, "random shard");
        }
        NeuronStatsFile.write(file, st, st.columns(), "seed1");
    }

    /** roles.csv with every neuron's role "none" and no candidates (so roles_layers.csv's counts are zeros). */
    static void roles(Path dir, int nLayers, int dMlp, SplittableRandom r) {
        try (Writer w = Files.newBufferedWriter(dir.resolve("roles.csv"), StandardCharsets.UTF_8)) {
            w.write("layer,neuron,vocab_mean,vocab_var,vocab_skew,vocab_kurt,w_out_norm,l2_penalty,null_fraction,role,"
                    + "entropy_candidate,bos_layer,bos_head,bos_score,bos_ratio,attention_candidate\n");
            for (int l = 0; l < nLayers; l++) {
                for (int j = 0; j < dMlp; j++) {
                    w.write(l + "," + j + ",0.0," + r.nextDouble() * 1e-3 + "," + r.nextGaussian() + "," + (3 + r.nextDouble())
                            + "," + r.nextDouble() + "," + r.nextDouble() + "," + r.nextDouble() + ",none,false,"
                            + (l < nLayers - 1 ? (l + 1) + ",0," + r.nextGaussian() + "," + r.nextDouble() : ",,,") + ",false\n");
                }
            }
            StringBuilder layers = new StringBuilder("layer,prediction,suppression,partition,entropy_candidates,"
                    + "attention_candidates,vocab_kurt_p5,vocab_kurt_p10,vocab_kurt_p50,vocab_kurt_p90,vocab_kurt_p95,"
                    + "vocab_skew_p5,vocab_skew_p10,vocab_skew_p50,vocab_skew_p90,vocab_skew_p95\n");
            for (int l = 0; l < nLayers; l++) {
                layers.append(l).append(",0,0,0,0,0,3.1,3.2,3.5,3.8,3.9,-1,-0.5,0,0.5,1\n");
            }
            Files.writeString(dir.resolve("roles_layers.csv"), layers.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int n = nLayers * dMlp, k = 20;
        int[][] topIds = new int[n][k], bottomIds = new int[n][k];
        float[][] topValues = new float[n][k], bottomValues = new float[n][k];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < k; c++) {
                topIds[i][c] = r.nextInt(VOCAB);
                bottomIds[i][c] = r.nextInt(VOCAB);
                topValues[i][c] = 1f - c * 0.01f;
                bottomValues[i][c] = -1f + c * 0.01f;
            }
        }
        TopTokensFile.write(dir.resolve("top_tokens.h5"), new TopTokensFile.TopTokens("seed1", nLayers, dMlp, VOCAB,
                topIds, topValues, bottomIds, bottomValues));
    }
}
