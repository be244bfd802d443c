package org.uneurons.nlp;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import opennlp.tools.util.Span;

/**
 * What the English pipeline does to the tokenizer's tokens before and after tagging.
 *
 * <p>Before: the UD English EWT tokenizer model keeps dashes and ellipses inside words ("know—it's" is one token);
 * a run of em dashes, en dashes or ellipsis characters becomes a token of its own, as spaCy's tokenizer does. It
 * also leaves the full stop on some sentence-final words ("slept."): the last token of a sentence loses its final
 * "." when the rest has no "." and is not a common abbreviation (Mr, Dr, etc, Inc, Jan, ...).
 *
 * <p>After: the model tags a contraction or possessive as one token with a compound tag ("don't" AUX+PART, "it's"
 * PRON+AUX, "boat's" NOUN+PART, "cannot" AUX+PART, "gonna" VERB+PART). Such a token is split into words with a
 * tag each, at the clitic: before "n't", at the last apostrophe ('s 're 've 'll 'd 'm, or a trailing possessive '),
 * before "not" (cannot), or after the third letter of gonna, wanna and gotta; these are the splits of UD and spaCy
 * ("do" + "n't", "ca" + "n't", "gon" + "na"). A compound token with no such point, or with more than two parts,
 * gives one word per part, all on the token's whole span.
 */
final class EnglishTokens {
    private static final String SEPARATE = "\u2014\u2013\u2026";
    private static final Set<String> NA_CONTRACTIONS = Set.of("gonna", "wanna", "gotta");
    private static final Set<String> ABBREVIATIONS = Set.of(("mr mrs ms dr prof st jr sr co corp inc ltd vs etc al"
            + " jan feb mar apr jun jul aug sep sept oct nov dec no gen col capt lt sgt rev gov sen rep").split(" "));

    private EnglishTokens() {
    }

    /** The tokenizer's spans with runs of dashes and ellipses split out (spans relative to the same text). */
    static List<Span> refine(String text, Span[] spans) {
        List<Span> out = new ArrayList<>(spans.length + 4);
        for (Span s : spans) {
            int start = s.getStart();
            for (int c = s.getStart() + 1; c < s.getEnd(); c++) {
                if (isSeparate(text.charAt(c)) != isSeparate(text.charAt(c - 1))) {
                    out.add(new Span(start, c));
                    start = c;
                }
            }
            out.add(new Span(start, s.getEnd()));
        }
        splitFinalPeriod(text, out);
        return out;
    }

    private static void splitFinalPeriod(String text, List<Span> spans) {
        if (spans.isEmpty()) {
            return;
        }
        Span last = spans.get(spans.size() - 1);
        String token = text.substring(last.getStart(), last.getEnd());
        String rest = token.substring(0, token.length() - 1);
        if (token.length() > 1 && token.endsWith(".") && rest.indexOf('.') < 0
                && !ABBREVIATIONS.contains(rest.toLowerCase(Locale.ROOT))) {
            spans.set(spans.size() - 1, new Span(last.getStart(), last.getEnd() - 1));
            spans.add(new Span(last.getEnd() - 1, last.getEnd()));
        }
    }

    private static boolean isSeparate(char c) {
        return SEPARATE.indexOf(c) >= 0;
    }

    /** The words of one tagged token [start, end) of the sequence text, appended to {@code out}. */
    static void expand(int start, int end, String form, String tag, List<Word> out) {
        String[] parts = tag.split("\\+");
        if (parts.length == 1 || tag.equals("+")) {
            out.add(new Word(start, end, form, tag));
            return;
        }
        int cut = parts.length == 2 ? cliticCut(form) : -1;
        if (cut > 0 && cut < form.length()) {
            out.add(new Word(start, start + cut, form.substring(0, cut), parts[0]));
            out.add(new Word(start + cut, end, form.substring(cut), parts[1]));
            return;
        }
        for (String part : parts) {
            out.add(new Word(start, end, form, part.isEmpty() ? "X" : part));
        }
    }

    /** Where a two-part token splits (the index of the clitic's first character), or -1. */
    static int cliticCut(String form) {
        String lower = EnglishMorphology.normalise(form);
        int n = lower.length();
        if (n > 3 && lower.endsWith("n't")) {
            return n - 3;
        }
        int apostrophe = lower.lastIndexOf('\'');
        if (apostrophe > 0) {
            return apostrophe;
        }
        if (n > 3 && lower.endsWith("not")) {
            return n - 3;
        }
        if (NA_CONTRACTIONS.contains(lower)) {
            return 3;
        }
        return -1;
    }
}
