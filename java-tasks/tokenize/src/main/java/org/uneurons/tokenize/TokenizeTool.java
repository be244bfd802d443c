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
import org.uneurons.core.io.TokenShard;

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
 * <li>TransformerLens cuts each map batch (1000 documents by default) separately, dropping a remainder per batch and
 * padding a batch shorter than one row; here all inputs form one stream, one remainder is dropped at the end, and
 * nothing is padded.</li>
 * </ul>
 * A 1-D id stream is cut into rows the same way (BOS + ctx-1 ids; consecutive stream files continue one stream,
 * nothing is inserted between them); a 2-D id array with ctx columns is taken row by row as it is.
 */
public final class TokenizeTool extends Tool {
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
    public String name() {
        return "tokenize";
    }

    @Override
    public String description() {
        return "Tokenize text (.txt, .jsonl) with GPT-2 BPE, or import token ids (.npy, nanoGPT .bin), into HDF5 token "
                + "shards of [n_seq, ctx] rows (BOS + ctx-1 tokens of the EOS-joined stream, as TransformerLens does).";
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
        o.addOption(Option.builder().longOpt("outdir").hasArg().argName("DIR").desc("output directory").build());
        o.addOption(Option.builder().longOpt("name").hasArg().argName("NAME")
                .desc("shard name: writes DIR/NAME.00000.h5, DIR/NAME.00001.h5, ...").build());
    }

    @Override
    protected int doWork(Args a) throws Exception {
        List<String> inputNames = a.strings("input");
        if (inputNames.isEmpty()) {
            throw new UsageException("missing required option --input (see --help)");
        }
        Path outdir = a.path("outdir");
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
        long maxRows = maxTokens / ctx;
        if (maxRows == 0) {
            throw new UsageException("--max-tokens " + maxTokens + " is less than one row of --ctx " + ctx);
        }
        String forced = a.has("format") ? a.choice("format", null, "txt", "jsonl", "npy", "bin") : null;

        List<Path> inputs = new ArrayList<>();
        List<Format> formats = new ArrayList<>();
        for (String s : inputNames) {
            Path p = Path.of(s);
            Format f = forced != null ? Format.valueOf(forced.toUpperCase(Locale.ROOT)) : byExtension(p);
            if (!Files.isRegularFile(p)) {
                throw new InputException(p + ": no such file (--input)");
            }
            inputs.add(p);
            formats.add(f);
        }
        boolean text = formats.get(0).isText();
        for (Format f : formats) {
            if (f.isText() != text) {
                throw new UsageException("cannot mix text inputs (.txt, .jsonl) and id inputs (.npy, .bin) in one run");
            }
        }
        String source = inputs.stream().map(p -> p.getFileName().toString()).collect(Collectors.joining(","));
        String inputList = inputs.stream().map(Path::toString).collect(Collectors.joining(", "));

        TokenShard.Meta meta;
        int bos;
        if (text) {
            for (String opt : List.of("vocab-size", "bos-id", "eos-id")) {
                if (a.has(opt)) {
                    throw new UsageException("--" + opt + " is for id imports (.npy, .bin); text is tokenized with GPT-2 "
                            + "(vocabulary 50257, BOS and EOS 50256)");
                }
            }
            meta = TokenShard.Meta.gpt2(source);
            bos = GPT2_EOT;
        } else {
            int vocab = a.positive("vocab-size", GPT2_VOCAB);
            boolean gpt2 = vocab == GPT2_VOCAB;
            bos = a.integer("bos-id", gpt2 ? GPT2_EOT : -1);
            int eos = a.integer("eos-id", gpt2 ? GPT2_EOT : -1);
            for (String opt : List.of("bos-id", "eos-id")) {
                int v = opt.equals("bos-id") ? bos : eos;
                if (a.has(opt) && (v < 0 || v >= vocab)) {
                    throw new UsageException("--" + opt + " " + v + " is outside the vocabulary [0, " + vocab + ")");
                }
            }
            meta = new TokenShard.Meta(gpt2 ? TokenShard.Meta.GPT2 : "external", vocab, bos, eos, source);
        }

        ShardWriter shards = new ShardWriter(outdir, name, seqsPerShard, meta);
        RowCutter cutter = new RowCutter(ctx, bos, maxRows, shards);
        long totalBytes = 0;
        for (Path p : inputs) {
            totalBytes += Files.size(p);
        }
        Progress progress = totalBytes >= PROGRESS_MIN_BYTES
                ? new Progress(err, "tokenize", "bytes", totalBytes, 10.0) : null;
        List<Path> written;
        try {
            if (text) {
                tokenizeText(inputs, formats, a.string("text-field", "text"), cutter, progress);
            } else {
                importIds(inputs, formats, meta, ctx, cutter, progress);
            }
            if (cutter.rows() == 0) {
                throw new InputException(inputList + ": no complete row of --ctx " + ctx + " tokens (the input gave "
                        + cutter.streamTokens() + " tokens; a row is BOS + " + (ctx - 1) + ")");
            }
            written = shards.finish();
        } catch (RuntimeException e) {
            shards.discard();
            throw e;
        }
        if (progress != null) {
            progress.finish();
        }
        for (Path stale : shards.removeStale()) {
            err.println("tokenize: removed " + stale + " (a shard of an earlier run under the same name)");
        }
        long rows = cutter.rows();
        out.printf(Locale.ROOT, "wrote %d rows of %d tokens (%d tokens) in %d shard%s to %s%s%n", rows, ctx, rows * ctx,
                written.size(), written.size() == 1 ? "" : "s", outdir,
                cutter.pending() > 0 && !cutter.full()
                        ? "; dropped the last " + cutter.pending() + " tokens (an incomplete row)" : "");
        return EXIT_OK;
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

    /** GPT-2 BPE over every document, EOS between documents (across files too), into the row cutter. */
    private static void tokenizeText(List<Path> inputs, List<Format> formats, String field, RowCutter cutter,
                                     Progress progress) {
        Encoding bpe = Gpt2.BPE;
        int[] eos = {GPT2_EOT};
        boolean[] first = {true};
        TextDocuments.DocumentSink sink = new TextDocuments.DocumentSink() {
            @Override
            public void document(String doc, long bytes) {
                if (!first[0]) {
                    cutter.stream(eos, 1);
                }
                first[0] = false;
                IntArrayList ids = bpe.encodeOrdinary(doc);
                cutter.stream(ids.toArray(), ids.size());
                if (progress != null) {
                    progress.advance(bytes);
                }
            }

            @Override
            public boolean done() {
                return cutter.full();
            }
        };
        for (int i = 0; i < inputs.size() && !cutter.full(); i++) {
            if (formats.get(i) == Format.TXT) {
                TextDocuments.readTxt(inputs.get(i), sink);
            } else {
                TextDocuments.readJsonl(inputs.get(i), field, sink);
            }
        }
    }

    /** Ids from .npy/.bin files, each checked against the vocabulary with its position. */
    private static void importIds(List<Path> inputs, List<Format> formats, TokenShard.Meta meta, int ctx,
                                  RowCutter cutter, Progress progress) {
        long[] chunk = new long[0];
        int[] ids = new int[0];
        for (int i = 0; i < inputs.size() && !cutter.full(); i++) {
            Path p = inputs.get(i);
            try (IdArray arr = formats.get(i) == Format.NPY ? IdArray.openNpy(p) : IdArray.openBin(p)) {
                if (arr.rank() == 1 && meta.bosId() < 0) {
                    throw new UsageException(p + ": a 1-D id stream is cut into rows that start with BOS; give --bos-id "
                            + "for --vocab-size " + meta.vocabSize());
                }
                if (arr.rank() == 2 && arr.shape[1] != ctx) {
                    throw new InputException(p + ": rows have " + arr.shape[1] + " tokens but --ctx is " + ctx);
                }
                long n = arr.length();
                // 2-D arrays are read whole rows at a time so that a row is never split across chunks
                int step = arr.rank() == 2 ? Math.max(1, ID_CHUNK / ctx) * ctx : ID_CHUNK;
                int need = (int) Math.min(step, n);
                if (need > chunk.length) {
                    chunk = new long[need];
                    ids = new int[need];
                }
                for (long from = 0; from < n && !cutter.full(); from += step) {
                    int len = (int) Math.min(step, n - from);
                    arr.read(from, len, chunk);
                    for (int k = 0; k < len; k++) {
                        long v = chunk[k];
                        if (v < 0 || v >= meta.vocabSize()) {
                            throw new InputException(p + ": token id " + v + " at " + arr.position(from + k)
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
    }
}
