package org.uneurons.nlp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StopWordsTest {
    @Test
    void spacysEnglishListCaseInsensitiveWithEitherApostrophe() {
        // spaCy lists 326 English stop words: these 312 plus 14 typographic-apostrophe variants
        assertEquals(312, StopWords.size());
        for (String w : new String[] {"the", "The", "n't", "n\u2019t", "'s", "\u2019S", "whereupon", "ca", "yourselves"}) {
            assertTrue(StopWords.contains(w), w);
        }
        for (String w : new String[] {"dog", "", "don't", " the", "whale"}) {
            assertFalse(StopWords.contains(w), w);
        }
    }
}
