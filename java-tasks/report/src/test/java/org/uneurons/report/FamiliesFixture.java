package org.uneurons.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.uneurons.formats.FamiliesFile;

/**
 * Families files with known contents for the {@link Fixture}'s groups, written with {@link FamiliesFile} as the
 * families tool writes them: the trained anchor's 13 neurons (a duplicate family of contains_period, one of its
 * neurons the anchor's top neuron) and the control's 6.
 */
final class FamiliesFixture {
    private FamiliesFixture() {
    }

    /** One explained neuron of a families file; NaN VR and empty names where there is none. */
    record Row(int layer, int neuron, String family, String familyFeature, String best, double bestVr, String runnerUp,
               double runnerUpVr, int duplicates, int cluster, String[] tokens) {
    }

    static final String[] FEATURES = {"contains_period", "starts_with_space", "is_numeric", "contains_comma",
        "prev_the_unigram", "pos=NOUN", "the_unigram"};
    static final String[] KINDS = {"vocab", "vocab", "vocab", "vocab", "prev_unigram", "sequence", "unigram"};

    /** The trained anchor: 13 neurons; a duplicate family of contains_period (3 neurons, one of them the top neuron). */
    static final List<Row> TRAINED = List.of(
            new Row(0, 1, "unigram", "contains_period", "contains_period", 0.8, "starts_with_space", 0.1, 3, 0, toks(".", " .")),
            new Row(0, 2, "unigram", "contains_period", "contains_period", 0.7, "contains_comma", 0.2, 3, 0, toks(".")),
            new Row(0, 3, "semantic", "", "is_numeric", 0.05, "contains_comma", 0.02, 0, 1, toks(" ship", " sea")),
            new Row(1, 5, "unigram", "contains_period", "contains_period", 0.9, "is_numeric", 0.3, 3, 0,
                    toks(" the", "<b>&", "\n")),
            new Row(1, 6, "previous_token", "prev_the_unigram", "prev_the_unigram", 0.3, "pos=NOUN", 0.1, 0, 1, toks(" whale")),
            new Row(1, 7, "semantic", "", "pos=NOUN", 0.1, "is_numeric", 0.01, 0, 1, toks()),
            new Row(1, 8, "semantic", "", "pos=NOUN", 0.12, "is_numeric", 0.02, 0, 1, toks(" Ahab")),
            new Row(2, 0, "syntax", "pos=NOUN", "pos=NOUN", 0.4, "is_numeric", 0.1, 0, 2, toks(" sea")),
            new Row(2, 1, "semantic", "", "is_numeric", 0.03, "pos=NOUN", 0.01, 0, 1, toks(" a")),
            new Row(2, 2, "semantic", "", "is_numeric", 0.04, "pos=NOUN", 0.01, 0, 1, toks(" and")),
            new Row(2, 3, "semantic", "", "pos=NOUN", 0.06, "is_numeric", 0.01, 0, 2, toks(" on")),
            new Row(2, 4, "semantic", "", "pos=NOUN", 0.07, "is_numeric", 0.01, 0, 1, toks(" x")),
            new Row(2, 9, "constant", "", "", Double.NaN, "", Double.NaN, 0, 1, toks()));
    /** The control: 6 neurons, no duplicate family, two clusters. */
    static final List<Row> CONTROL = List.of(
            new Row(0, 10, "semantic", "", "is_numeric", 0.01, "pos=NOUN", 0.0, 0, 0, toks(" y")),
            new Row(0, 11, "semantic", "", "is_numeric", 0.02, "pos=NOUN", 0.0, 0, 0, toks(" z")),
            new Row(1, 12, "unigram", "the_unigram", "the_unigram", 0.55, "is_numeric", 0.1, 0, 1, toks(" the")),
            new Row(2, 13, "semantic", "", "pos=NOUN", 0.03, "is_numeric", 0.0, 0, 0, toks()),
            new Row(2, 14, "semantic", "", "is_numeric", 0.02, "pos=NOUN", 0.0, 0, 0, toks()),
            new Row(2, 15, "position", "position", "is_numeric", 0.05, "pos=NOUN", 0.0, 0, 1, toks()));
    static final String TRAINED_RULE = "the 13 universal neurons (is_universal = 1)";
    static final String CONTROL_RULE = "no neuron is universal: the top 6 by excess_corr stand in";

    static String[] toks(String... t) {
        return t;
    }

    /** A families file of {@code rows} as the families tool writes it (families.h5 and families.csv in {@code dir}). */
    static Path write(Path dir, List<Row> rows, double[] excess, String model, String rule, int k, double silhouette)
            throws IOException {
        Files.createDirectories(dir);
        int n = rows.size();
        int t = 3;
        int[] layer = new int[n];
        int[] neuron = new int[n];
        double[] ex = new double[n];
        String[] family = new String[n];
        String[] familyFeature = new String[n];
        String[] best = new String[n];
        double[] bestVr = new double[n];
        String[] runner = new String[n];
        double[] runnerVr = new double[n];
        int[] dup = new int[n];
        int[] cluster = new int[n];
        double[] zeros = new double[n];
        double[][] vr = new double[n][FEATURES.length];
        int[][] ids = new int[n][t];
        double[][] means = new double[n][t];
        long[][] counts = new long[n][t];
        String[][] texts = new String[n][t];
        for (int i = 0; i < n; i++) {
            Row r = rows.get(i);
            layer[i] = r.layer();
            neuron[i] = r.neuron();
            ex[i] = excess[r.layer() * Fixture.D + r.neuron()];
            family[i] = r.family();
            familyFeature[i] = r.familyFeature();
            best[i] = r.best();
            bestVr[i] = r.bestVr();
            runner[i] = r.runnerUp();
            runnerVr[i] = r.runnerUpVr();
            dup[i] = r.duplicates();
            cluster[i] = r.cluster();
            for (int f = 0; f < FEATURES.length; f++) {
                vr[i][f] = FEATURES[f].equals(r.best()) ? r.bestVr() : FEATURES[f].equals(r.runnerUp()) ? r.runnerUpVr() : 0.0;
            }
            for (int j = 0; j < t; j++) {
                boolean has = j < r.tokens().length;
                ids[i][j] = has ? 100 + j : -1;
                means[i][j] = has ? 3.0 - j : Double.NaN;
                counts[i][j] = has ? 40 + j : 0;
                texts[i][j] = has ? r.tokens()[j] : "";
            }
        }
        Map<String, Object> attrs = new LinkedHashMap<>();
        attrs.put("model", model);
        attrs.put("n_layers", Fixture.LAYERS);
        attrs.put("d_mlp", Fixture.D);
        attrs.put("rule", rule);
        attrs.put("token_texts", "/vocab of the shard");
        attrs.put("tagger", "planted");
        attrs.put("n_clusters", k);
        attrs.put("silhouette", silhouette);
        FamiliesFile.write(new FamiliesFile.Families(layer, neuron, ex, family, familyFeature, best, bestVr, runner,
                runnerVr, dup, cluster, zeros, zeros, zeros, FEATURES, KINDS, vr, new double[] {0.3, silhouette},
                ids, means, counts, texts, attrs), dir.resolve("families.csv"), dir.resolve("families.h5"));
        return dir.resolve("families.h5");
    }
}
