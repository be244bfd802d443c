package org.uneurons.families;

import java.util.List;

/**
 * Sequence tags of model tokens, the families task's view of an NLP library (the project's nlp module's
 * SequenceTagger, adapted where the task is built; tests plant their own). For one sequence of decoded model tokens,
 * one value per tag set and token: a value of the library ("NOUN", "Past", "true", ...), {@link #MULTI} when the
 * token spans several words with different values, or {@link #NONE} when it spans none (and for special tokens).
 */
public interface SequenceFeatures extends AutoCloseable {
    String MULTI = "MULTI";
    String NONE = "NONE";

    /** The tag sets, e.g. pos, number, tense, aspect, verb_form, person, sent_begin, sent_end, is_stop. */
    List<String> tagSets();

    /** {@code [tagSet][token]}: the value of each tag set at each token. */
    String[][] tag(String[] tokenTexts, boolean[] specialTokens);

    /** A name for messages and outputs, e.g. "opennlp-en". */
    String describe();

    @Override
    void close();

    /** No tagger: no tag sets, no sequence features. */
    static SequenceFeatures none() {
        return new SequenceFeatures() {
            @Override
            public List<String> tagSets() {
                return List.of();
            }

            @Override
            public String[][] tag(String[] tokenTexts, boolean[] specialTokens) {
                return new String[0][];
            }

            @Override
            public String describe() {
                return "none";
            }

            @Override
            public void close() {
            }
        };
    }
}
