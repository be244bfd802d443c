package org.uneurons.weights;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.apache.commons.cli.Options;
import org.uneurons.blas.OpenBlasGemm;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.cli.UsageException;
import org.uneurons.core.io.AtomicOutput;
import org.uneurons.core.io.CheckpointWeights;
import org.uneurons.core.io.Hdf5;
import org.uneurons.core.io.Hdf5Writer;
import org.uneurons.core.io.OutputSet;
import org.uneurons.core.stats.Percentiles;
import org.uneurons.formats.CheckpointRef;
import org.uneurons.formats.ModelConfig;
import org.uneurons.formats.TopTokensFile;
import org.uneurons.formats.WeightSource;
import org.uneurons.models.ProcessedWeights;
import org.uneurons.models.VocabTokens;
import org.uneurons.models.WeightProcessing;
import org.uneurons.models.WeightStats;

/**
 * weights (one task per model): functional roles read from the checkpoint's TransformerLens-processed weights
 * (METHOD 7.1-7.3; docs/roles.md). Writes roles.csv (one row per neuron: vocabulary moments, output norm, the
 * fraction of ||w_out||^2 in the bottom singular subspace of W_U, role, entropy candidate, best BOS head and
 * attention-deactivation candidate), roles_layers.csv (per layer: role and candidate counts and the 5/10/50/90/95th
 * percentiles of vocab_kurt and vocab_skew) and attention_scores.h5 (every neuron-head score, the baseline, the keys).
 */
public final class WeightsTool extends Tool {
    static final double[] PERCENTILES = {5, 10, 50, 90, 95};

    public WeightsTool() {
        super("weights", "Prediction, suppression, partition and entropy-candidate neurons of one model, from its weights.");
    }

    public static void main(String[] argv) {
        main(new WeightsTool(), argv);
    }

    @Override
    protected void declareOptions(Options o) {
        o.addOption(option("checkpoint", "NAME=DIR", "the model's checkpoint (safetensors or pytorch_model.bin; NAME names it"
                + " in messages, DIR alone: the directory's name)"));
        o.addOption(option("outdir", "DIR", "directory for roles.csv, roles_layers.csv and attention_scores.h5 (made when missing)"));
        o.addOption(option("null-k", "K", "dimension of W_U's bottom singular subspace (default 10)"));
        o.addOption(option("entropy-filter", "small|medium", "the paper's entropy-candidate query (default: medium for 24"
                + " layers or more, else small)"));
        o.addOption(option("vocab-block", "N", "vocabulary columns per product (default 4096)"));
        o.addOption(option("top-tokens", "K", "tokens kept per neuron each way in top_tokens.h5 (default 20)"));
        o.addOption(option("bos-random", "R", "random unit directions of the attention-deactivation baseline (default 1000)"));
        o.addOption(option("bos-token", "ID", "the token whose key the attention scores use (default: the config's"
                + " bos_token_id)"));
        o.addOption(option("threads", "N", "BLAS threads (default: all cores)"));
    }

    @Override
    protected int doWork(Args args) {
        if (!args.has("checkpoint") || !args.has("outdir")) {
            throw new UsageException("weights needs --checkpoint and --outdir (see --help)");
        }
        CheckpointRef model = CheckpointRef.parse(args.string("checkpoint"), "--checkpoint");
        if (!Files.exists(model.dir())) {
            throw new InputException(model.dir() + ": no such file or directory (--checkpoint)");
        }
        args.input("--checkpoint", model.dir());
        int k = args.positive("null-k", 10);
        int vocabBlock = args.positive("vocab-block", 4096);
        int threads = args.positive("threads", Runtime.getRuntime().availableProcessors());
        String filter = args.has("entropy-filter") ? args.choice("entropy-filter", "small", "small", "medium") : null;
        Path outdir = args.outputDir("outdir");
        Path[] files = new Path[OUTPUTS.length];
        for (int i = 0; i < files.length; i++) {
            files[i] = args.outputFile("--outdir", outdir.resolve(OUTPUTS[i]));
        }
        int topK = args.positive("top-tokens", 20);
        int nRandom = args.positive("bos-random", 1000);

        ModelConfig cfg = ModelConfig.read(model.dir(), model.name());
        ProcessedWeights w;
        try (CheckpointWeights st = CheckpointWeights.open(model.dir())) {
            w = WeightProcessing.process(cfg, WeightSource.of(st));
        }
        if (k >= w.dModel) {
            throw new UsageException("--null-k " + k + " must be below d_model " + w.dModel);
        }
        Roles.EntropyFilter ef = filter == null ? Roles.EntropyFilter.forLayers(w.nLayers)
                : Roles.EntropyFilter.valueOf(filter.toUpperCase(Locale.ROOT));
        int bos = args.has("bos-token") ? args.integer("bos-token", cfg.bosTokenId) : cfg.bosTokenId;
        if (bos < 0 || bos >= cfg.vocabSize) {
            throw new UsageException("--bos-token " + bos + " is outside the vocabulary [0, " + cfg.vocabSize + ")");
        }
        if (topK > w.vocab) {
            throw new UsageException("--top-tokens " + topK + " is more than the vocabulary's " + w.vocab + " tokens");
        }
        VocabTokens top = new VocabTokens(w.nLayers * w.dMlp, topK);
        Result r = analyse(w, k, ef, vocabBlock, threads, top);
        AttentionScores.Result a;
        try (OpenBlasGemm gemm = new OpenBlasGemm(threads)) {
            a = AttentionScores.compute(w, cfg, bos, nRandom, BOS_SEED, gemm);
        }
        try (OutputSet out = new OutputSet()) {
            out.write(files[0], AtomicOutput.string(r.rolesCsv(a)));
            out.write(files[1], AtomicOutput.string(r.layersCsv(a)));
            out.write(files[2], file -> scoresFile(file, model.name(), bos, a, w));
            out.write(files[3], file -> tokensFile(file, model.name(), top, w));
            out.commit();
        }
        err.println(summary(model.name(), w, r, a, ef, k, bos, nRandom));
        return EXIT_OK;
    }

    /** The one line on stderr: the role and candidate counts and how they were found. */
    static String summary(String model, ProcessedWeights w, Result r, AttentionScores.Result a, Roles.EntropyFilter ef,
                          int k, int bos, int nRandom) {
        long attention = 0;
        for (boolean c : a.candidate()) {
            attention += c ? 1 : 0;
        }
        return String.format(Locale.ROOT, "weights: %s, %d x %d neurons: %d prediction, %d suppression, %d partition,"
                + " %d entropy candidate(s) (%s filter, bottom %d of %d singular directions), %d attention-deactivation"
                + " candidate(s) (BOS token %d, %d random directions)", model, w.nLayers, w.dMlp,
                r.count("prediction"), r.count("suppression"), r.count("partition"), r.candidates(),
                ef.name().toLowerCase(Locale.ROOT), k, w.dModel, attention, bos, nRandom);
    }

    /** The files of --outdir, published together. */
    static final String[] OUTPUTS = {"roles.csv", "roles_layers.csv", "attention_scores.h5", "top_tokens.h5"};

    /** The random baseline's seed, fixed so that a model's file does not depend on the run. */
    static final long BOS_SEED = 1;

    /** attention_scores.h5: every (neuron, head) score, the baseline's, the BOS keys (docs/output.md). */
    static void scoresFile(Path file, String model, int bos, AttentionScores.Result a, ProcessedWeights w) {
        int nl = w.nLayers, nh = w.nHeads;
        try (Hdf5Writer h = Hdf5Writer.create(file)) {
            h.attribute("format", "uneurons-attention-scores-1").attribute("model", model).attribute("bos_id", bos)
                    .attribute("n_random", a.random().length).attribute("seed", BOS_SEED);
            // the rows are neurons layer-major, each [head layer, head]: /scores in row-major order, with no copy
            h.streamed("scores", Hdf5.Element.FLOAT32, new long[] {nl, w.dMlp, nl, nh}, Hdf5.fromFloatRows(a::scores));
            h.streamed("random_scores", Hdf5.Element.FLOAT32, new long[] {a.random().length, nl, nh},
                    Hdf5.fromFloatRows(a::random));
            h.dataset("k_bos", a.kBos());
        }
    }

    /** Every column of roles.csv, flat layer-major. */
    record Result(int nLayers, int dMlp, Map<String, double[]> columns, String[] role, boolean[] entropy) {
        long count(String name) {
            return java.util.Arrays.stream(role).filter(name::equals).count();
        }

        long candidates() {
            long c = 0;
            for (boolean b : entropy) {
                c += b ? 1 : 0;
            }
            return c;
        }

        String rolesCsv(AttentionScores.Result a) {
            StringBuilder sb = new StringBuilder("layer,neuron");
            for (String c : columns.keySet()) {
                sb.append(',').append(c);
            }
            sb.append(",role,entropy_candidate,bos_layer,bos_head,bos_score,bos_ratio,attention_candidate\n");
            for (int i = 0; i < role.length; i++) {
                sb.append(i / dMlp).append(',').append(i % dMlp);
                for (double[] c : columns.values()) {
                    sb.append(',').append(c[i]);
                }
                sb.append(',').append(role[i]).append(',').append(entropy[i]).append(',');
                if (a.bestHead()[i] >= 0) { // last-layer neurons have no later head: empty fields
                    sb.append(a.bestLayer()[i]).append(',').append(a.bestHead()[i]).append(',').append(a.bestScore()[i])
                            .append(',').append(a.ratio()[i]);
                } else {
                    sb.append(",,,");
                }
                sb.append(',').append(a.candidate()[i]).append('\n');
            }
            return sb.toString();
        }

        String layersCsv(AttentionScores.Result a) {
            StringBuilder sb = new StringBuilder("layer,prediction,suppression,partition,entropy_candidates,attention_candidates");
            for (String stat : new String[] {"vocab_kurt", "vocab_skew"}) {
                for (double p : PERCENTILES) {
                    sb.append(',').append(stat).append("_p").append((int) p);
                }
            }
            sb.append('\n');
            for (int l = 0; l < nLayers; l++) {
                int[] n = new int[5];
                for (int j = 0; j < dMlp; j++) {
                    int i = l * dMlp + j;
                    switch (role[i]) {
                        case "prediction" -> n[0]++;
                        case "suppression" -> n[1]++;
                        case "partition" -> n[2]++;
                        default -> { }
                    }
                    n[3] += entropy[i] ? 1 : 0;
                    n[4] += a.candidate()[i] ? 1 : 0;
                }
                sb.append(l).append(',').append(n[0]).append(',').append(n[1]).append(',').append(n[2]).append(',')
                        .append(n[3]).append(',').append(n[4]);
                for (String stat : new String[] {"vocab_kurt", "vocab_skew"}) {
                    double[] layer = java.util.Arrays.copyOfRange(columns.get(stat), l * dMlp, (l + 1) * dMlp);
                    for (double p : PERCENTILES) {
                        sb.append(',').append(Percentiles.linear(layer, p));
                    }
                }
                sb.append('\n');
            }
            return sb.toString();
        }
    }

    /** top_tokens.h5: each neuron's k most raised and most lowered tokens, strongest first (docs/output.md). */
    static void tokensFile(Path file, String model, VocabTokens top, ProcessedWeights w) {
        int n = w.nLayers * w.dMlp, k = top.k();
        int[][] topIds = new int[n][], bottomIds = new int[n][];
        float[][] topValues = new float[n][k], bottomValues = new float[n][k];
        for (int i = 0; i < n; i++) {
            VocabTokens.Ranked t = top.top(i), b = top.bottom(i);
            topIds[i] = t.ids();
            bottomIds[i] = b.ids();
            for (int c = 0; c < k; c++) {
                topValues[i][c] = (float) t.values()[c];
                bottomValues[i][c] = (float) b.values()[c];
            }
        }
        TopTokensFile.write(file, new TopTokensFile.TopTokens(model, w.nLayers, w.dMlp, w.vocab, topIds, topValues,
                bottomIds, bottomValues));
    }

    static Result analyse(ProcessedWeights w, int k, Roles.EntropyFilter ef, int vocabBlock, int threads) {
        return analyse(w, k, ef, vocabBlock, threads, null);
    }

    static Result analyse(ProcessedWeights w, int k, Roles.EntropyFilter ef, int vocabBlock, int threads,
            VocabTokens top) {
        Map<String, double[]> vocab;
        try (OpenBlasGemm gemm = new OpenBlasGemm(threads)) {
            vocab = WeightStats.vocab(w, gemm, vocabBlock, top);
        }
        Map<String, double[]> ws = WeightStats.weights(w);
        Map<String, double[]> columns = new LinkedHashMap<>(vocab);
        columns.put("w_out_norm", ws.get("w_out_norm"));
        columns.put("l2_penalty", ws.get("l2_penalty"));
        columns.put("null_fraction", Roles.nullFraction(w, Roles.bottomSubspace(w, k, null)));
        String[] role = Roles.roles(vocab);
        boolean[] entropy = new boolean[role.length];
        for (int i = 0; i < role.length; i++) {
            entropy[i] = ef.passes(i / w.dMlp, w.nLayers, ws.get("l2_penalty")[i], vocab.get("vocab_var")[i],
                    vocab.get("vocab_kurt")[i]);
        }
        return new Result(w.nLayers, w.dMlp, columns, role, entropy);
    }
}
