package org.uneurons.nlp;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Several taggers as one: their tag sets concatenated, in order. The way a later module adds tag sets (named
 * entities, dependency labels from another library) to the OpenNLP ones without changing them:
 * {@code CombinedTagger.of(OpenNlpTagger.english(), new SomeEntityTagger())}. Closing it closes every part; it is
 * thread-safe only if every part is.
 */
public final class CombinedTagger implements SequenceTagger {
    private final List<SequenceTagger> parts;
    private final List<String> tagSets;

    private CombinedTagger(List<SequenceTagger> parts) {
        this.parts = List.copyOf(parts);
        List<String> sets = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (SequenceTagger p : parts) {
            for (String s : p.tagSets()) {
                if (!seen.add(s)) {
                    throw new IllegalArgumentException("tag set '" + s + "' comes from two taggers");
                }
                sets.add(s);
            }
        }
        this.tagSets = List.copyOf(sets);
    }

    public static CombinedTagger of(SequenceTagger... parts) {
        if (parts.length == 0) {
            throw new IllegalArgumentException("no tagger to combine");
        }
        return new CombinedTagger(List.of(parts));
    }

    @Override
    public List<String> tagSets() {
        return tagSets;
    }

    @Override
    public String[][] tag(String[] tokenTexts, boolean[] specialTokens) {
        String[][] out = new String[tagSets.size()][];
        int row = 0;
        for (SequenceTagger p : parts) {
            String[][] rows = p.tag(tokenTexts, specialTokens);
            if (rows.length != p.tagSets().size()) {
                throw new IllegalStateException(p.getClass().getSimpleName() + " returned " + rows.length
                        + " rows for " + p.tagSets().size() + " tag sets");
            }
            for (String[] r : rows) {
                out[row++] = r;
            }
        }
        return out;
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (SequenceTagger p : parts) {
            try {
                p.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
