package org.uneurons.families;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Best explanation and family of every chosen neuron from its variance reductions (METHOD 6.2), in this order:
 * <ol>
 * <li>{@code constant}: no feature has a defined VR (the neuron has no variance);</li>
 * <li>{@code alphabet}: for a letter x, the neuron is the single best of all chosen neurons on {@code x_unigram} and
 * that VR exceeds {@code alphabetVr} (0.35);</li>
 * <li>{@code unigram}: the best feature is a token feature (a vocabulary predicate or a unigram) of the current
 * token with VR above {@code unigramVr} (0.5);</li>
 * <li>{@code position}: activation kurtosis below {@code positionKurtosis} (2), scored by mutual information;</li>
 * <li>{@code previous_token}: the best feature is a {@code prev_*} feature with VR at least {@code minVr};</li>
 * <li>{@code syntax}: the best feature is a sequence feature with VR at least {@code minVr};</li>
 * <li>{@code semantic}: otherwise (the paper's semantic / context neurons, described by their mean-activating
 * tokens).</li>
 * </ol>
 * The best feature is the argmax of VR over all features (ties: the first in column order, as pandas' idxmax), the
 * runner-up the next. A duplicate family is a family feature (the best feature, or the letter unigram) shared by at
 * least {@code duplicateMin} (3) neurons of the feature-explained families (alphabet, unigram, previous_token,
 * syntax).
 */
final class FamilyRules {
    static final String CONSTANT = "constant";
    static final String ALPHABET = "alphabet";
    static final String UNIGRAM = "unigram";
    static final String POSITION = "position";
    static final String PREVIOUS = "previous_token";
    static final String SYNTAX = "syntax";
    static final String SEMANTIC = "semantic";
    static final List<String> FAMILIES = List.of(CONSTANT, ALPHABET, UNIGRAM, POSITION, PREVIOUS, SYNTAX, SEMANTIC);

    record Thresholds(double unigramVr, double alphabetVr, double positionKurtosis, double minVr, int duplicateMin) {
        static Thresholds paper() {
            return new Thresholds(0.5, 0.35, 2.0, 0.2, 3);
        }
    }

    /** Per neuron: best and runner-up feature index (−1: none), their VR (NaN: none), family, its feature, duplicates. */
    record Labels(int[] best, double[] bestVr, int[] runnerUp, double[] runnerUpVr, String[] family,
                  String[] familyFeature, int[] duplicates) {
    }

    static Labels label(double[][] vr, List<Feature> features, double[] kurtosis, Thresholds th) {
        int n = vr.length;
        Labels l = new Labels(new int[n], new double[n], new int[n], new double[n], new String[n], new String[n],
                new int[n]);
        for (int i = 0; i < n; i++) {
            best(vr[i], l, i);
        }
        Map<Integer, String> alphabet = alphabet(vr, features, th.alphabetVr());
        for (int i = 0; i < n; i++) {
            family(i, l, features, kurtosis[i], alphabet.get(i), th);
        }
        duplicates(l, th.duplicateMin());
        return l;
    }

    private static void best(double[] row, Labels l, int i) {
        int b = -1;
        int r = -1;
        for (int f = 0; f < row.length; f++) {
            if (Double.isNaN(row[f])) {
                continue;
            }
            if (b < 0 || row[f] > row[b]) {
                r = b;
                b = f;
            } else if (r < 0 || row[f] > row[r]) {
                r = f;
            }
        }
        l.best()[i] = b;
        l.bestVr()[i] = b < 0 ? Double.NaN : row[b];
        l.runnerUp()[i] = r;
        l.runnerUpVr()[i] = r < 0 ? Double.NaN : row[r];
    }

    /** Neuron → letter unigram it is the best neuron for, with VR above the threshold (first letter wins). */
    static Map<Integer, String> alphabet(double[][] vr, List<Feature> features, double threshold) {
        Map<Integer, String> out = new HashMap<>();
        for (char c = 'a'; c <= 'z'; c++) {
            int f = index(features, c + "_unigram");
            if (f < 0) {
                continue;
            }
            int best = -1;
            for (int i = 0; i < vr.length; i++) {
                if (!Double.isNaN(vr[i][f]) && (best < 0 || vr[i][f] > vr[best][f])) {
                    best = i;
                }
            }
            if (best >= 0 && vr[best][f] > threshold) {
                out.putIfAbsent(best, c + "_unigram");
            }
        }
        return out;
    }

    static int index(List<Feature> features, String name) {
        for (int f = 0; f < features.size(); f++) {
            if (features.get(f).name().equals(name)) {
                return f;
            }
        }
        return -1;
    }

    private static void family(int i, Labels l, List<Feature> features, double kurtosis, String letter, Thresholds th) {
        int b = l.best()[i];
        double v = l.bestVr()[i];
        Feature best = b < 0 ? null : features.get(b);
        String family;
        String feature = best == null ? "" : best.name();
        if (best == null) {
            family = CONSTANT;
        } else if (letter != null) {
            family = ALPHABET;
            feature = letter;
        } else if (best.isToken() && v > th.unigramVr()) {
            family = UNIGRAM;
        } else if (kurtosis < th.positionKurtosis()) {
            family = POSITION;
            feature = "position";
        } else if (best.isPrevious() && v >= th.minVr()) {
            family = PREVIOUS;
        } else if (best.kind().equals(Feature.SEQUENCE) && v >= th.minVr()) {
            family = SYNTAX;
        } else {
            family = SEMANTIC;
            feature = "";
        }
        l.family()[i] = family;
        l.familyFeature()[i] = feature;
    }

    private static boolean featureExplained(String family) {
        return family.equals(ALPHABET) || family.equals(UNIGRAM) || family.equals(PREVIOUS) || family.equals(SYNTAX);
    }

    private static void duplicates(Labels l, int min) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < l.family().length; i++) {
            if (featureExplained(l.family()[i])) {
                counts.merge(l.familyFeature()[i], 1, Integer::sum);
            }
        }
        for (int i = 0; i < l.family().length; i++) {
            int c = featureExplained(l.family()[i]) ? counts.get(l.familyFeature()[i]) : 0;
            l.duplicates()[i] = c >= min ? c : 0;
        }
    }
}
