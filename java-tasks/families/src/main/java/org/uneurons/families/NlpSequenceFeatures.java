package org.uneurons.families;

import java.util.List;

import org.uneurons.nlp.SequenceTagger;

/** The nlp module's tagger as the families task's {@link SequenceFeatures}: the same values, plus a name. */
final class NlpSequenceFeatures implements SequenceFeatures {
    private final SequenceTagger tagger;
    private final String name;

    NlpSequenceFeatures(SequenceTagger tagger, String name) {
        this.tagger = tagger;
        this.name = name;
    }

    @Override
    public List<String> tagSets() {
        return tagger.tagSets();
    }

    @Override
    public String[][] tag(String[] tokenTexts, boolean[] specialTokens) {
        return tagger.tag(tokenTexts, specialTokens);
    }

    @Override
    public String describe() {
        return name;
    }

    @Override
    public void close() {
        tagger.close();
    }
}
