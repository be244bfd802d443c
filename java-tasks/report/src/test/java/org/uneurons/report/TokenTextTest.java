package org.uneurons.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.uneurons.formats.TokenShard;

class TokenTextTest {
    private static final TokenShard.Meta META = new TokenShard.Meta("gpt2-remap-3", 4, 0, 0, "test");
    /** "日" (e6 97 a5) split over ids 1 and 2, as GPT-2 splits many CJK characters and emoji. */
    private static final byte[][] BYTES = {"<|endoftext|>".getBytes(StandardCharsets.UTF_8),
        {(byte) 0xe6, (byte) 0x97}, {(byte) 0xa5}, " end".getBytes(StandardCharsets.UTF_8)};
    private static final String[] TEXTS = {"<|endoftext|>", "\uFFFD", "\uFFFD", " end"};

    @Test
    void tokenBytesAreJoinedBeforeDecodingSoASplitCharacterShowsWhole() {
        TokenText t = new TokenText(META, TEXTS, BYTES);
        assertEquals("/vocab_bytes", t.source());
        assertEquals("日 end", t.text(new int[] {1, 2, 3}, 0, 3));
        assertEquals("\uFFFD", t.text(new int[] {1, 2, 3}, 1, 2), "a window that cuts the character");
        assertEquals("<|endoftext|>[7]", t.text(new int[] {0, 7}, 0, 2), "an id outside the table");
    }

    @Test
    void shardsWithoutTokenBytesUseTheirPerTokenText() {
        TokenText t = new TokenText(META, TEXTS, null);
        assertEquals("/vocab", t.source());
        assertEquals("\uFFFD\uFFFD end", t.text(new int[] {1, 2, 3}, 0, 3));
    }

    /** A listed token that is a fragment of a character shows its bytes; a whole one its text. */
    @Test
    void aFragmentTokenShowsItsBytes() {
        TokenText t = new TokenText(META, TEXTS, BYTES);
        assertEquals("\\xe6\\x97", t.token(1));
        assertEquals("\\xa5", t.token(2));
        assertEquals(" end", t.token(3));
        assertEquals("\uFFFD", new TokenText(META, TEXTS, null).token(1), "without bytes: the per-token text");
        // a gpt2 shard without a table: GPT-2's bytes; token 447 is the first two bytes of '’' (e2 80 99)
        TokenText gpt2 = new TokenText(TokenShard.Meta.gpt2("test"), null, null);
        assertEquals("\\xe2\\x80", gpt2.token(447));
        assertEquals(" the", gpt2.token(262));
    }
}
