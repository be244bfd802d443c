package org.uneurons.corpus;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.IntArrayList;

/**
 * A small vocabulary cut from GPT-2's: the corpus's most frequent GPT-2 ids get new dense ids so that tiny models
 * train fast. Layout (vocab_size = K + 1):
 * <ul>
 * <li>0: GPT-2's {@code <|endoftext|>} (50256), used as BOS at the start of each row and as EOS between
 * documents;</li>
 * <li>1 .. K-1: the K-1 most frequent other GPT-2 ids of the corpus, most frequent first, ties broken by the
 * smaller GPT-2 id;</li>
 * <li>K: unknown, standing for every GPT-2 id outside the kept set.</li>
 * </ul>
 * If the corpus has fewer than K-1 distinct ids, K shrinks to (distinct ids + 1) so no id is unused but unknown.
 */
final class VocabRemap {
    static final int GPT2_VOCAB = 50257;
    static final int GPT2_EOT = 50256;
    static final int EOT = 0;
    static final String EOT_TEXT = "<|endoftext|>";
    static final String UNK_TEXT = "<unk>";

    /** Number of kept GPT-2 ids, EOT included; also the unknown id. */
    final int k;
    /** New id -> GPT-2 id (-1 for unknown). */
    final int[] toGpt2;
    /** GPT-2 id -> new id. */
    private final int[] fromGpt2;
    /** Occurrences per new id in the corpus the remap was built from (EOT and unknown included). */
    final long[] counts;

    private VocabRemap(int k, int[] toGpt2, int[] fromGpt2, long[] counts) {
        this.k = k;
        this.toGpt2 = toGpt2;
        this.fromGpt2 = fromGpt2;
        this.counts = counts;
    }

    int vocabSize() {
        return k + 1;
    }

    int unknownId() {
        return k;
    }

    /** "gpt2-remap-K", the tokenizer attribute of the shards. */
    String tokenizerName() {
        return "gpt2-remap-" + k;
    }

    /**
     * Builds the remap from the GPT-2 ids of every document ({@code docs}; EOT is counted once between each pair of
     * documents, as the rows will carry it) keeping at most {@code requestedK} ids.
     */
    static VocabRemap build(List<int[]> docs, int requestedK) {
        if (requestedK < 2) {
            throw new IllegalArgumentException("K must be at least 2 (EOT and one token), got " + requestedK);
        }
        long[] gpt2Counts = new long[GPT2_VOCAB];
        for (int[] d : docs) {
            for (int id : d) {
                gpt2Counts[id]++;
            }
        }
        int distinct = 0;
        for (int id = 0; id < GPT2_VOCAB; id++) {
            if (id != GPT2_EOT && gpt2Counts[id] > 0) {
                distinct++;
            }
        }
        Integer[] order = new Integer[GPT2_VOCAB - 1];
        for (int i = 0; i < order.length; i++) {
            order[i] = i; // every id but 50256, which is the last
        }
        Arrays.sort(order, (a, b) -> gpt2Counts[a] != gpt2Counts[b] ? Long.compare(gpt2Counts[b], gpt2Counts[a])
                : Integer.compare(a, b));
        int k = Math.min(requestedK, distinct + 1);
        int[] to = new int[k + 1];
        int[] from = new int[GPT2_VOCAB];
        Arrays.fill(from, k);
        to[EOT] = GPT2_EOT;
        from[GPT2_EOT] = EOT;
        for (int n = 1; n < k; n++) {
            to[n] = order[n - 1];
            from[order[n - 1]] = n;
        }
        to[k] = -1;
        long[] counts = new long[k + 1];
        for (int id = 0; id < GPT2_VOCAB; id++) {
            counts[from[id]] += gpt2Counts[id];
        }
        counts[EOT] += Math.max(0, docs.size() - 1);
        return new VocabRemap(k, to, from, counts);
    }

    int map(int gpt2Id) {
        return fromGpt2[gpt2Id];
    }

    /** GPT-2 byte-level decode of the original id as UTF-8 text (a partial UTF-8 sequence becomes U+FFFD). */
    String text(int newId, Encoding bpe) {
        if (newId == EOT) {
            return EOT_TEXT;
        }
        if (newId == k) {
            return UNK_TEXT;
        }
        return new String(bytes(newId, bpe), StandardCharsets.UTF_8);
    }

    /** The original token's bytes, hex (lossless where {@link #text} is not); empty for EOT and unknown. */
    String hexBytes(int newId, Encoding bpe) {
        return newId == EOT || newId == k ? "" : HexFormat.of().formatHex(bytes(newId, bpe));
    }

    private byte[] bytes(int newId, Encoding bpe) {
        IntArrayList one = new IntArrayList(1);
        one.add(toGpt2[newId]);
        return bpe.decodeBytes(one);
    }

    /**
     * Every new id's exact bytes (the shards' /vocab_bytes): the original GPT-2 token's bytes (its byte-level BPE
     * string through GPT-2's byte decoder; part of a character for some), the UTF-8 of {@code <|endoftext|>} for EOT
     * and of {@code <unk>} for the unknown id, which stands for many tokens and has no bytes of its own.
     */
    byte[][] tokenBytes(Encoding bpe) {
        byte[][] b = new byte[vocabSize()][];
        for (int i = 0; i < b.length; i++) {
            b[i] = i == EOT ? EOT_TEXT.getBytes(StandardCharsets.UTF_8)
                    : i == k ? UNK_TEXT.getBytes(StandardCharsets.UTF_8) : bytes(i, bpe);
        }
        return b;
    }

    /** Token text for every new id (the shards' /vocab dataset). */
    String[] texts(Encoding bpe) {
        String[] t = new String[vocabSize()];
        for (int i = 0; i < t.length; i++) {
            t[i] = text(i, bpe);
        }
        return t;
    }
}
