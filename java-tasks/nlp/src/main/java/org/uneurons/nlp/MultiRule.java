package org.uneurons.nlp;

/**
 * What a model token gets when it overlaps several NLP words (docs/families.md, "Sequence features").
 */
public enum MultiRule {
    /**
     * The words' value when they all have the same one, else {@link SequenceTagger#MULTI}: what
     * {@link SequenceTagger#tag} documents, and the default. A token ")." over two PUNCT words is PUNCT; " don't"
     * over "do" (AUX) and "n't" (PART) is MULTI for the part of speech and "true" for is_stop (both are stop words).
     */
    DIFFERENT_VALUES,
    /**
     * {@link SequenceTagger#MULTI} whenever there are several words, whatever their values: the rule of the paper's
     * sequence features (a model token that maps to more than one spaCy token gets MULTI, METHOD 6.1).
     */
    SEVERAL_WORDS
}
