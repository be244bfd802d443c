package org.uneurons.families;

/**
 * A boolean feature of a token position, defined as a set of values of one categorical variable: true where the
 * variable's value is in {@code values}. {@code kind} is one of {@link #KINDS}; {@code name} is CSV-safe (no comma,
 * quote or whitespace: {@link FeatureNames}).
 */
record Feature(String name, String kind, String variable, int[] values) {
    static final String VOCAB = "vocab";
    static final String UNIGRAM = "unigram";
    static final String SEQUENCE = "sequence";
    static final String PREV_VOCAB = "prev_vocab";
    static final String PREV_UNIGRAM = "prev_unigram";
    static final String PREV_SEQUENCE = "prev_sequence";
    /** In the paper's column order: sequence, token (unigram, vocabulary), then the previous-token versions. */
    static final String[] KINDS = {SEQUENCE, UNIGRAM, VOCAB, PREV_SEQUENCE, PREV_UNIGRAM, PREV_VOCAB};

    boolean isPrevious() {
        return kind.startsWith("prev_");
    }

    /** A token feature (vocabulary predicate or unigram) of the current token. */
    boolean isToken() {
        return kind.equals(VOCAB) || kind.equals(UNIGRAM);
    }

    /** The same feature on the previous token ({@code prev_} + name). */
    Feature previous() {
        String v = variable.equals(FamilyAccumulator.TOKEN) ? FamilyAccumulator.PREV_TOKEN
                : FamilyAccumulator.PREV_SEQ + variable.substring(FamilyAccumulator.SEQ.length());
        return new Feature("prev_" + name, "prev_" + kind, v, values);
    }
}
