package org.uneurons.tokenize;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;

import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.Progress;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.cli.UsageException;
import org.uneurons.core.stats.TokenFilter;
import org.uneurons.formats.TokenShard;

/**
 * Turns text (.txt, .jsonl) or token ids (.npy, nanoGPT .bin) into token shards of [n_seq, ctx] rows.
 *
 * <p>Text is tokenized with GPT-2's BPE (JTokkit r50k_base, {@code encodeOrdinary}, so the literal text
 * "&lt;|endoftext|&gt;" inside a document stays ordinary text). Rows follow TransformerLens'
 * {@code utils.tokenize_and_concatenate}: documents are joined by EOS (50256) into one stream, the stream is cut into
 * pieces of ctx-1 tokens, each row is BOS (50256) + a piece, and the incomplete last piece is dropped. Where this
 * differs from TransformerLens, and why:
 * <ul>
 * <li>TransformerLens joins the documents with the EOS <em>text</em> and tokenizes the joined string in 20
 * character chunks, so a word that straddles a chunk boundary is split into different tokens; here each document is
 * tokenized whole and the EOS id is inserted between documents, which is what tokenizing the joined string without
 * chunks gives (text on each side of a special token is tokenized separately). The chunking is a speed device, not
 * a property of the data set.</li>
 * <li>TransformerLens cuts each map batch (1000 documents by default) separately, dropping a remainder per batch
 * (recent versions pad a batch shorter than one row, older ones drop it); here all inputs form one stream, one
 * remainder is dropped at the end, and nothing is padded.</li>
 * </ul>
 * A 1-D id stream is cut into rows the same way (BOS + ctx-1 ids; consecutive stream files continue one stream,
 * nothing is inserted between them); a 2-D id array with ctx columns is taken row by row as it is.
 *
 * <p>The paper's data set (METHOD 1.3) is made from the Pile test split's jsonl with {@code --min-doc-chars 51}
 * (documents of 50 characters or fewer dropped), {@code --group-field meta.pile_set_name} (each subset tokenized and
 * cut on its own), {@code --ctx 512} (BOS + 511), {@code --shuffle-seed S} (all rows shuffled before the first
 * {@code --max-tokens} are kept; see {@link RowSpool}) and {@code --max-tokens 100000256} (195,313 rows, the paper's
 * ceil(100M / 512)). Where this differs: the paper's shuffle had no seed, so its sample cannot be reproduced and any
 * seed draws one of its possible samples; it shuffled the 22 subsets' rows concatenated subset by subset, here the
 * rows are numbered in the order they are completed (the groups interleaved as the input interleaves them), which
 * gives the same distribution of samples.
 */
public final class TokenizeTool extends Tool {
    public TokenizeTool() {
        super("tokenize",
                "Tokenize text (.txt, .jsonl) with GPT-2 BPE, or import token ids (.npy, nanoGPT .bin), into HDF5 "
                + "token shards of [n_seq, ctx] rows (BOS + ctx-1 tokens of the EOS-joined stream, as TransformerLens "
                + "does).");
    }

    static final int GPT2_VOCAB = 50257;
    static final int GPT2_EOT = 50256;
    private static final long PROGRESS_MIN_BYTES = 16L << 20;
    private static final int ID_CHUNK = 1 << 20;

    /** Loaded once per JVM (about half a second); JTokkit encodings are immutable and thread-safe. */
    private static final class Gpt2 {
        static final Encoding BPE = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
    }

    enum Format {
        TXT, JSONL, NPY, BIN;

        boolean isText() {
            return this == TXT || this == JSONL;
        }
    }

    public static void main(String[] argv) {
        main(new TokenizeTool(), argv);
    }

    @Override
    protected void declareOptions(Options o) {
        o.addOption(Option.builder().longOpt("input").hasArg().argName("FILE")
                .desc("input file (repeatable): .txt (one document), .jsonl (one document per line), .npy or .bin ids").build());
        o.addOption(Option.builder().longOpt("format").hasArg().argName("FMT")
                .desc("txt|jsonl|npy|bin: read every input as this format instead of by its extension").build());
        o.addOption(Option.builder().longOpt("text-field").hasArg().argName("NAME")
                .desc("JSON field holding the text in .jsonl inputs (default text)").build());
        o.addOption(Option.builder().longOpt("ctx").hasArg().argName("N")
                .desc("tokens per row, BOS included (default 1024)").build());
        o.addOption(Option.builder().longOpt("seqs-per-shard").hasArg().argName("N")
                .desc("rows per output shard (default 1024)").build());
        o.addOption(Option.builder().longOpt("max-tokens").hasArg().argName("N")
                .desc("stop after this many tokens (whole rows; default: all input)").build());
        o.addOption(Option.builder().longOpt("vocab-size").hasArg().argName("N")
                .desc("vocabulary size of id imports (default 50257, GPT-2); ids must lie in [0, N)").build());
        o.addOption(Option.builder().longOpt("bos-id").hasArg().argName("ID")
                .desc("BOS id that starts each row cut from a 1-D id stream (default 50256 for GPT-2's vocabulary)").build());
        o.addOption(Option.builder().longOpt("eos-id").hasArg().argName("ID")
                .desc("EOS id recorded in the shards of id imports (default 50256 for GPT-2's vocabulary, else none)").build());
        o.addOption(Option.builder().longOpt("min-doc-chars").hasArg().argName("N")
                .desc("drop text documents shorter than N characters before tokenizing (default 0: keep all; the paper: 51,"
                        + " i.e. drop those of 50 or fewer)").build());
        o.addOption(Option.builder().longOpt("group-field").hasArg().argName("PATH")
                .desc("JSON field of .jsonl documents (dotted, e.g. meta.pile_set_name) whose groups are cut into rows"
                        + " separately, as the paper tokenizes each Pile subset on its own (default: one stream)").build());
        o.addOption(Option.builder().longOpt("shuffle-seed").hasArg().argName("S")
                .desc("shuffle all rows with this seed after cutting, then keep the first --max-tokens (default: no"
                        + " shuffle, the first rows in input order)").build());
        o.addOption(Option.builder().longOpt("filter-ids").hasArg().argName("IDS")
                .desc("token ids the analyses drop, recorded in the shards' filter_ids (comma-separated, or none; default:"
                        + " the tokenizer's pad/BOS/EOS and newline, 198,50256 for GPT-2)").build());
        o.addOption(Option.builder().longOpt("outdir").hasArg().argName("DIR").desc("output directory").build());
        o.addOption(Option.builder().longOpt("name").hasArg().argName("NAME")
                .desc("shard name: writes DIR/NAME.00000.h5, DIR/NAME.00001.h5, ...").build());
    }

    /** The command line, checked before any input is read: inputs with their formats, row shape, limits. */
    record Settings(List<Path> inputs, List<Format> formats, boolean text, Path outdir, String name, int ctx,
                    int seqsPerShard, long maxRows, String textField, Sampling sampling) {

        static Settings parse(Args a) {
            List<String> inputNames = a.strings("input");
            if (inputNames.isEmpty()) {
                throw new UsageException("missing required option --input (see --help)");
            }
            a.path("outdir");
            String name = a.string("name");
            if (name.isBlank() || name.contains("/")) {
                throw new UsageException("--name must be a plain file name prefix, got '" + name + "'");
            }
            int ctx = a.positive("ctx", 1024);
            if (ctx < 2) {
                throw new UsageException("--ctx must be at least 2 (BOS and one token), got " + ctx);
            }
            int seqsPerShard = a.positive("seqs-per-shard", 1024);
            long maxTokens = a.longValue("max-tokens", Long.MAX_VALUE);
            if (maxTokens <= 0) {
                throw new UsageException("--max-tokens expects a positive integer, got " + maxTokens);
            }
            if (maxTokens / ctx == 0) {
                throw new UsageException("--max-tokens " + maxTokens + " is less than one row of --ctx " + ctx);
            }
            String forced = a.has("format") ? a.choice("format", null, "txt", "jsonl", "npy", "bin") : null;
            List<Path> inputs = new ArrayList<>();
            List<Format> formats = new ArrayList<>();
            for (String s : inputNames) {
                Path p = Path.of(s);
                formats.add(forced != null ? Format.valueOf(forced.toUpperCase(Locale.ROOT)) : byExtension(p));
                if (!Files.isRegularFile(p)) {
                    throw new InputException(p + ": no such file (--input)");
                }
                inputs.add(a.input("--input", p));
            }
            boolean text = formats.get(0).isText();
            if (formats.stream().anyMatch(f -> f.isText() != text)) {
                throw new UsageException("cannot mix text inputs (.txt, .jsonl) and id inputs (.npy, .bin) in one run");
            }
            Sampling sampling = Sampling.parse(a, formats);
            return new Settings(inputs, formats, text, a.outputDir("outdir"), name, ctx, seqsPerShard, maxTokens / ctx,
                    a.string("text-field", "text"), sampling);
        }

        String source() {
            return inputs.stream().map(p -> p.getFileName().toString()).collect(Collectors.joining(","));
        }
    }

    /** What cutting the input gave: rows cut and written, shards, tokens left over, documents kept and dropped. */
    record Cut(long rowsCut, long rowsWritten, List<Path> shards, long streamTokens, long pending, int groups,
               long docsKept, long docsDropped) {
    }

    @Override
    protected int doWork(Args a) throws Exception {
        Settings s = Settings.parse(a);
        for (Path older : ShardWriter.existing(s.outdir(), s.name())) {
            a.outputFile("--outdir", older); // rewritten or removed: never an input
        }
        TokenShard.Meta meta = s.text() ? textMeta(a, s.source()) : idMeta(a, s.source());
        TokenFilter filter = s.sampling().filter(meta);
        Cut c;
        byte[][] vocabBytes = TokenShard.Meta.GPT2.equals(meta.tokenizer()) ? gpt2Bytes() : null;
        try (ShardWriter shards = new ShardWriter(s.outdir(), s.name(), s.seqsPerShard(), meta, vocabBytes, filter)) {
            c = cut(s, meta, shards);
            for (Path stale : shards.publish()) {
                err.println("tokenize: removed " + stale + " (a shard of an earlier run under the same name)");
            }
        }
        String leftover = c.pending() == 0 ? ""
                : c.groups() > 1 ? "; dropped " + c.pending() + " tokens (the incomplete last rows of " + c.groups()
                        + " groups)"
                : "; dropped the last " + c.pending() + " tokens (an incomplete row)";
        out.printf(Locale.ROOT, "wrote %d rows of %d tokens (%d tokens) in %d shard%s to %s%s%s%n", c.rowsWritten(),
                s.ctx(), c.rowsWritten() * s.ctx(), c.shards().size(), c.shards().size() == 1 ? "" : "s", s.outdir(),
                leftover, s.sampling().describe(c.docsKept(), c.docsDropped(), c.rowsCut(), c.rowsWritten(), filter));
        return EXIT_OK;
    }

    /**
     * Text is always GPT-2's BPE: vocabulary options are accepted when they say so (the pipeline passes them for any
     * input) and refused when they ask for another vocabulary.
     */
    private static TokenShard.Meta textMeta(Args a, String source) {
        int[][] gpt2 = {{a.integer("vocab-size", GPT2_VOCAB), GPT2_VOCAB}, {a.integer("bos-id", GPT2_EOT), GPT2_EOT},
            {a.integer("eos-id", GPT2_EOT), GPT2_EOT}};
        String[] opts = {"vocab-size", "bos-id", "eos-id"};
        for (int i = 0; i < opts.length; i++) {
            if (gpt2[i][0] != gpt2[i][1]) {
                throw new UsageException("--" + opts[i] + " " + gpt2[i][0] + " does not fit text input: text is tokenized"
                        + " with GPT-2 (vocabulary 50257, BOS and EOS 50256); other vocabularies come as ids (.npy, .bin)");
            }
        }
        return TokenShard.Meta.gpt2(source);
    }

    /**
     * Every GPT-2 id's exact bytes (the shards' /vocab_bytes): its byte-level BPE string through GPT-2's byte decoder,
     * part of a character for some ids; {@code <|endoftext|>} as its text.
     */
    static byte[][] gpt2Bytes() {
        byte[][] b = new byte[GPT2_VOCAB][];
        for (int id = 0; id < GPT2_VOCAB; id++) {
            IntArrayList one = new IntArrayList(1);
            one.add(id);
            b[id] = Gpt2.BPE.decodeBytes(one);
        }
        return b;
    }

    /** Id imports: the vocabulary and BOS/EOS ids as given (GPT-2's by default). */
    private static TokenShard.Meta idMeta(Args a, String source) {
        int vocab = a.positive("vocab-size", GPT2_VOCAB);
        boolean gpt2 = vocab == GPT2_VOCAB;
        int bos = a.integer("bos-id", gpt2 ? GPT2_EOT : -1);
        int eos = a.integer("eos-id", gpt2 ? GPT2_EOT : -1);
        for (String opt : List.of("bos-id", "eos-id")) {
            int v = opt.equals("bos-id") ? bos : eos;
            if (a.has(opt) && (v < 0 || v >= vocab)) {
                throw new UsageException("--" + opt + " " + v + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        return new TokenShard.Meta(gpt2 ? TokenShard.Meta.GPT2 : "external", vocab, bos, eos, source);
    }

    /**
     * Tokenizes or imports every input into rows and shards: straight into the shards up to the row cap, or, with a
     * shuffle seed, every row into a temporary spool first ({@link RowSpool}). On failure the shards of this run are
     * removed (and the spool always is).
     */
    private Cut cut(Settings s, TokenShard.Meta meta, ShardWriter shards) throws Exception {
        long totalBytes = 0;
        for (Path p : s.inputs()) {
            totalBytes += Files.size(p);
        }
        Progress progress = totalBytes >= PROGRESS_MIN_BYTES ? new Progress(err, "tokenize", "bytes", totalBytes, 10.0) : null;
        Long seed = s.sampling().shuffleSeed();
        Cut c;
        try (RowSpool spool = seed == null ? null : RowSpool.create(s.outdir(), s.name(), s.ctx())) {
            RowCutter.Count count = spool == null ? new RowCutter.Count(s.maxRows(), shards)
                    : new RowCutter.Count(Long.MAX_VALUE, spool);
            c = s.text() ? tokenizeText(s, count, progress) : importIds(s, meta, count, progress);
            if (count.rows() == 0) {
                String inputList = s.inputs().stream().map(Path::toString).collect(Collectors.joining(", "));
                throw new InputException(inputList + ": no complete row of --ctx " + s.ctx() + " tokens (the input gave "
                        + c.streamTokens() + " tokens; a row is BOS + " + (s.ctx() - 1) + ")");
            }
            if (spool != null) {
                spool.shuffleInto(seed, s.maxRows(), shards);
            }
            List<Path> written = shards.finish();
            c = new Cut(count.rows(), Math.min(count.rows(), s.maxRows()), written, c.streamTokens(),
                    count.full() ? 0 : c.pending(), c.groups(), c.docsKept(), c.docsDropped());
        } catch (RuntimeException e) {
            shards.discard();
            throw e;
        }
        if (progress != null) {
            progress.finish();
        }
        return c;
    }

    static Format byExtension(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        for (Format f : Format.values()) {
            if (n.endsWith("." + f.name().toLowerCase(Locale.ROOT))) {
                return f;
            }
        }
        throw new UsageException(p + ": unknown input format (expected .txt, .jsonl, .npy or .bin, or give --format)");
    }

    /**
     * GPT-2 BPE over every document long enough, EOS between the documents of a group (across files too), each group
     * into its own row cutter ({@link DocumentRows}).
     */
    private static Cut tokenizeText(Settings s, RowCutter.Count count, Progress progress) {
        Sampling sm = s.sampling();
        DocumentRows docs = new DocumentRows(Gpt2.BPE, s.ctx(), GPT2_EOT, count, sm.minDocChars(), progress);
        for (int i = 0; i < s.inputs().size() && !docs.done(); i++) {
            if (s.formats().get(i) == Format.TXT) {
                TextDocuments.readTxt(s.inputs().get(i), docs);
            } else {
                TextDocuments.readJsonl(s.inputs().get(i), s.textField(), sm.groupField(), docs);
            }
        }
        return new Cut(count.rows(), 0, List.of(), docs.streamTokens(), docs.pending(), docs.groups(), docs.kept(),
                docs.dropped());
    }

    /** Ids from .npy/.bin files, each checked against the vocabulary with its position. */
    private static Cut importIds(Settings s, TokenShard.Meta meta, RowCutter.Count count, Progress progress) {
        int ctx = s.ctx();
        RowCutter cutter = new RowCutter(ctx, meta.bosId(), count);
        for (int i = 0; i < s.inputs().size() && !cutter.full(); i++) {
            Path p = s.inputs().get(i);
            try (IdArray arr = s.formats().get(i) == Format.NPY ? IdArray.openNpy(p) : IdArray.openBin(p)) {
                if (arr.rank() == 1 && meta.bosId() < 0) {
                    throw new UsageException(p + ": a 1-D id stream is cut into rows that start with BOS; give --bos-id "
                            + "for --vocab-size " + meta.vocabSize());
                }
                if (arr.rank() == 2 && arr.shape[1] != ctx) {
                    throw new InputException(p + ": rows have " + arr.shape[1] + " tokens but --ctx is " + ctx);
                }
                importArray(arr, meta, ctx, cutter, progress);
            }
        }
        return new Cut(count.rows(), 0, List.of(), cutter.streamTokens(), cutter.pending(), 1, 0, 0);
    }

    /** One id array, read in chunks (2-D arrays whole rows at a time, so that a row is never split across chunks). */
    private static void importArray(IdArray arr, TokenShard.Meta meta, int ctx, RowCutter cutter, Progress progress) {
        long n = arr.length();
        int step = arr.rank() == 2 ? Math.max(1, ID_CHUNK / ctx) * ctx : ID_CHUNK;
        long[] chunk = new long[(int) Math.min(step, n)];
        int[] ids = new int[chunk.length];
        for (long from = 0; from < n && !cutter.full(); from += step) {
            int len = (int) Math.min(step, n - from);
            arr.read(from, len, chunk);
            for (int k = 0; k < len; k++) {
                long v = chunk[k];
                if (v < 0 || v >= meta.vocabSize()) {
                    throw new InputException(arr.file + ": token id " + v + " at " + arr.position(from + k)
                            + " is outside the vocabulary [0, " + meta.vocabSize() + ")");
                }
                ids[k] = (int) v;
            }
            if (arr.rank() == 1) {
                cutter.stream(ids, len);
            } else {
                for (int r = 0; r < len / ctx; r++) {
                    int[] row = new int[ctx];
                    System.arraycopy(ids, r * ctx, row, 0, ctx);
                    cutter.row(row);
                }
            }
            if (progress != null) {
                progress.advance((long) len * arr.element.size);
            }
        }
    }
}
