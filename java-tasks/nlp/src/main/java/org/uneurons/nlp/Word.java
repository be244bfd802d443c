package org.uneurons.nlp;

/**
 * One word as the English pipeline sees it: a tokenizer token, or one part of a multi-word token ("do" and "n't" of
 * "don't"), with its span in the sequence text and the values of every tag set. Values that do not apply are
 * {@link EnglishMorphology#NA}.
 */
final class Word {
    final int start;
    final int end;
    final String form;
    final String upos;
    /** The lemma of a noun or proper noun (for its number); null for other words. */
    String lemma;
    boolean sentBegin;
    boolean sentEnd;
    String number = EnglishMorphology.NA;
    String tense = EnglishMorphology.NA;
    String aspect = EnglishMorphology.NA;
    String verbForm = EnglishMorphology.NA;
    String person = EnglishMorphology.NA;
    String pronType = EnglishMorphology.NA;

    Word(int start, int end, String form, String upos) {
        this.start = start;
        this.end = end;
        this.form = form;
        this.upos = upos;
    }

    /** The form in lower case with the typographic apostrophe as ASCII (’s as 's). */
    String lower() {
        return EnglishMorphology.normalise(form);
    }

    @Override
    public String toString() {
        return form + "/" + upos + "[" + start + "," + end + ")";
    }
}
