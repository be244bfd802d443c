package org.uneurons.nlp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The morphology rules on hand-tagged sentences ("form/UPOS" pairs), without the models. */
class EnglishMorphologyTest {
    /** "The/DET dogs/NOUN:dog ran/VERB" → words (a noun's lemma after a colon). */
    private static List<Word> sentence(String tagged) {
        List<Word> out = new ArrayList<>();
        int pos = 0;
        for (String item : tagged.split(" ")) {
            String[] formTag = item.split("/");
            String[] tagLemma = formTag[1].split(":");
            Word w = new Word(pos, pos + formTag[0].length(), formTag[0], tagLemma[0]);
            w.lemma = tagLemma.length > 1 ? tagLemma[1] : null;
            out.add(w);
            pos += formTag[0].length() + 1;
        }
        EnglishMorphology.annotate(out);
        return out;
    }

    /** number tense aspect verb_form person pron_type of word i. */
    private static String morph(List<Word> s, int i) {
        Word w = s.get(i);
        return String.join(" ", w.number, w.tense, w.aspect, w.verbForm, w.person, w.pronType);
    }

    @Test
    void verbTagsFollowFormAndAuxiliaries() {
        List<Word> s = sentence("He/PRON has/AUX walked/VERB home/ADV ,/PUNCT she/PRON walked/VERB and/CCONJ"
                + " it/PRON was/AUX not/PART eaten/VERB but/CCONJ they/PRON were/AUX sleeping/VERB");
        assertEquals("Sing Pres _ Fin 3 _", morph(s, 1), "has: VBZ");
        assertEquals("_ Past Perf Part _ _", morph(s, 2), "walked after has: VBN");
        assertEquals("_ Past _ Fin _ _", morph(s, 6), "walked with no auxiliary: VBD");
        assertEquals("Sing Past _ Fin _ _", morph(s, 9), "was");
        assertEquals("_ Past Perf Part _ _", morph(s, 11), "eaten: participle (negation between)");
        assertEquals("_ Pres Prog Part _ _", morph(s, 15), "sleeping: VBG");
    }

    @Test
    void baseFormsAreInfinitiveAfterToModalsAndDoElsePresent() {
        List<Word> s = sentence("They/PRON want/VERB to/PART go/VERB ,/PUNCT we/PRON can/AUX really/ADV run/VERB"
                + " and/CCONJ I/PRON do/AUX n't/PART know/VERB");
        assertEquals("_ Pres _ Fin _ _", morph(s, 1), "want: VBP");
        assertEquals("_ _ _ Inf _ _", morph(s, 3), "go after to");
        assertEquals("_ _ _ Fin _ _", morph(s, 6), "can: MD");
        assertEquals("_ _ _ Inf _ _", morph(s, 8), "run after a modal and an adverb");
        assertEquals("_ Pres _ Fin _ _", morph(s, 11), "do: VBP");
        assertEquals("_ _ _ Inf _ _", morph(s, 13), "know after do n't");
        assertEquals("_ _ _ Inf _ _", morph(sentence("Go/VERB home/ADV !/PUNCT"), 0), "imperative");
        assertEquals("Sing Pres _ Fin 3 _", morph(sentence("She/PRON sings/VERB"), 1));
        assertEquals("_ Past _ Fin _ _", morph(sentence("She/PRON said/VERB so/ADV"), 1));
        assertEquals("_ Past Perf Part _ _", morph(sentence("It/PRON has/AUX come/VERB"), 2));
        assertEquals("_ Pres _ Fin _ _", morph(sentence("They/PRON come/VERB"), 1));
        assertEquals("_ Pres _ Fin _ _", morph(sentence("They/PRON need/VERB it/PRON"), 1), "-ed base form");
        assertEquals("_ _ _ Inf _ _", morph(sentence("to/PART bring/VERB"), 1), "-ing base form");
        List<Word> conj = sentence("I/PRON would/AUX sail/VERB away/ADV and/CCONJ see/VERB ,/PUNCT we/PRON sail/VERB"
                + " and/CCONJ see/VERB");
        assertEquals("_ _ _ Inf _ _", morph(conj, 5), "a conjunct of an infinitive");
        assertEquals("_ Pres _ Fin _ _", morph(conj, 10), "a conjunct of a present");
    }

    @Test
    void nounNumberComesFromTheLemma() {
        List<Word> s = sentence("The/DET dogs/NOUN:dog and/CCONJ children/NOUN:child met/VERB a/DET cat/NOUN:cat"
                + " in/ADP Greeks/PROPN:greek news/NOUN:news paying/NOUN:pay");
        assertEquals("Plur", s.get(1).number);
        assertEquals("Plur", s.get(3).number);
        assertEquals("Sing", s.get(6).number);
        assertEquals("Plur", s.get(8).number, "lemma compared in lower case");
        assertEquals("Sing", s.get(9).number);
        assertEquals("Sing", s.get(10).number, "an -ing noun is singular whatever its lemma");
        assertEquals("_ Past _ Fin _ _", morph(s, 4), "met");
    }

    @Test
    void pronounsAndDeterminers() {
        List<Word> s = sentence("I/PRON saw/VERB the/DET man/NOUN:man who/PRON met/VERB us/PRON and/CCONJ these/DET"
                + " dogs/NOUN:dog that/PRON you/PRON like/VERB ./PUNCT Who/PRON knows/VERB itself/PRON");
        assertEquals("Sing _ _ _ 1 Prs", morph(s, 0));
        assertEquals("_ _ _ _ _ Art", morph(s, 2));
        assertEquals("_ _ _ _ _ Rel", morph(s, 4), "who after a noun");
        assertEquals("Plur _ _ _ 1 Prs", morph(s, 6));
        assertEquals("Plur _ _ _ _ Dem", morph(s, 8));
        assertEquals("_ _ _ _ _ Rel", morph(s, 10), "that after a noun");
        assertEquals("_ _ _ _ 2 Prs", morph(s, 11), "you: no number");
        assertEquals("_ _ _ _ _ Int", morph(s, 14), "who first in a clause");
        assertEquals("Sing _ _ _ 3 Prs", morph(s, 16));
    }
}
