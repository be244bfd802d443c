package org.uneurons.nlp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The character-offset alignment of one model sequence with the words an NLP library finds in its text.
 *
 * <p>The text is the concatenation of the non-special tokens' texts; each model token keeps its [start, end) span
 * in it (a special token has an empty span where it stands). The runs of non-special tokens are the segments: a
 * special token (BOS, a document separator, an unknown id) ends one, so the library sees each document part
 * separately. A word overlaps a model token when their spans share a character that is not whitespace (Java's
 * {@link Character#isWhitespace} or {@link Character#isSpaceChar}); U+FFFD, which stands for partial UTF-8 bytes, is
 * a character like any other. A token with no overlapping word gets {@link SequenceTagger#NONE}; with one word, the
 * word's value; with several, what the {@link MultiRule} says.
 *
 * <p>Public so that a tagger built on another library (named entities, dependency labels) aligns the same way.
 */
public final class TokenAlignment {
    private final String text;
    private final int[] tokenStart;
    private final int[] tokenEnd;
    private final List<Segment> segments;

    /**
     * A run of non-special tokens [firstToken, endToken) and its text [start, end); closedBySpecialToken: a special
     * token follows it in the sequence (the document part ends there rather than at the end of the sequence).
     */
    public record Segment(int firstToken, int endToken, int start, int end, boolean closedBySpecialToken) {
    }

    private TokenAlignment(String text, int[] tokenStart, int[] tokenEnd, List<Segment> segments) {
        this.text = text;
        this.tokenStart = tokenStart;
        this.tokenEnd = tokenEnd;
        this.segments = List.copyOf(segments);
    }

    /** The alignment frame of one sequence (see {@link SequenceTagger#tag} for the arguments). */
    public static TokenAlignment of(String[] tokenTexts, boolean[] specialTokens) {
        if (tokenTexts.length != specialTokens.length) {
            throw new IllegalArgumentException(tokenTexts.length + " token texts but " + specialTokens.length
                    + " special-token flags");
        }
        StringBuilder text = new StringBuilder();
        int n = tokenTexts.length;
        int[] start = new int[n];
        int[] end = new int[n];
        List<Segment> segments = new ArrayList<>();
        int segmentFirst = -1;
        for (int t = 0; t < n; t++) {
            start[t] = text.length();
            if (specialTokens[t]) {
                if (segmentFirst >= 0) {
                    segments.add(new Segment(segmentFirst, t, start[segmentFirst], text.length(), true));
                    segmentFirst = -1;
                }
            } else {
                if (tokenTexts[t] == null) {
                    throw new IllegalArgumentException("token " + t + " has no text (null)");
                }
                if (segmentFirst < 0) {
                    segmentFirst = t;
                }
                text.append(tokenTexts[t]);
            }
            end[t] = text.length();
        }
        if (segmentFirst >= 0) {
            segments.add(new Segment(segmentFirst, n, start[segmentFirst], text.length(), false));
        }
        return new TokenAlignment(text.toString(), start, end, segments);
    }

    /** The concatenated text of the non-special tokens. */
    public String text() {
        return text;
    }

    public int tokenCount() {
        return tokenStart.length;
    }

    public int tokenStart(int token) {
        return tokenStart[token];
    }

    public int tokenEnd(int token) {
        return tokenEnd[token];
    }

    public List<Segment> segments() {
        return segments;
    }

    /** A segment's text. */
    public String text(Segment segment) {
        return text.substring(segment.start(), segment.end());
    }

    static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c);
    }

    /**
     * For each token, the first and last word it overlaps ({@code {first, last}}), or null when it overlaps none.
     * wordStart and wordEnd are the words' spans in {@link #text()}, in text order: starts never decrease, and words
     * overlap only when they share one span (the parts of a multi-word token the library could not split), which
     * must then be adjacent. The words a token overlaps are always the consecutive run first..last.
     */
    public int[][] overlaps(int[] wordStart, int[] wordEnd) {
        int[] first = new int[text.length()];
        int[] last = new int[text.length()];
        Arrays.fill(first, -1);
        Arrays.fill(last, -1);
        for (int w = 0; w < wordStart.length; w++) {
            checkWord(w, wordStart, wordEnd);
            for (int c = wordStart[w]; c < wordEnd[w]; c++) {
                if (first[c] < 0) {
                    first[c] = w;
                }
                last[c] = w;
            }
        }
        int[][] out = new int[tokenStart.length][];
        for (int t = 0; t < out.length; t++) {
            int lo = Integer.MAX_VALUE;
            int hi = -1;
            for (int c = tokenStart[t]; c < tokenEnd[t]; c++) {
                if (first[c] >= 0 && !isSpace(text.charAt(c))) {
                    lo = Math.min(lo, first[c]);
                    hi = Math.max(hi, last[c]);
                }
            }
            out[t] = hi < 0 ? null : new int[] {lo, hi};
        }
        return out;
    }

    private void checkWord(int w, int[] wordStart, int[] wordEnd) {
        if (wordStart[w] < 0 || wordEnd[w] > text.length() || wordStart[w] >= wordEnd[w]) {
            throw new IllegalArgumentException("word " + w + " span [" + wordStart[w] + ", " + wordEnd[w]
                    + ") is not a non-empty span of the " + text.length() + "-character text");
        }
        boolean sameSpan = w > 0 && wordStart[w] == wordStart[w - 1] && wordEnd[w] == wordEnd[w - 1];
        if (w > 0 && !sameSpan && wordStart[w] < wordEnd[w - 1]) {
            throw new IllegalArgumentException("word " + w + " [" + wordStart[w] + ", " + wordEnd[w]
                    + ") overlaps word " + (w - 1) + " [" + wordStart[w - 1] + ", " + wordEnd[w - 1] + ")");
        }
    }

    /**
     * The [tagSet][token] values from the words' [tagSet][word] values: NONE where a token overlaps no word, the
     * word's value where it overlaps one, and for several what {@code rule} says.
     */
    public String[][] assign(int[] wordStart, int[] wordEnd, String[][] wordValues, MultiRule rule) {
        int[][] overlaps = overlaps(wordStart, wordEnd);
        String[][] out = new String[wordValues.length][tokenStart.length];
        for (int s = 0; s < wordValues.length; s++) {
            if (wordValues[s].length != wordStart.length) {
                throw new IllegalArgumentException("tag set " + s + " has " + wordValues[s].length + " values for "
                        + wordStart.length + " words");
            }
            for (int t = 0; t < tokenStart.length; t++) {
                out[s][t] = value(overlaps[t], wordValues[s], rule);
            }
        }
        return out;
    }

    private static String value(int[] range, String[] values, MultiRule rule) {
        if (range == null) {
            return SequenceTagger.NONE;
        }
        if (range[0] == range[1]) {
            return values[range[0]];
        }
        if (rule == MultiRule.SEVERAL_WORDS) {
            return SequenceTagger.MULTI;
        }
        for (int w = range[0] + 1; w <= range[1]; w++) {
            if (!values[w].equals(values[range[0]])) {
                return SequenceTagger.MULTI;
            }
        }
        return values[range[0]];
    }
}
