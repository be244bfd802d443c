package org.uneurons.nlp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The English tagger end to end: the OpenNLP models, the word rules and the alignment to model tokens. */
class OpenNlpTaggerTest {
    static final String EOT = "<|endoftext|>";
    static final String M = SequenceTagger.MULTI;
    static final String N = SequenceTagger.NONE;
    private static OpenNlpTagger tagger;

    @BeforeAll
    static void open() {
        tagger = OpenNlpTagger.english();
    }

    @AfterAll
    static void close() {
        tagger.close();
    }

    /** Tags the model tokens (EOT is the special token) and returns the values by tag set name. */
    static Tags tag(SequenceTagger t, String... tokens) {
        boolean[] special = new boolean[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            special[i] = tokens[i].equals(EOT);
        }
        String[][] v = t.tag(tokens, special);
        assertEquals(t.tagSets().size(), v.length);
        for (String[] row : v) {
            assertEquals(tokens.length, row.length);
        }
        return new Tags(t.tagSets(), v);
    }

    record Tags(List<String> sets, String[][] values) {
        List<String> get(String set) {
            return Arrays.asList(values[sets.indexOf(set)]);
        }

        String get(String set, int token) {
            return values[sets.indexOf(set)][token];
        }
    }

    @Test
    void theModelsLoadFromTheirJarsOnTheClasspath() {
        for (String name : new String[] {EnglishModels.SENTENCE, EnglishModels.TOKENS, EnglishModels.POS,
                EnglishModels.LEMMAS}) {
            URL url = OpenNlpTaggerTest.class.getClassLoader().getResource(name);
            assertTrue(url != null && url.toString().startsWith("jar:file:")
                    && url.toString().contains("opennlp-models-"), name + " from " + url);
        }
        assertEquals(OpenNlpTagger.TAG_SETS, tagger.tagSets());
        assertEquals(List.of("pos", "number", "tense", "aspect", "verb_form", "person", "pron_type", "sent_begin",
                "sent_end", "is_stop"), tagger.tagSets());
    }

    @Test
    void partsOfSpeechAndMorphologyOfAPlainSentence() {
        Tags t = tag(tagger, "The", " dogs", " ran", " quickly", ".");
        assertEquals(List.of("DET", "NOUN", "VERB", "ADV", "PUNCT"), t.get("pos"));
        assertEquals(List.of("_", "Plur", "_", "_", "_"), t.get("number"));
        assertEquals(List.of("_", "_", "Past", "_", "_"), t.get("tense"));
        assertEquals(List.of("_", "_", "Fin", "_", "_"), t.get("verb_form"));
        assertEquals(List.of("Art", "_", "_", "_", "_"), t.get("pron_type"));
        assertEquals(List.of("true", "false", "false", "false", "false"), t.get("sent_begin"));
        assertEquals(List.of("false", "false", "false", "false", "true"), t.get("sent_end"));
        assertEquals(List.of("true", "false", "false", "false", "false"), t.get("is_stop"));
        Tags u = tag(tagger, "They", " were", " sleeping", " and", " he", " wants", " to", " go", ".");
        assertEquals(List.of("_", "Past", "Pres", "_", "_", "Pres", "_", "_", "_"), u.get("tense"));
        assertEquals(List.of("_", "_", "Prog", "_", "_", "_", "_", "_", "_"), u.get("aspect"));
        assertEquals(List.of("_", "Fin", "Part", "_", "_", "Fin", "_", "Inf", "_"), u.get("verb_form"));
        assertEquals(List.of("3", "_", "_", "_", "3", "3", "_", "_", "_"), u.get("person"));
        assertEquals(List.of("Plur", "_", "_", "_", "Sing", "Sing", "_", "_", "_"), u.get("number"));
    }

    @Test
    void modelTokensThatSplitAWordTakeTheWordsValues() {
        Tags t = tag(tagger, "It", " was", " un", "believ", "able", ".");
        assertEquals(List.of("PRON", "AUX", "ADJ", "ADJ", "ADJ", "PUNCT"), t.get("pos"));
        assertEquals(List.of("false", "false", "false", "false", "false", "true"), t.get("sent_end"));
    }

    @Test
    void aTokenOverPunctuationBlankLineAndWordIsMulti() {
        String[] tokens = {"It", " was", " fine", ".\n\nThe", " dog", " barked", "."};
        Tags t = tag(tagger, tokens);
        assertEquals(List.of("PRON", "AUX", "ADJ", M, "NOUN", "VERB", "PUNCT"), t.get("pos"));
        assertEquals(M, t.get("sent_begin", 3), "'.' does not begin a sentence, 'The' does (after the blank line)");
        assertEquals(M, t.get("sent_end", 3));
        assertEquals(M, t.get("is_stop", 3));
        assertEquals("_", t.get("number", 3), "both words have no number: one value");
        Tags paper = tag(OpenNlpTagger.english(MultiRule.SEVERAL_WORDS), tokens);
        assertEquals(M, paper.get("number", 3), "the paper's rule: two words are MULTI");
        assertEquals("NOUN", paper.get("pos", 4));
    }

    @Test
    void aContractionIsTwoWordsForTheModelTokensEitherWay() {
        Tags whole = tag(tagger, "I", " don't", " know", ".");
        assertEquals(List.of("PRON", M, "VERB", "PUNCT"), whole.get("pos"));
        assertEquals("true", whole.get("is_stop", 1), "do and n't are both stop words");
        assertEquals("Inf", whole.get("verb_form", 2), "know after do n't");
        Tags split = tag(tagger, "I", " don", "'t", " know", ".");
        assertEquals(List.of("PRON", M, "PART", "VERB", "PUNCT"), split.get("pos"),
                "' don' overlaps 'do' and the n of \"n't\"");
        Tags typographic = tag(tagger, "It", "\u2019s", " the", " boat", "\u2019s", " bow", ".");
        assertEquals(List.of("PRON", "AUX", "DET", "NOUN", "PART", "NOUN", "PUNCT"), typographic.get("pos"));
    }

    @Test
    void specialAndWhitespaceTokensAreNone() {
        Tags t = tag(tagger, EOT, "Hello", " there", ".", "\n", "\n\n", " ", EOT);
        for (String set : tagger.tagSets()) {
            List<String> v = t.get(set);
            assertEquals(List.of(N, N, N, N, N), List.of(v.get(0), v.get(4), v.get(5), v.get(6), v.get(7)), set);
            assertNotEquals(N, v.get(1), set);
        }
    }

    @Test
    void aDocumentSeparatorEndsTheSentenceBeforeIt() {
        Tags separated = tag(tagger, EOT, "The", " cat", " sat", EOT, "the", " end");
        assertEquals("true", separated.get("sent_end", 3));
        assertEquals("true", separated.get("sent_begin", 5));
        Tags joined = tag(tagger, EOT, "The", " cat", " sat", " the", " end");
        assertEquals("false", joined.get("sent_end", 3));
        assertEquals("false", joined.get("sent_begin", 4));
        assertEquals("false", joined.get("sent_end", 5),
                "the sequence cuts the last sentence: no sentence end without terminal punctuation");
        assertEquals("true", tag(tagger, "The", " cat", " sat", ".").get("sent_end", 3));
    }

    @Test
    void twoSentencesInOneSequence() {
        Tags t = tag(tagger, "The", " dogs", " ran", ".", " The", " cats", " slept", ".");
        assertEquals(List.of("true", "false", "false", "false", "true", "false", "false", "false"),
                t.get("sent_begin"));
        assertEquals(List.of("false", "false", "false", "true", "false", "false", "false", "true"),
                t.get("sent_end"));
    }

    @Test
    void emptySequencesAndReplacementCharacters() {
        String[][] empty = tagger.tag(new String[0], new boolean[0]);
        assertEquals(tagger.tagSets().size(), empty.length);
        assertEquals(0, empty[0].length);
        assertEquals(List.of(N, N), tag(tagger, EOT, EOT).get("pos"));
        Tags t = tag(tagger, "The", " caf", "\uFFFD", " is", " good", ".");
        assertEquals(t.get("pos", 1), t.get("pos", 2), "' caf' and the partial character are one word");
        assertNotEquals(N, t.get("pos", 2));
        assertEquals("AUX", t.get("pos", 3));
        Tags only = tag(tagger, "\uFFFD", "\uFFFD", " \uFFFD");
        assertTrue(only.get("pos").stream().noneMatch(N::equals), only.get("pos").toString());
    }

    @Test
    void aClosedTaggerRefusesWork() {
        OpenNlpTagger t = OpenNlpTagger.english();
        t.close();
        assertThrows(IllegalStateException.class, () -> t.tag(new String[] {"a"}, new boolean[1]));
    }

    @Test
    void oneTaggerPerThreadGivesTheSameValues() throws Exception {
        String[][] sequences = {{"The", " dogs", " ran", "."}, {"I", " don", "'t", " know", "."},
            {"It", " was", " un", "believ", "able", ".\n\nThe", " end"}};
        List<String> expected = new ArrayList<>();
        for (String[] s : sequences) {
            expected.add(Arrays.deepToString(tagger.tag(s, new boolean[s.length])));
        }
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<List<String>>> runs = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                runs.add(pool.submit(() -> {
                    List<String> out = new ArrayList<>();
                    try (OpenNlpTagger own = OpenNlpTagger.english()) {
                        for (int k = 0; k < 20; k++) {
                            String[] s = sequences[k % sequences.length];
                            out.add(Arrays.deepToString(own.tag(s, new boolean[s.length])));
                        }
                    }
                    return out;
                }));
            }
            for (Future<List<String>> run : runs) {
                List<String> got = run.get();
                for (int k = 0; k < got.size(); k++) {
                    assertEquals(expected.get(k % sequences.length), got.get(k));
                }
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void combinedTaggerAppendsTheTagSetsOfAnother() {
        SequenceTagger entities = new SequenceTagger() {
            @Override
            public List<String> tagSets() {
                return List.of("ent");
            }

            @Override
            public String[][] tag(String[] tokenTexts, boolean[] specialTokens) {
                String[] row = new String[tokenTexts.length];
                Arrays.fill(row, "O");
                return new String[][] {row};
            }

            @Override
            public void close() {
            }
        };
        try (CombinedTagger both = CombinedTagger.of(OpenNlpTagger.english(), entities)) {
            assertEquals(11, both.tagSets().size());
            assertEquals("ent", both.tagSets().get(10));
            Tags t = tag(both, "The", " dogs", ".");
            assertEquals(List.of("DET", "NOUN", "PUNCT"), t.get("pos"));
            assertArrayEquals(new String[] {"O", "O", "O"}, t.values()[10]);
        }
        assertThrows(IllegalArgumentException.class, () -> CombinedTagger.of(tagger, tagger));
    }
}
