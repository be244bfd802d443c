package org.uneurons.core.io;

import java.nio.file.Path;
import java.util.Arrays;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.exceptions.HdfException;
import io.jhdf.object.datatype.FixedPoint;

import org.uneurons.core.cli.InputException;

/**
 * A token shard: HDF5 with {@code /tokens} int32 [n_seq, ctx] and attributes {@code tokenizer} (string),
 * {@code vocab_size}, {@code bos_id} and {@code eos_id} (int, -1 if none) and {@code source} (string); optionally
 * {@code /vocab}, the token text per id, which readers do not require. The whole shard is held in memory (jhdf
 * writes at close), so size shards in the millions of tokens, not billions.
 */
public final class TokenShard {
    static final String WHAT = "token shard: /tokens int32 [n_seq, ctx]";

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

    private TokenShard(Path file, int[][] tokens, Meta meta) {
        this.file = file;
        this.tokens = tokens;
        this.meta = meta;
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

    /** Writes a shard atomically. Rows must share one length; ids must lie in [0, vocab_size). */
    public static void write(Path file, int[][] tokens, Meta meta) {
        write(file, tokens, meta, null);
    }

    /** As {@link #write(Path, int[][], Meta)}, plus {@code /vocab} (token text per id) when {@code vocab} is given. */
    public static void write(Path file, int[][] tokens, Meta meta, String[] vocab) {
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
        if (vocab != null && vocab.length != meta.vocabSize()) {
            throw new IllegalArgumentException(file + ": /vocab has " + vocab.length + " entries, vocab_size is "
                    + meta.vocabSize());
        }
        try (AtomicOutput out = AtomicOutput.create(file)) {
            try (WritableHdfFile h = HdfFile.write(out.temp())) {
                h.putAttribute("tokenizer", meta.tokenizer());
                h.putAttribute("vocab_size", meta.vocabSize());
                h.putAttribute("bos_id", meta.bosId());
                h.putAttribute("eos_id", meta.eosId());
                h.putAttribute("source", meta.source());
                h.putDataset("tokens", tokens);
                if (vocab != null) {
                    h.putDataset("vocab", vocab);
                }
            }
            out.commit();
        }
    }

    /** Reads and validates a shard; every problem is one {@link InputException} naming the file. */
    public static TokenShard read(Path file) {
        try (HdfFile h = Hdf5.open(file)) {
            Dataset ds = Hdf5.dataset(h, file, "/tokens", WHAT);
            int[] dims = ds.getDimensions();
            if (dims.length != 2) {
                throw new InputException(file + ": /tokens has shape " + Arrays.toString(dims)
                        + ", expected 2 dimensions [n_seq, ctx]");
            }
            if (!(ds.getDataType() instanceof FixedPoint)) {
                throw new InputException(file + ": /tokens is " + Hdf5.typeName(ds) + ", expected integer token ids (int32)");
            }
            if (dims[0] == 0 || dims[1] == 0) {
                throw new InputException(file + ": /tokens is empty (shape " + Arrays.toString(dims)
                        + "); a token shard needs at least one sequence");
            }
            Meta meta = new Meta(
                    Hdf5.stringAttribute(h, file, "tokenizer", "token shard"),
                    Hdf5.intAttribute(h, file, "vocab_size", "token shard"),
                    Hdf5.intAttribute(h, file, "bos_id", "token shard"),
                    Hdf5.intAttribute(h, file, "eos_id", "token shard"),
                    Hdf5.stringAttribute(h, file, "source", "token shard"));
            if (meta.vocabSize() <= 0) {
                throw new InputException(file + ": attribute 'vocab_size' is " + meta.vocabSize() + ", expected > 0");
            }
            long[] flat = Hdf5.longsFlat(ds);
            int ctx = dims[1];
            int[][] tokens = new int[dims[0]][ctx];
            for (int s = 0; s < dims[0]; s++) {
                for (int t = 0; t < ctx; t++) {
                    long id = flat[s * ctx + t];
                    if (id < 0 || id >= meta.vocabSize()) {
                        throw new InputException(file + ": token id " + id + " at sequence " + s + ", position " + t
                                + " is outside the vocabulary [0, " + meta.vocabSize() + ")");
                    }
                    tokens[s][t] = (int) id;
                }
            }
            return new TokenShard(file, tokens, meta);
        } catch (HdfException e) {
            throw new InputException(file + ": cannot read token shard (" + e.getMessage() + ")");
        }
    }

    /** The optional {@code /vocab} dataset (token text per id), or null if the shard has none. */
    public static String[] readVocab(Path file) {
        try (HdfFile h = Hdf5.open(file)) {
            if (!(h.getChildren().get("vocab") instanceof Dataset ds)) {
                return null;
            }
            Object o = ds.getData();
            return o instanceof String[] s ? s : null;
        }
    }
}
