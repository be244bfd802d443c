package org.uneurons.nlp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import opennlp.tools.util.Span;
import org.junit.jupiter.api.Test;

class EnglishTokensTest {
    private static List<String> texts(String text, List<Span> spans) {
        return spans.stream().map(s -> text.substring(s.getStart(), s.getEnd())).toList();
    }

    @Test
    void dashesAndEllipsesBecomeTokensOfTheirOwn() {
        String text = "know\u2014it's fine\u2026 a\u2013b \u2014\u2014";
        Span[] spans = {new Span(0, 9), new Span(10, 15), new Span(16, 19), new Span(20, 22)};
        assertEquals(List.of("know", "\u2014", "it's", "fine", "\u2026", "a", "\u2013", "b", "\u2014\u2014"),
                texts(text, EnglishTokens.refine(text, spans)));
    }

    @Test
    void aSentencesLastWordLosesItsFullStopUnlessAnAbbreviation() {
        String text = "The cats slept.";
        assertEquals(List.of("The", "cats", "slept", "."),
                texts(text, EnglishTokens.refine(text, new Span[] {new Span(0, 3), new Span(4, 8), new Span(9, 15)})));
        String mr = "Ask Mr.";
        assertEquals(List.of("Ask", "Mr."), texts(mr, EnglishTokens.refine(mr, new Span[] {new Span(0, 3),
            new Span(4, 7)})));
        String us = "the U.S.";
        assertEquals(List.of("the", "U.S."), texts(us, EnglishTokens.refine(us, new Span[] {new Span(0, 3),
            new Span(4, 8)})));
        assertEquals(List.of(), EnglishTokens.refine("", new Span[0]));
    }

    @Test
    void contractionsSplitAtTheirClitic() {
        assertEquals(2, EnglishTokens.cliticCut("don't"));
        assertEquals(2, EnglishTokens.cliticCut("can't"), "ca + n't, as UD and spaCy");
        assertEquals(2, EnglishTokens.cliticCut("it\u2019s"), "typographic apostrophe");
        assertEquals(1, EnglishTokens.cliticCut("I'll"));
        assertEquals(4, EnglishTokens.cliticCut("boat's"));
        assertEquals(7, EnglishTokens.cliticCut("Potters'"), "trailing possessive apostrophe");
        assertEquals(3, EnglishTokens.cliticCut("cannot"));
        assertEquals(3, EnglishTokens.cliticCut("gonna"));
        assertEquals(-1, EnglishTokens.cliticCut("Burtons"));
    }

    @Test
    void compoundTagsGiveOneWordPerPart() {
        List<Word> out = new ArrayList<>();
        EnglishTokens.expand(10, 15, "don't", "AUX+PART", out);
        EnglishTokens.expand(16, 20, "dogs", "NOUN", out);
        EnglishTokens.expand(21, 28, "Burtons", "PROPN+PART", out);
        EnglishTokens.expand(29, 30, "+", "SYM", out);
        assertEquals("[do/AUX[10,12), n't/PART[12,15), dogs/NOUN[16,20), Burtons/PROPN[21,28),"
                + " Burtons/PART[21,28), +/SYM[29,30)]", out.toString());
    }
}
