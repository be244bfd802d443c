package org.uneurons.families;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * Neurons planted as functions of known features (a unigram, a token class, the previous token's class, position, a
 * part-of-speech tag, a letter, nothing, a constant) plus noise, fed to the engine; each must come out labelled with
 * exactly its feature and family.
 */
class PlantedFamiliesTest {
    static final String[] TEXTS = {
        "<|endoftext|>", " the", "The", " The", "the", " a", "A", " A", "a", ",", " ,", ".", "!", " 1995", "1850",
        " 2500", " 12", " to", " time", " and", " about", " dog", " cat", " run", " ran", " house", " over", " is",
        " was", " of", " in", " on", " big", " small", " red", "<unk>"};
    static final int UNK = TEXTS.length - 1;
    static final String[] POS = {"NOUN", "VERB", "DET", "ADP"};
    static final int K = 8;
    static final int CTX = 32;

    static boolean in(int id, String... texts) {
        for (String t : texts) {
            if (TEXTS[id].equals(t)) {
                return true;
            }
        }
        return false;
    }

    static List<SequenceBatch> data(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<SequenceBatch> out = new ArrayList<>();
        for (int b = 0; b < 4; b++) {
            int seqs = 48;
            int[][] tokens = new int[seqs][CTX];
            String[][][] tags = new String[seqs][1][CTX];
            float[] pre = new float[seqs * CTX * K];
            float[] post = new float[seqs * CTX * K];
            for (int s = 0; s < seqs; s++) {
                for (int t = 0; t < CTX; t++) {
                    tokens[s][t] = t == 0 ? 0 : 1 + r.nextInt(TEXTS.length - 1);
                    tags[s][0][t] = t == 0 ? SequenceFeatures.NONE : POS[r.nextInt(POS.length)];
                }
                for (int t = 0; t < CTX; t++) {
                    int tok = tokens[s][t];
                    int prev = t == 0 ? -1 : tokens[s][t - 1];
                    double[] a = {
                        (in(tok, " the", "The", " The", "the") ? 3 : 0) + 0.3 * r.nextGaussian(),
                        (TEXTS[tok].contains(",") ? 3 : 0) + 0.3 * r.nextGaussian(),
                        (prev >= 0 && in(prev, " 1995", "1850") ? 3 : 0) + 0.3 * r.nextGaussian(),
                        (double) t / CTX + 0.01 * r.nextGaussian(),
                        (tags[s][0][t].equals("VERB") ? 3 : 0) + 0.3 * r.nextGaussian(),
                        r.nextGaussian(),
                        (in(tok, " a", "A", " A", "a") ? 3 : 0) + 0.3 * r.nextGaussian(),
                        0.7,
                    };
                    int row = (s * CTX + t) * K;
                    for (int j = 0; j < K; j++) {
                        post[row + j] = (float) a[j];
                        pre[row + j] = (float) (j == 3 ? a[j] - 0.5 : a[j]);
                    }
                }
            }
            out.add(new SequenceBatch(tokens, tags, pre, post));
        }
        return out;
    }

    @Test
    void plantedNeuronsGetTheirFeaturesAndFamilies() {
        FamilyAccumulator acc = new FamilyAccumulator(K, List.of("pos"));
        data(5).forEach(acc::add);
        FeatureCatalog.Inputs in = new FeatureCatalog.Inputs(TEXTS, UNK, null, 0.52, 10, 3);
        Explanation e = Explanation.of(acc, in, null, 5, 10);
        FamilyRules.Labels l = FamilyRules.label(e.vr(), e.features(), e.kurtosis(), FamilyRules.Thresholds.paper());
        String[][] want = {
            {"unigram", "the_unigram"}, {"unigram", "contains_comma"}, {"previous_token", "prev_is_year"},
            {"position", "position"}, {"syntax", "pos=VERB"}, {"semantic", ""}, {"alphabet", "a_unigram"},
            {"constant", ""}};
        for (int j = 0; j < K; j++) {
            assertEquals(want[j][0] + " " + want[j][1], l.family()[j] + " " + l.familyFeature()[j], "neuron " + j
                    + ": best " + (l.best()[j] < 0 ? "none" : e.features().get(l.best()[j]).name()) + " " + l.bestVr()[j]);
        }
        assertEquals("a_unigram", e.features().get(l.best()[6]).name(), "the letter neuron's best feature");
        assertTrue(e.positionMi()[3] > 0.3, "position neuron fires by position: MI " + e.positionMi()[3]);
        assertTrue(e.positionMi()[5] < 0.01, "noise neuron: MI " + e.positionMi()[5]);
        assertTrue(e.kurtosis()[3] < 2 && e.kurtosis()[5] > 2.5);
        // mean-activating tokens: the 'the' ids lead neuron 0
        assertTrue(in(e.topIds()[0][0], " the", "The", " The", "the"));
        for (Feature f : e.features()) {
            if (f.variable().equals(FamilyAccumulator.TOKEN)) {
                for (int v : f.values()) {
                    assertFalse(v == UNK, f.name() + " holds the unknown id");
                }
            }
        }
    }

    @Test
    void clustersSeparateTheStrongFamiliesAndAreSeeded() {
        FamilyAccumulator acc = new FamilyAccumulator(K, List.of("pos"));
        data(9).forEach(acc::add);
        Explanation e = Explanation.of(acc, new FeatureCatalog.Inputs(TEXTS, UNK, null, 0.52, 10, 3), null, 5, 10);
        VrClusters.Result a = VrClusters.cluster(e.vr(), 6, 1, 5);
        VrClusters.Result b = VrClusters.cluster(e.vr(), 6, 1, 5);
        assertEquals(java.util.Arrays.toString(a.cluster()), java.util.Arrays.toString(b.cluster()), "same seed, same clusters");
        assertTrue(a.k() >= 2 && a.silhouette() > 0, "k " + a.k() + " silhouette " + a.silhouette());
        assertTrue(a.cluster()[0] != a.cluster()[4], "the unigram and the syntax neuron are apart");
    }

    @Test
    void vocabularyPredicatesFollowPython() {
        var p = VocabPredicates.all();
        assertTrue(p.get("is_year").test(" 1995"));
        assertFalse(p.get("is_year").test(" 1490"));
        assertFalse(p.get("is_year").test(" 2200"));
        assertTrue(p.get("all_digits").test("  "), "Python's all() of nothing");
        assertTrue(p.get("all_caps").test(" USA"));
        assertFalse(p.get("all_caps").test(" A"));
        assertTrue(p.get("starts_w_space").test(" x"));
        assertTrue(p.get("is_website_suffix").test("com"));
        assertFalse(p.get("is_website_suffix").test(" com"), "unstripped, as the paper");
        assertTrue(p.get("is_time").test(" yesterday"), "substring test, as the paper");
        assertTrue(p.get("all_symbolic").test("\u00e9!"));
        assertFalse(p.get("all_symbolic").test(" caf\u00e9"));
        assertTrue(p.get("all_numeric").test("\u0661\u0662"), "Arabic-Indic digits are decimal in Python too");
        assertTrue(p.get("contains_digit").test("x\u00b2"), "superscript two: Python's isdigit");
        assertEquals(207, p.size(), "the paper's 208 less integral_value (not a boolean)");
        assertEquals("\\x2c_unigram", FeatureNames.escape(",") + "_unigram");
    }
}
