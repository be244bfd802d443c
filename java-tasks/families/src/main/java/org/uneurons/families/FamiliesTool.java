package org.uneurons.families;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import ai.djl.Device;
import org.apache.commons.cli.Options;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.Progress;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.cli.UsageException;
import org.uneurons.nlp.OpenNlpTagger;
import org.uneurons.formats.CheckpointRef;
import org.uneurons.formats.FamiliesFile;
import org.uneurons.formats.ModelConfig;
import org.uneurons.formats.TokenShard;
import org.uneurons.models.Checkpoints;
import org.uneurons.models.Devices;
import org.uneurons.models.TransformerModel;

/**
 * families (one task per table model): which universal neurons (or, when none is universal, the top N by excess
 * correlation) are explained by which token, previous-token, position and sequence features (METHOD 6): the model
 * runs over the shards for those neurons only, the exact GELU of their pre-activations is summarised per value of
 * every categorical variable, every feature's variance reduction follows from those sums, and the paper's rules
 * label the families; k-means on the VR profiles groups them automatically. Outputs: families.csv and families.h5
 * ({@link FamiliesFile}); docs/families.md.
 */
public final class FamiliesTool extends Tool {
    /** 3000 occurrences in the paper's 10,000,384 tokens: the unigram count threshold as a rate. */
    static final double PAPER_UNIGRAM_RATE = 3000.0 / 10_000_384;

    private final Function<String, SequenceFeatures> taggers;

    public FamiliesTool() {
        this(FamiliesTool::builtInTagger);
    }

    /** With another tagger factory (tests plant taggers; "none" must give {@link SequenceFeatures#none()}). */
    FamiliesTool(Function<String, SequenceFeatures> taggers) {
        super("families", "Variance reduction of the chosen neurons' activations by token, previous-token, position and "
                + "sequence features; neuron families and clusters.");
        this.taggers = taggers;
    }

    public static void main(String[] argv) {
        main(new FamiliesTool(), argv);
    }

    static SequenceFeatures builtInTagger(String name) {
        return switch (name) {
            case "none" -> SequenceFeatures.none();
            case "opennlp" -> new NlpSequenceFeatures(OpenNlpTagger.english(), "opennlp-en");
            default -> throw new UsageException("--tagger expects none or opennlp, got '" + name + "'");
        };
    }

    @Override
    protected void declareOptions(Options o) {
        o.addOption(option("table", "FILE", "neurons.csv of the universality tool (the model's table)"));
        o.addOption(option("checkpoint", "NAME=DIR", "the table model's checkpoint (DIR alone: named after the directory)"));
        o.addOption(option("shard", "FILE", "token shard (repeatable, comma-separated; read in file-name order)"));
        o.addOption(option("outdir", "DIR", "where families.csv and families.h5 go"));
        o.addOption(option("top-n", "N", "neurons explained when none is universal: the top N by excess_corr (default 50)"));
        o.addOption(option("tagger", "NAME", "sequence tagger: none (default) or opennlp (Apache OpenNLP's English"
                + " models: part of speech, morphology, sentence bounds, stop words; docs/families.md)"));
        o.addOption(option("batch-size", "N", "sequences per forward pass (default 4)"));
        o.addOption(option("device", "DEV", "cpu (default), gpu or gpu:N"));
        o.addOption(option("neurons-per-pass", "N", "neurons summarised per pass over the shards (default: as many as"
                + " 40% of the heap holds; more passes cost time, not accuracy)"));
        o.addOption(option("unigram-min-count", "X", "a unigram must occur more than X times (default: the paper's rate,"
                + " 3000 per 10,000,384 tokens, times the tokens analysed)"));
        o.addOption(option("unigram-min-ids", "N", "and more than N vocabulary ids must map to it (default 3)"));
        o.addOption(option("small-norm", "X", "small_norm: embedding norm below X (default 0.52, the paper's GPT-2 value)"));
        o.addOption(option("unigram-vr", "X", "unigram family: best token feature's VR above X (default 0.5)"));
        o.addOption(option("alphabet-vr", "X", "alphabet family: best neuron of a letter unigram with VR above X (default 0.35)"));
        o.addOption(option("position-kurtosis", "X", "position family: activation kurtosis below X (default 2)"));
        o.addOption(option("min-vr", "X", "previous-token and syntax families: best VR at least X (default 0.2)"));
        o.addOption(option("duplicate-min", "N", "a duplicate family has at least N neurons (default 3)"));
        o.addOption(option("top-tokens", "N", "mean-activating tokens kept per neuron (default 10)"));
        o.addOption(option("context-min-count", "N", "... among tokens seen more than N times (default 20)"));
        o.addOption(option("max-clusters", "K", "clusters tried: 2..K (default 8)"));
        o.addOption(option("cluster-trials", "N", "k-means++ runs per k, best kept (default 5)"));
        o.addOption(option("seed", "S", "clustering seed (default 1)"));
    }

    /** The command line, checked before any input is read (exit 2). */
    record Settings(Path table, CheckpointRef checkpoint, List<Path> shards, Path outdir, int topN, String tagger,
                    int batchSize, Device device, Integer neuronsPerPass, Double unigramMinCount, int unigramMinIds,
                    double smallNorm, FamilyRules.Thresholds thresholds, int topTokens, int contextMinCount,
                    int maxClusters, int clusterTrials, long seed) {
        static Settings parse(Args args) {
            Path table = args.input("--table", existing(args.path("table"), "--table"));
            CheckpointRef ckpt = CheckpointRef.parse(args.string("checkpoint"), "--checkpoint");
            args.input("--checkpoint", existing(ckpt.dir(), "--checkpoint"));
            if (args.strings("shard").isEmpty()) {
                throw new UsageException("missing required option --shard (see --help)");
            }
            List<Path> shards = args.existingFiles("shard");
            Path outdir = args.outputDir("outdir");
            FamilyRules.Thresholds th = new FamilyRules.Thresholds(finite(args, "unigram-vr", 0.5),
                    finite(args, "alphabet-vr", 0.35), finite(args, "position-kurtosis", 2.0), finite(args, "min-vr", 0.2),
                    args.positive("duplicate-min", 3));
            Integer perPass = args.has("neurons-per-pass") ? args.positive("neurons-per-pass", 1) : null;
            Double minCount = args.has("unigram-min-count") ? finite(args, "unigram-min-count", 0) : null;
            return new Settings(table, ckpt, shards, outdir, args.positive("top-n", 50),
                    args.string("tagger", "none"), args.positive("batch-size", 4), Devices.parse(args.string("device", "cpu")),
                    perPass, minCount, nonNegative(args, "unigram-min-ids", 3), finite(args, "small-norm", 0.52), th,
                    args.positive("top-tokens", 10), nonNegative(args, "context-min-count", 20),
                    args.positive("max-clusters", 8), args.positive("cluster-trials", 5), args.longValue("seed", 1));
        }

        private static double finite(Args args, String opt, double dflt) {
            double v = args.decimal(opt, dflt);
            if (!Double.isFinite(v)) {
                throw new UsageException("--" + opt + " expects a finite number, got '" + args.string(opt) + "'");
            }
            return v;
        }

        private static int nonNegative(Args args, String opt, int dflt) {
            int v = args.integer(opt, dflt);
            if (v < 0) {
                throw new UsageException("--" + opt + " expects an integer >= 0, got " + v);
            }
            return v;
        }
    }

    @Override
    protected int doWork(Args args) {
        Settings s = Settings.parse(args);
        components.putAll(Devices.components(s.device()));
        Path csv = args.outputFile("--outdir", s.outdir().resolve("families.csv"));
        Path h5 = args.outputFile("--outdir", s.outdir().resolve("families.h5"));
        ModelConfig cfg = ModelConfig.read(s.checkpoint().dir(), s.checkpoint().name());
        NeuronChoice choice = NeuronChoice.read(s.table(), cfg.nLayers, cfg.dMlp, s.topN());
        Shards shards = Shards.read(s.shards(), cfg);
        TokenTexts.Decoded texts = TokenTexts.of(shards.meta(), shards.vocab());
        List<String> notes = notes(s, texts, choice);
        try (SequenceFeatures tagger = texts.texts() == null ? SequenceFeatures.none() : taggers.apply(s.tagger())) {
            FeatureCatalog.Inputs in = new FeatureCatalog.Inputs(texts.texts(), shards.unkId(),
                    texts.texts() == null ? null : EmbeddingNorms.of(s.checkpoint().dir(), cfg), s.smallNorm(),
                    unigramMinCount(s, shards.tokens()), s.unigramMinIds());
            Explanation e = explain(s, cfg, choice, shards, in, tagger, texts.texts());
            FamilyRules.Labels labels = FamilyRules.label(e.vr(), e.features(), kurtosis(choice, e), s.thresholds());
            VrClusters.Result clusters = VrClusters.cluster(e.vr(), s.maxClusters(), s.seed(), s.clusterTrials());
            Map<String, Object> attrs = attributes(s, cfg, choice, shards, texts, tagger, in, clusters, notes);
            FamiliesFile.write(Outputs.families(choice, e, labels, clusters, texts.texts(), kurtosis(choice, e), attrs),
                    csv, h5);
            Outputs.summary(out, choice, e, labels, clusters, notes);
        }
        return EXIT_OK;
    }

    private static Path existing(Path p, String opt) {
        if (!java.nio.file.Files.exists(p)) {
            throw new InputException(p + ": no such file or directory (" + opt + ")");
        }
        return p;
    }

    private static List<String> notes(Settings s, TokenTexts.Decoded texts, NeuronChoice choice) {
        List<String> notes = new ArrayList<>();
        notes.add("neurons: " + choice.rule());
        if (texts.texts() == null) {
            notes.add("token texts: none (ids of an external vocabulary without /vocab): token-text features (vocabulary, "
                    + "unigram) and sequence features are skipped; position and previous-token ids remain");
        } else {
            notes.add("token texts: " + texts.source());
        }
        return notes;
    }

    static double unigramMinCount(Settings s, long tokens) {
        return s.unigramMinCount() != null ? s.unigramMinCount() : PAPER_UNIGRAM_RATE * tokens;
    }

    /** The table's kurtosis column when it has one (kurt_binned: the paper's), else the one measured here. */
    static double[] kurtosis(NeuronChoice choice, Explanation e) {
        return choice.tableKurtosis() != null ? choice.tableKurtosis() : e.kurtosis();
    }

    /** One pass over the shards per block of neurons; the first block's pass fixes the features. */
    private Explanation explain(Settings s, ModelConfig cfg, NeuronChoice choice, Shards shards, FeatureCatalog.Inputs in,
                                SequenceFeatures tagger, String[] texts) {
        int perPass = s.neuronsPerPass() != null ? s.neuronsPerPass()
                : Passes.neuronsPerPass(Runtime.getRuntime().maxMemory(), cfg.vocabSize, shards.ctx());
        int[][] blocks = Passes.blocks(choice.size(), perPass);
        err.printf(Locale.ROOT, "families: %d neurons in %d pass(es) of up to %d over %,d tokens%n", choice.size(),
                blocks.length, perPass, shards.tokens());
        ModelPass.Tagging tagging = new ModelPass.Tagging(tagger, texts, cfg.vocabSize, shards.meta().bosId(),
                shards.meta().eosId(), shards.unkId());
        List<Explanation> parts = new ArrayList<>();
        try (TransformerModel model = Checkpoints.load(s.checkpoint().dir(), s.checkpoint().name(), s.device())) {
            for (int b = 0; b < blocks.length; b++) {
                FamilyAccumulator acc = new FamilyAccumulator(blocks[b].length, tagger.tagSets());
                ModelPass pass = new ModelPass(model, choice, blocks[b]);
                Progress p = new Progress(err, "families pass " + (b + 1) + "/" + blocks.length, "tokens",
                        shards.tokens(), 10);
                for (TokenShard shard : shards.list()) {
                    pass.run(shard, s.batchSize(), tagging, acc::add, p);
                }
                p.finish();
                parts.add(Explanation.of(acc, in, parts.isEmpty() ? null : parts.get(0).features(), s.topTokens(),
                        s.contextMinCount()));
            }
        }
        return Explanation.concat(parts);
    }

    private static Map<String, Object> attributes(Settings s, ModelConfig cfg, NeuronChoice choice, Shards shards,
                                                  TokenTexts.Decoded texts, SequenceFeatures tagger,
                                                  FeatureCatalog.Inputs in, VrClusters.Result clusters, List<String> notes) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("model", s.checkpoint().name());
        a.put("n_layers", cfg.nLayers);
        a.put("d_mlp", cfg.dMlp);
        a.put("rule", choice.rule());
        a.put("table", s.table().getFileName().toString());
        a.put("shards", String.join(",", shards.list().stream().map(x -> x.file().getFileName().toString()).toList()));
        a.put("n_tokens", shards.tokens());
        a.put("token_texts", texts.source() == null ? "none" : texts.source());
        a.put("tagger", tagger.describe());
        a.put("tag_sets", String.join(",", tagger.tagSets()));
        a.put("kurtosis_source", choice.kurtosisColumn() != null ? "table:" + choice.kurtosisColumn()
                : "measured: pre-activation over the tokens analysed");
        a.put("unigram_min_count", in.unigramMinCount());
        a.put("unigram_min_ids", in.unigramMinIds());
        a.put("small_norm", in.smallNorm());
        FamilyRules.Thresholds th = s.thresholds();
        a.put("thresholds", String.format(Locale.ROOT, "unigram_vr=%s,alphabet_vr=%s,position_kurtosis=%s,min_vr=%s,"
                + "duplicate_min=%d", th.unigramVr(), th.alphabetVr(), th.positionKurtosis(), th.minVr(), th.duplicateMin()));
        a.put("context_min_count", s.contextMinCount());
        a.put("n_clusters", clusters.k());
        a.put("silhouette", clusters.silhouette());
        a.put("cluster_seed", s.seed());
        a.put("cluster_trials", s.clusterTrials());
        a.put("notes", String.join("; ", notes));
        return a;
    }

    /** The token shards, read and checked against the model and each other, in file-name order. */
    record Shards(List<TokenShard> list, TokenShard.Meta meta, String[] vocab, int unkId, long tokens, int ctx) {
        static Shards read(List<Path> files, ModelConfig cfg) {
            List<Path> sorted = new ArrayList<>(files);
            sorted.sort(Comparator.comparing(p -> p.getFileName().toString()));
            List<TokenShard> list = new ArrayList<>();
            long tokens = 0;
            for (Path f : sorted) {
                TokenShard sh = TokenShard.read(f);
                cfg.checkTokens(f, sh.tokens(), sh.nSeq());
                TokenShard first = list.isEmpty() ? sh : list.get(0);
                if (sh.meta().vocabSize() != first.meta().vocabSize() || sh.unkId() != first.unkId()
                        || !sh.meta().tokenizer().equals(first.meta().tokenizer())) {
                    throw new InputException(f + ": tokenizer " + sh.meta().tokenizer() + ", vocab_size "
                            + sh.meta().vocabSize() + ", unk_id " + sh.unkId() + " differ from " + first.file() + "'s");
                }
                list.add(sh);
                tokens += (long) sh.nSeq() * sh.ctx();
            }
            TokenShard first = list.get(0);
            String[] vocab = TokenShard.readVocab(first.file());
            int ctx = list.stream().mapToInt(TokenShard::ctx).max().orElse(0);
            return new Shards(list, first.meta(), vocab, first.unkId(), tokens, ctx);
        }
    }

    static int[] range(int n) {
        int[] r = new int[n];
        Arrays.setAll(r, i -> i);
        return r;
    }
}
