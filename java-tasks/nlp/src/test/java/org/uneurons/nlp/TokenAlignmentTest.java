package org.uneurons.nlp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The character-offset alignment alone, with words given by hand (no NLP model). */
class TokenAlignmentTest {
    private static final String N = SequenceTagger.NONE;
    private static final String M = SequenceTagger.MULTI;

    private static boolean[] none(int n) {
        return new boolean[n];
    }

    @Test
    void spansAndSegmentsLeaveSpecialTokensOutOfTheText() {
        String[] tokens = {"<|endoftext|>", "Hello", " world", "<|endoftext|>", "Bye", "\n"};
        boolean[] special = {true, false, false, true, false, false};
        TokenAlignment a = TokenAlignment.of(tokens, special);
        assertEquals("Hello worldBye\n", a.text());
        assertEquals(6, a.tokenCount());
        assertEquals(List.of(0, 0, 5, 11, 11, 14), List.of(a.tokenStart(0), a.tokenStart(1), a.tokenStart(2),
                a.tokenStart(3), a.tokenStart(4), a.tokenStart(5)));
        assertEquals(0, a.tokenEnd(0), "a special token has an empty span");
        assertEquals(15, a.tokenEnd(5));
        assertEquals(List.of(new TokenAlignment.Segment(1, 3, 0, 11, true),
                new TokenAlignment.Segment(4, 6, 11, 15, false)), a.segments());
        assertEquals("Hello world", a.text(a.segments().get(0)));
    }

    @Test
    void modelTokensThatSplitAWordAllTakeItsValue() {
        // "unbelievable" as "un", "believ", "able": one word under three tokens
        TokenAlignment a = TokenAlignment.of(new String[] {"It", " was", " un", "believ", "able"}, none(5));
        assertEquals("It was unbelievable", a.text());
        String[][] v = a.assign(new int[] {0, 3, 7}, new int[] {2, 6, 19},
                new String[][] {{"PRON", "AUX", "ADJ"}}, MultiRule.DIFFERENT_VALUES);
        assertArrayEquals(new String[] {"PRON", "AUX", "ADJ", "ADJ", "ADJ"}, v[0]);
    }

    @Test
    void aTokenOverSeveralWordsIsMultiOnlyWhereTheirValuesDifferUnderTheDefaultRule() {
        // ".\n\nThe" spans a full stop, a blank line and a word; " end" has no word here
        TokenAlignment a = TokenAlignment.of(new String[] {"Yes", ".\n\nThe", " end"}, none(3));
        int[] start = {0, 3, 6};
        int[] end = {3, 4, 9};
        String[][] values = {{"INTJ", "PUNCT", "DET"}, {"false", "false", "false"}, {"true", "false", "true"}};
        String[][] v = a.assign(start, end, values, MultiRule.DIFFERENT_VALUES);
        assertArrayEquals(new String[] {"INTJ", M, N}, v[0]);
        assertEquals("false", v[1][1], "two words, one value: that value");
        assertEquals(M, v[2][1]);
        String[][] paper = a.assign(start, end, values, MultiRule.SEVERAL_WORDS);
        assertEquals(List.of(M, M, M), List.of(paper[0][1], paper[1][1], paper[2][1]),
                "the paper's rule: several words are MULTI whatever their values");
        assertEquals("INTJ", paper[0][0]);
    }

    @Test
    void whitespaceOnlyAndSpecialTokensOverlapNoWord() {
        String[] tokens = {"<|endoftext|>", "A", "\n\n", " ", "B", "\t"};
        boolean[] special = {true, false, false, false, false, false};
        TokenAlignment a = TokenAlignment.of(tokens, special);
        assertEquals("A\n\n B\t", a.text());
        String[][] v = a.assign(new int[] {0, 4}, new int[] {1, 5}, new String[][] {{"x", "y"}},
                MultiRule.DIFFERENT_VALUES);
        assertArrayEquals(new String[] {N, "x", N, N, "y", N}, v[0]);
    }

    @Test
    void aTokenTouchingAWordOnlyWithWhitespaceDoesNotOverlapIt() {
        // a (hypothetical) word span that includes a trailing space must not reach the next token " b"
        TokenAlignment a = TokenAlignment.of(new String[] {"a", " b"}, none(2));
        int[][] o = a.overlaps(new int[] {0}, new int[] {2});
        assertArrayEquals(new int[] {0, 0}, o[0]);
        assertNull(o[1], "the shared character is a space");
    }

    @Test
    void partsOfAnUnsplitMultiWordTokenShareOneSpan() {
        TokenAlignment a = TokenAlignment.of(new String[] {"x", "yz", " w"}, none(3));
        int[] start = {0, 0, 4};
        int[] end = {3, 3, 5};
        int[][] o = a.overlaps(start, end);
        assertArrayEquals(new int[] {0, 1}, o[0]);
        assertArrayEquals(new int[] {0, 1}, o[1]);
        assertArrayEquals(new int[] {2, 2}, o[2]);
        String[][] v = a.assign(start, end, new String[][] {{"PROPN", "PROPN", "X"}, {"A", "B", "C"}},
                MultiRule.DIFFERENT_VALUES);
        assertArrayEquals(new String[] {"PROPN", "PROPN", "X"}, v[0]);
        assertArrayEquals(new String[] {M, M, "C"}, v[1]);
    }

    @Test
    void replacementCharactersAreCharactersLikeAnyOther() {
        TokenAlignment a = TokenAlignment.of(new String[] {" caf", "\uFFFD", "\uFFFD"}, none(3));
        assertEquals(" caf\uFFFD\uFFFD", a.text());
        String[][] v = a.assign(new int[] {1}, new int[] {6}, new String[][] {{"NOUN"}}, MultiRule.SEVERAL_WORDS);
        assertArrayEquals(new String[] {"NOUN", "NOUN", "NOUN"}, v[0]);
    }

    @Test
    void anEmptySequenceHasNoSegmentAndNoValues() {
        TokenAlignment a = TokenAlignment.of(new String[0], new boolean[0]);
        assertEquals("", a.text());
        assertEquals(List.of(), a.segments());
        String[][] v = a.assign(new int[0], new int[0], new String[][] {{}, {}}, MultiRule.DIFFERENT_VALUES);
        assertEquals(2, v.length);
        assertEquals(0, v[0].length);
    }

    @Test
    void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> TokenAlignment.of(new String[] {"a"}, new boolean[2]));
        assertThrows(IllegalArgumentException.class, () -> TokenAlignment.of(new String[] {null}, new boolean[1]));
        TokenAlignment a = TokenAlignment.of(new String[] {"abc", "def"}, none(2));
        assertThrows(IllegalArgumentException.class, () -> a.overlaps(new int[] {0, 2}, new int[] {3, 4}),
                "partly overlapping words");
        assertThrows(IllegalArgumentException.class, () -> a.overlaps(new int[] {5}, new int[] {7}),
                "a word past the text");
        assertThrows(IllegalArgumentException.class,
                () -> a.assign(new int[] {0}, new int[] {1}, new String[][] {{"a", "b"}}, MultiRule.SEVERAL_WORDS),
                "values for a different number of words");
    }
}
