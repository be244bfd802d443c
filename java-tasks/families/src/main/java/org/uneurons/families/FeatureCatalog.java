package org.uneurons.families;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Every boolean feature of METHOD 6.1, as sets of values of the accumulator's variables, in the paper's column
 * order (sequence, unigram, vocabulary, then each on the previous token):
 * <ul>
 * <li>vocabulary: the 208 string predicates ({@link VocabPredicates}) and {@code small_norm} (embedding norm below
 * the threshold), each the set of ids whose text satisfies it; all-false columns (over the vocabulary) dropped;</li>
 * <li>unigram: a normalised string (lower-case, stripped) becomes {@code <s>_unigram} when its ids occur more than
 * {@code unigramMinCount} times in the data and more than {@code unigramMinIds} ids map to it;</li>
 * <li>sequence: one feature {@code <set>=<value>} per tag value seen, except NONE, a boolean's false value, and MULTI
 * outside part of speech (the paper has is_spacy_multi for POS only).</li>
 * </ul>
 * The shard's unknown id stands for many different tokens: no token-text feature is true on it.
 */
final class FeatureCatalog {
    /** The value a tag set gives a word it does not apply to (the nlp module's OpenNlpTagger.NOT_APPLICABLE). */
    static final String NOT_APPLICABLE = "_";

    /** The tag set whose MULTI value is a feature (the paper's is_spacy_multi). */
    static final String POS = "pos";

    private FeatureCatalog() {
    }

    /**
     * @param texts token text per id, or null (no token-text features)
     * @param unkId the shard's unknown id, −1 for none
     * @param embedNorms ‖W_E[v]‖ of the processed embedding per id, or null (no small_norm)
     */
    record Inputs(String[] texts, int unkId, double[] embedNorms, double smallNorm, double unigramMinCount,
                  int unigramMinIds) {
    }

    static List<Feature> build(Inputs in, FamilyAccumulator acc) {
        List<Feature> current = new ArrayList<>(sequence(acc));
        if (in.texts() != null) {
            current.addAll(unigrams(in, acc.variable(FamilyAccumulator.TOKEN)));
            current.addAll(vocabulary(in));
        }
        List<Feature> all = new ArrayList<>(current);
        for (Feature f : current) {
            all.add(f.previous());
        }
        all.sort(java.util.Comparator.comparingInt(f -> kindOrder(f.kind())));
        return all;
    }

    private static int kindOrder(String kind) {
        for (int i = 0; i < Feature.KINDS.length; i++) {
            if (Feature.KINDS[i].equals(kind)) {
                return i;
            }
        }
        throw new IllegalArgumentException(kind);
    }

    static List<Feature> vocabulary(Inputs in) {
        String[] texts = in.texts();
        List<Feature> out = new ArrayList<>();
        for (Map.Entry<String, Predicate<String>> e : VocabPredicates.all().entrySet()) {
            List<Integer> ids = new ArrayList<>();
            for (int id = 0; id < texts.length; id++) {
                if (id != in.unkId() && texts[id] != null && e.getValue().test(texts[id])) {
                    ids.add(id);
                }
            }
            if (!ids.isEmpty()) {
                out.add(new Feature(e.getKey(), Feature.VOCAB, FamilyAccumulator.TOKEN, ints(ids)));
            }
        }
        if (in.embedNorms() != null) {
            List<Integer> ids = new ArrayList<>();
            for (int id = 0; id < in.embedNorms().length; id++) {
                if (id != in.unkId() && in.embedNorms()[id] < in.smallNorm()) {
                    ids.add(id);
                }
            }
            if (!ids.isEmpty()) {
                out.add(new Feature("small_norm", Feature.VOCAB, FamilyAccumulator.TOKEN, ints(ids)));
            }
        }
        return out;
    }

    /** The paper's get_unigram_df: normalised strings in order of their first id. */
    static List<Feature> unigrams(Inputs in, GroupSums tokens) {
        Map<String, List<Integer>> groups = new LinkedHashMap<>();
        String[] texts = in.texts();
        for (int id = 0; id < texts.length; id++) {
            if (id != in.unkId() && texts[id] != null) {
                groups.computeIfAbsent(PyStr.strip(PyStr.lower(texts[id])), s -> new ArrayList<>()).add(id);
            }
        }
        List<Feature> out = new ArrayList<>();
        for (Map.Entry<String, List<Integer>> g : groups.entrySet()) {
            if (g.getValue().size() <= in.unigramMinIds()) {
                continue;
            }
            long count = 0;
            for (int id : g.getValue()) {
                int r = tokens.rowOf(id);
                count += r < 0 ? 0 : tokens.count(r);
            }
            if (count > in.unigramMinCount()) {
                out.add(new Feature(FeatureNames.escape(g.getKey()) + "_unigram", Feature.UNIGRAM, FamilyAccumulator.TOKEN,
                        ints(g.getValue())));
            }
        }
        return out;
    }

    static List<Feature> sequence(FamilyAccumulator acc) {
        List<Feature> out = new ArrayList<>();
        for (String set : acc.tagSets()) {
            List<String> values = new ArrayList<>();
            for (int i = 0; i < acc.tagCount(set); i++) {
                values.add(acc.tagValue(set, i));
            }
            values.sort(null);
            for (String v : values) {
                // NONE (no word), a boolean's false and "_" (the set does not apply: a noun's tense) are no features
                boolean skip = v.equals(FamilyAccumulator.NONE) || v.toLowerCase(Locale.ROOT).equals("false")
                        || v.equals(NOT_APPLICABLE) || (v.equals("MULTI") && !set.equals(POS));
                if (!skip) {
                    out.add(new Feature(FeatureNames.escape(set) + "=" + FeatureNames.escape(v), Feature.SEQUENCE,
                            FamilyAccumulator.SEQ + set, new int[] {acc.tagIndexOf(set, v)}));
                }
            }
        }
        return out;
    }

    private static int[] ints(List<Integer> l) {
        return l.stream().mapToInt(Integer::intValue).toArray();
    }
}
