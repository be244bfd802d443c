package org.uneurons.report;

import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import org.uneurons.formats.TokenShard;

/**
 * Turns token ids of one shard into text: the shard's token bytes ({@code /vocab_bytes}) joined and decoded when it
 * has them, else its {@code /vocab} entries (remapped vocabularies of earlier shards), GPT-2 BPE bytes for a
 * {@code gpt2} shard, else the id in brackets. Bytes that are not whole UTF-8 characters (a multi-byte character
 * split across tokens, cut at the window's edge, or split by /vocab's per-token text) show as U+FFFD.
 */
final class TokenText {
    private static Encoding gpt2;

    private final String[] vocab;
    private final byte[][] vocabBytes;
    private final boolean isGpt2;

    TokenText(TokenShard.Meta meta, String[] vocab, byte[][] vocabBytes) {
        this.vocab = vocab;
        this.vocabBytes = vocabBytes;
        this.isGpt2 = TokenShard.Meta.GPT2.equals(meta.tokenizer()) && meta.vocabSize() <= TokenShard.Meta.GPT2_VOCAB;
    }

    /** How ids are decoded, for the report's notes. */
    String source() {
        return vocabBytes != null ? "/vocab_bytes" : vocab != null ? "/vocab" : isGpt2 ? "GPT-2 BPE"
                : "ids (no /vocab and not a gpt2 shard)";
    }

    /** The text of ids[from, to) as one string. */
    String text(int[] ids, int from, int to) {
        if (from >= to) {
            return "";
        }
        if (vocabBytes != null) {
            java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
            for (int i = from; i < to; i++) {
                b.writeBytes(ids[i] < vocabBytes.length ? vocabBytes[ids[i]]
                        : ("[" + ids[i] + "]").getBytes(StandardCharsets.UTF_8));
            }
            return utf8(b.toByteArray());
        }
        if (vocab != null) {
            StringBuilder sb = new StringBuilder();
            for (int i = from; i < to; i++) {
                sb.append(ids[i] < vocab.length && vocab[ids[i]] != null ? vocab[ids[i]] : "[" + ids[i] + "]");
            }
            return sb.toString();
        }
        if (isGpt2) {
            IntArrayList list = new IntArrayList(to - from);
            for (int i = from; i < to; i++) {
                list.add(ids[i]);
            }
            return utf8(bpe().decodeBytes(list));
        }
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < to; i++) {
            sb.append('[').append(ids[i]).append(']');
        }
        return sb.toString();
    }

    /**
     * One token's text for a list of tokens (the browser's output tokens): a token whose bytes are not whole UTF-8
     * characters (a byte-level BPE fragment of a character) shows its bytes, ASCII as is and the rest as \xNN, e.g.
     * {@code \xe2\x80}, instead of U+FFFD.
     */
    String token(int id) {
        byte[] b = null;
        if (vocabBytes != null && id >= 0 && id < vocabBytes.length) {
            b = vocabBytes[id];
        } else if (vocab == null && isGpt2) {
            IntArrayList one = new IntArrayList(1);
            one.add(id);
            b = bpe().decodeBytes(one);
        }
        if (b == null) {
            return text(new int[] {id}, 0, 1);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            StringBuilder sb = new StringBuilder();
            for (byte x : b) {
                sb.append(x >= 0x20 && x < 0x7f ? String.valueOf((char) x) : String.format("\\x%02x", x & 0xff));
            }
            return sb.toString();
        }
    }

    private static synchronized Encoding bpe() {
        if (gpt2 == null) {
            gpt2 = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
        }
        return gpt2;
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalStateException("a replacing decoder does not throw", e);
        }
    }
}
