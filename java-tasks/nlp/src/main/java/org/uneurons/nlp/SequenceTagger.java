package org.uneurons.nlp;

import java.util.List;

/**
 * Tags the tokens of one model sequence with categorical sequence features (one value per tag set per token).
 *
 * <p>Values are strings. Each tag set has its own values (docs/families.md, "Sequence features"); two values are
 * shared by all: {@link #MULTI} and {@link #NONE}, which come from the alignment of model tokens to the NLP
 * library's words, not from the library. An implementation may hold state that is not safe to share between
 * threads: use one tagger per thread unless the implementation says otherwise.
 */
public interface SequenceTagger extends AutoCloseable {
    /** Tag set names, in a fixed order, e.g. "pos", "number", "tense", "aspect", "verb_form", "person", "sent_begin", "sent_end", "is_stop". */
    List<String> tagSets();

    /**
     * tokenTexts: the decoded text of each model token of one sequence, in order (e.g. " the", "ir", "\n", "<|endoftext|>");
     * specialTokens: true where a token is a special/BOS/unknown token whose text is not part of the document.
     * Returns [tagSet][token] values: a tag value, or MULTI when the token overlaps several NLP tokens with different
     * values, or NONE when it overlaps no NLP token (whitespace-only, special tokens).
     */
    String[][] tag(String[] tokenTexts, boolean[] specialTokens);

    String MULTI = "MULTI";
    String NONE = "NONE";

    @Override
    void close();
}
