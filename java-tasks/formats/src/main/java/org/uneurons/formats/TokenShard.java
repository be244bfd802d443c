package org.uneurons.formats;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;

import org.uneurons.core.cli.InputException;
import org.uneurons.core.io.AtomicOutput;
import org.uneurons.core.io.Hdf5Reader;
import org.uneurons.core.io.Hdf5Writer;
import org.uneurons.core.io.OutputSet;
import org.uneurons.core.stats.TokenFilter;

/**
 * A token shard: HDF5 with {@code /tokens} int32 [n_seq, ctx] and attributes {@code tokenizer} (string),
 * {@code vocab_size}, {@code bos_id} and {@code eos_id} (int, -1 if none), {@code source} (string) and
 * {@code filter_ids} (the token ids every analysis drops, METHOD 1.4: "198,50256" or "none"); optionally
 * {@code /vocab}, the token text per id (UTF-8; a token that is part of a character shows as U+FFFD), and
 * {@code /vocab_bytes} (uint8) with {@code /vocab_offsets} (int64, vocab_size + 1), each token's exact bytes (token
 * {@code i} is {@code vocab_bytes[vocab_offsets[i]:vocab_offsets[i+1]]}), so that the bytes of a token sequence
 * joined and decoded as UTF-8 give its text, characters split over two tokens included. The filter is decided here, when the shard is made
 * ({@link FilterChoice#defaults}), and travels with the shard into activation files; a shard written without
 * {@code filter_ids} (an older version, another tool) gets the same default when read. Optional int attribute
 * {@code unk_id}: the id that stands for every token outside a remapped vocabulary (the demo corpus), -1 or absent
 * when there is none; statistics leave it out when {@code filter_ids} drops it. The whole shard is held in memory
 * (jhdf writes at close), so size shards in the millions of tokens, not billions.
 */
public final class TokenShard {
    static final String WHAT = "token shard: /tokens int32 [n_seq, ctx]";
    /** Attribute: the unknown id of a remapped vocabulary (absent or -1: none). */
    public static final String UNK_ID = "unk_id";
    static final String VOCAB_BYTES = "vocab_bytes";
    static final String VOCAB_OFFSETS = "vocab_offsets";

    /** The shard's attributes. */
    public record Meta(String tokenizer, int vocabSize, int bosId, int eosId, String source) {
        public static final String GPT2 = "gpt2";
        public static final int GPT2_VOCAB = 50257;
        public static final int GPT2_EOT = 50256;

        /** GPT-2 BPE: BOS and EOS are both {@code <|endoftext|>} (50256). */
        public static Meta gpt2(String source) {
            return new Meta(GPT2, GPT2_VOCAB, GPT2_EOT, GPT2_EOT, source);
        }
    }

    private final Path file;
    private final int[][] tokens;
    private final Meta meta;
    private final TokenFilter filter;
    private final int unkId;

    private TokenShard(Path file, int[][] tokens, Meta meta, TokenFilter filter, int unkId) {
        this.file = file;
        this.tokens = tokens;
        this.meta = meta;
        this.filter = filter;
        this.unkId = unkId;
    }

    public Path file() {
        return file;
    }

    /** [n_seq][ctx] token ids, each in [0, vocab_size). */
    public int[][] tokens() {
        return tokens;
    }

    public int nSeq() {
        return tokens.length;
    }

    public int ctx() {
        return tokens[0].length;
    }

    public Meta meta() {
        return meta;
    }

    /** The token ids analyses drop (stored with the shard, or the default for its attributes). */
    public TokenFilter filter() {
        return filter;
    }

    /** The unknown id of a remapped vocabulary, or -1 when the shard has none. */
    public int unkId() {
        return unkId;
    }

    /** The identity of the whole shard's tokens: {@link #contentSha256(int)} of every sequence. */
    public String contentSha256() {
        return contentSha256(nSeq());
    }

    /**
     * The identity of the first {@code nSeq} sequences of this shard, as every file made from them records it (the
     * file name is no identity: two different shards may share one, one shard may be copied under two): SHA-256 over
     * the UTF-8 text {@code uneurons-tokens/1 n_seq=N ctx=C filter_ids=F unk_id=U} and a newline, then the token
     * ids as int32 little-endian, row-major; 64 lower-case hex digits. The filter and the unknown id are part of it
     * because they decide which of the tokens an analysis counts.
     */
    public String contentSha256(int nSeq) {
        if (nSeq < 1 || nSeq > nSeq()) {
            throw new IllegalArgumentException("sequences 1-" + nSeq() + ", asked " + nSeq);
        }
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
        md.update(String.format(Locale.ROOT, "uneurons-tokens/1 n_seq=%d ctx=%d filter_ids=%s unk_id=%d\n",
                nSeq, ctx(), FilterChoice.describe(filter), unkId).getBytes(StandardCharsets.UTF_8));
        ByteBuffer row = ByteBuffer.allocate(4 * ctx()).order(ByteOrder.LITTLE_ENDIAN);
        for (int s = 0; s < nSeq; s++) {
            row.clear();
            row.asIntBuffer().put(tokens[s]);
            md.update(row.array(), 0, row.capacity());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Writes a shard atomically, with the default filter for {@code meta}. */
    public static void write(Path file, int[][] tokens, Meta meta) {
        write(file, tokens, meta, null);
    }

    /**
     * As {@link #write(Path, int[][], Meta)}, plus {@code /vocab} (token text per id) when {@code vocab} is given; the
     * filter is the default for {@code meta} and that vocabulary (its newline ids).
     */
    public static void write(Path file, int[][] tokens, Meta meta, String[] vocab) {
        write(file, tokens, meta, vocab, FilterChoice.defaults(meta, vocab, null, file.toString()));
    }

    /** Writes a shard with an explicit filter. Rows must share one length; ids must lie in [0, vocab_size). */
    public static void write(Path file, int[][] tokens, Meta meta, String[] vocab, TokenFilter filter) {
        write(file, tokens, meta, vocab, filter, -1);
    }

    /**
     * As {@link #write(Path, int[][], Meta, String[], TokenFilter)}, recording {@code unkId} (in [0, vocab_size), or -1
     * for none) as the unknown id.
     */
    public static void write(Path file, int[][] tokens, Meta meta, String[] vocab, TokenFilter filter, int unkId) {
        AtomicOutput.write(file, content(file, tokens, meta, vocab, null, filter, unkId));
    }

    /**
     * The shard's content, checked now (messages name {@code file}) and written to whatever path the returned body
     * is given: a temporary of an {@link OutputSet} that publishes several shards together. {@code vocab} (text per
     * id) and {@code vocabBytes} (exact bytes per id) are each optional.
     */
    public static OutputSet.Body content(Path file, int[][] tokens, Meta meta, String[] vocab, byte[][] vocabBytes,
                                         TokenFilter filter, int unkId) {
        checkRows(file, tokens, meta);
        if (unkId < -1 || unkId >= meta.vocabSize()) {
            throw new IllegalArgumentException(file + ": unknown id " + unkId + " is outside the vocabulary [0, "
                    + meta.vocabSize() + ") (-1: none)");
        }
        if (vocab != null && vocab.length != meta.vocabSize()) {
            throw new IllegalArgumentException(file + ": /vocab has " + vocab.length + " entries, vocab_size is "
                    + meta.vocabSize());
        }
        if (vocabBytes != null && vocabBytes.length != meta.vocabSize()) {
            throw new IllegalArgumentException(file + ": /vocab_bytes has " + vocabBytes.length
                    + " tokens, vocab_size is " + meta.vocabSize());
        }
        long[] offsets = vocabBytes == null ? null : offsets(vocabBytes);
        return temp -> {
            try (Hdf5Writer h = Hdf5Writer.create(temp)) {
                h.attribute("tokenizer", meta.tokenizer())
                        .attribute("vocab_size", meta.vocabSize())
                        .attribute("bos_id", meta.bosId())
                        .attribute("eos_id", meta.eosId())
                        .attribute("source", meta.source())
                        .attribute("filter_ids", FilterChoice.describe(filter))
                        .dataset("tokens", tokens);
                if (unkId >= 0) {
                    h.attribute(UNK_ID, unkId);
                }
                if (vocab != null) {
                    h.dataset("vocab", vocab);
                }
                if (vocabBytes != null) {
                    h.bytes(VOCAB_BYTES, concat(vocabBytes, offsets)).deflated(VOCAB_OFFSETS, offsets);
                }
            }
        };
    }

    /** Where each token's bytes start in the concatenation, and where the last ends. */
    private static long[] offsets(byte[][] tokens) {
        long[] off = new long[tokens.length + 1];
        for (int i = 0; i < tokens.length; i++) {
            off[i + 1] = off[i] + tokens[i].length;
        }
        return off;
    }

    private static byte[] concat(byte[][] tokens, long[] offsets) {
        byte[] all = new byte[Math.toIntExact(offsets[tokens.length])];
        for (int i = 0; i < tokens.length; i++) {
            System.arraycopy(tokens[i], 0, all, (int) offsets[i], tokens[i].length);
        }
        return all;
    }

    private static void checkRows(Path file, int[][] tokens, Meta meta) {
        if (tokens.length == 0 || tokens[0].length == 0) {
            throw new IllegalArgumentException(file + ": a token shard needs at least one non-empty sequence");
        }
        int ctx = tokens[0].length;
        for (int s = 0; s < tokens.length; s++) {
            if (tokens[s].length != ctx) {
                throw new IllegalArgumentException(file + ": sequence " + s + " has " + tokens[s].length
                        + " tokens, sequence 0 has " + ctx);
            }
            for (int t = 0; t < ctx; t++) {
                int id = tokens[s][t];
                if (id < 0 || id >= meta.vocabSize()) {
                    throw new IllegalArgumentException(file + ": token id " + id + " at sequence " + s + ", position "
                            + t + " is outside the vocabulary [0, " + meta.vocabSize() + ")");
                }
            }
        }
    }

    /** Reads and validates a shard; every problem is one {@link InputException} naming the file. */
    public static TokenShard read(Path file) {
        try (Hdf5Reader h = Hdf5Reader.open(file)) {
            int[] dims = tokenDims(h);
            Meta meta = new Meta(
                    h.string("tokenizer", "token shard"),
                    h.integer("vocab_size", "token shard"),
                    h.integer("bos_id", "token shard"),
                    h.integer("eos_id", "token shard"),
                    h.string("source", "token shard"));
            if (meta.vocabSize() <= 0) {
                throw new InputException(file + ": attribute 'vocab_size' is " + meta.vocabSize() + ", expected > 0");
            }
            int[][] tokens = ids(file, h.integersFlat("/tokens", WHAT), dims, meta.vocabSize());
            String stored = h.optionalString("filter_ids");
            TokenFilter filter = stored != null ? FilterChoice.parse(stored, file + ": attribute filter_ids")
                    : FilterChoice.defaults(meta, h.stringsOrNull("/vocab"), h.optionalInteger("pad_id"), file.toString());
            return new TokenShard(file, tokens, meta, filter, unkId(h, meta.vocabSize()));
        }
    }

    /**
     * The optional unk_id attribute, -1 when absent; an id outside the vocabulary (of {@code vocabSize} ids, or any
     * negative id but -1 when {@code vocabSize} is -1: not known) is an error.
     */
    static int unkId(Hdf5Reader h, int vocabSize) {
        Integer unk = h.optionalInteger(UNK_ID);
        if (unk == null || unk == -1) {
            return -1;
        }
        if (unk < 0 || (vocabSize >= 0 && unk >= vocabSize)) {
            throw new InputException(h.file() + ": attribute " + UNK_ID + " is " + unk + ", expected "
                    + (vocabSize >= 0 ? "an id in [0, " + vocabSize + ")" : "an id >= 0") + " or -1 (none)");
        }
        return unk;
    }

    /** The [n_seq, ctx] shape of /tokens, checked to be non-empty integers. */
    private static int[] tokenDims(Hdf5Reader h) {
        Path file = h.file();
        int[] dims = h.shape("/tokens", WHAT);
        if (dims.length != 2) {
            throw new InputException(file + ": /tokens has shape " + Arrays.toString(dims)
                    + ", expected 2 dimensions [n_seq, ctx]");
        }
        if (!h.isInteger("/tokens", WHAT)) {
            throw new InputException(file + ": /tokens is " + h.typeName("/tokens", WHAT)
                    + ", expected integer token ids (int32)");
        }
        if (dims[0] == 0 || dims[1] == 0) {
            throw new InputException(file + ": /tokens is empty (shape " + Arrays.toString(dims)
                    + "); a token shard needs at least one sequence");
        }
        return dims;
    }

    private static int[][] ids(Path file, long[] flat, int[] dims, int vocabSize) {
        int ctx = dims[1];
        int[][] tokens = new int[dims[0]][ctx];
        for (int s = 0; s < dims[0]; s++) {
            for (int t = 0; t < ctx; t++) {
                long id = flat[s * ctx + t];
                if (id < 0 || id >= vocabSize) {
                    throw new InputException(file + ": token id " + id + " at sequence " + s + ", position " + t
                            + " is outside the vocabulary [0, " + vocabSize + ")");
                }
                tokens[s][t] = (int) id;
            }
        }
        return tokens;
    }

    /**
     * The optional {@code /vocab_bytes} and {@code /vocab_offsets} as each token's bytes, or null if the shard has
     * none (shards of earlier versions, id imports of an unknown vocabulary).
     */
    public static byte[][] readVocabBytes(Path file) {
        try (Hdf5Reader h = Hdf5Reader.open(file)) {
            if (!h.exists("/" + VOCAB_BYTES)) {
                return null;
            }
            int vocabSize = h.integer("vocab_size", "token shard");
            byte[] all = h.bytes("/" + VOCAB_BYTES, "token shard: each token's bytes");
            long[] off = h.integersFlat("/" + VOCAB_OFFSETS, "token shard: vocab_size + 1 offsets into /vocab_bytes");
            if (off.length != vocabSize + 1 || off[0] != 0 || off[vocabSize] != all.length) {
                throw new InputException(file + ": /" + VOCAB_OFFSETS + " has " + off.length + " offsets from "
                        + (off.length > 0 ? off[0] : "none") + " to " + (off.length > 0 ? off[off.length - 1] : "none")
                        + ", expected " + (vocabSize + 1) + " from 0 to " + all.length + " (the length of /"
                        + VOCAB_BYTES + ")");
            }
            for (int i = 0; i < vocabSize; i++) {
                if (off[i + 1] < off[i]) {
                    throw new InputException(file + ": /" + VOCAB_OFFSETS + " decreases at token " + i + " ("
                            + off[i] + " then " + off[i + 1] + ")");
                }
            }
            byte[][] tokens = new byte[vocabSize][];
            for (int i = 0; i < vocabSize; i++) {
                tokens[i] = Arrays.copyOfRange(all, (int) off[i], (int) off[i + 1]);
            }
            return tokens;
        }
    }

    /** The optional {@code /vocab} dataset (token text per id), or null if the shard has none. */
    public static String[] readVocab(Path file) {
        try (Hdf5Reader h = Hdf5Reader.open(file)) {
            return h.stringsOrNull("/vocab");
        }
    }

    /** Tokens in the shard (n_seq x ctx), from the shape of /tokens, without reading them. */
    public static long countTokens(Path file) {
        try (Hdf5Reader h = Hdf5Reader.open(file)) {
            int[] d = h.shape("/tokens", WHAT);
            if (d.length != 2) {
                throw new InputException(file + ": /tokens has " + d.length + " dimensions, expected [n_seq, ctx]");
            }
            return (long) d[0] * d[1];
        }
    }
}
