package org.uneurons.families;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import org.uneurons.formats.TokenShard;

/**
 * The text of every vocabulary id, as the paper decodes it ({@code tokenizer.decode(id)}, one id at a time): the
 * shard's {@code /vocab} (remapped vocabularies such as the demo's), GPT-2 BPE for a {@code gpt2} shard without one
 * (bytes that are not a whole UTF-8 character become U+FFFD, as Hugging Face's decode gives), else none: ids of an
 * external vocabulary have no text, and token-text features are skipped.
 */
final class TokenTexts {
    private TokenTexts() {
    }

    /** How the texts were found: "/vocab", "GPT-2 BPE (r50k_base)", or null when there are none. */
    record Decoded(String[] texts, String source) {
    }

    static Decoded of(TokenShard.Meta meta, String[] vocab) {
        if (vocab != null) {
            return new Decoded(vocab.clone(), "/vocab of the shard");
        }
        if (TokenShard.Meta.GPT2.equals(meta.tokenizer()) && meta.vocabSize() <= TokenShard.Meta.GPT2_VOCAB) {
            return new Decoded(gpt2(meta.vocabSize()), "GPT-2 BPE (r50k_base)");
        }
        return new Decoded(null, null);
    }

    static String[] gpt2(int vocabSize) {
        Encoding bpe = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
        String[] out = new String[vocabSize];
        for (int id = 0; id < vocabSize; id++) {
            IntArrayList one = new IntArrayList(1);
            one.add(id);
            out[id] = utf8(bpe.decodeBytes(one));
        }
        return out;
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
