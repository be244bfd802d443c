package org.uneurons.formats;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.uneurons.core.cli.InputException;
import org.uneurons.core.io.AtomicOutput;
import org.uneurons.core.io.Hdf5Reader;
import org.uneurons.core.io.Hdf5Writer;
import org.uneurons.core.io.OutputSet;

/**
 * The families task's output (docs/output.md, "Families"): {@code families.csv}, one row per explained neuron
 * (layer-major; an undefined VR is an empty field, which pandas reads as NaN; names never hold a comma, quote or
 * whitespace), and {@code families.h5} ({@code uneurons-families/1}): the same columns, the full variance-reduction
 * matrix [neurons x features] in float64 with feature names and kinds, the clustering and each neuron's
 * mean-activating tokens. Both written atomically.
 */
public final class FamiliesFile {
    public static final String FORMAT = "uneurons-families/1";
    public static final String CSV_HEADER = "layer,neuron,excess_corr,family,family_feature,best_feature,best_vr,"
            + "runner_up,runner_up_vr,duplicates,cluster,position_mi,position_std,kurtosis";

    private FamiliesFile() {
    }

    /** Per neuron (rows), per feature (columns of vr), per neuron's top tokens (T columns, id −1 where fewer). */
    public record Families(int[] layer, int[] neuron, double[] excess, String[] family, String[] familyFeature,
                           String[] best, double[] bestVr, String[] runnerUp, double[] runnerUpVr, int[] duplicates,
                           int[] cluster, double[] positionMi, double[] positionStd, double[] kurtosis,
                           String[] features, String[] featureKinds, double[][] vr, double[] silhouetteByK,
                           int[][] topTokenIds, double[][] topTokenMeans, long[][] topTokenCounts,
                           String[][] topTokenTexts, Map<String, Object> attributes) {
        public int rows() {
            return layer.length;
        }
    }

    /** Both files, published together or not at all. */
    public static void write(Families f, Path csv, Path h5) {
        try (OutputSet set = new OutputSet()) {
            set.write(csv, csvContent(f)).write(h5, hdf5Content(f));
            set.commit();
        }
    }

    /** families.csv's content, for an {@link OutputSet}. */
    public static OutputSet.Body csvContent(Families f) {
        return AtomicOutput.text(w -> {
            w.write(CSV_HEADER);
            w.write('\n');
            for (int i = 0; i < f.rows(); i++) {
                w.write(f.layer()[i] + "," + f.neuron()[i] + "," + num(f.excess()[i]) + "," + f.family()[i] + ","
                        + f.familyFeature()[i] + "," + f.best()[i] + "," + num(f.bestVr()[i]) + "," + f.runnerUp()[i]
                        + "," + num(f.runnerUpVr()[i]) + "," + f.duplicates()[i] + "," + f.cluster()[i] + ","
                        + num(f.positionMi()[i]) + "," + num(f.positionStd()[i]) + "," + num(f.kurtosis()[i]) + "\n");
            }
        });
    }

    /** families.h5's content, for an {@link OutputSet}. */
    public static OutputSet.Body hdf5Content(Families f) {
        return file -> {
            try (Hdf5Writer w = Hdf5Writer.create(file)) {
                w.attribute("format", FORMAT);
                f.attributes().forEach((k, v) -> w.attribute(k, v instanceof String || v instanceof Double
                        || v instanceof Integer || v instanceof Long ? v : String.valueOf(v)));
                w.attribute("n_features", f.features().length);
                columns(w, f);
                // jhdf cannot write an empty array: without features (ids without texts and no tagger) or without
                // a k to try (fewer than 3 neurons) those datasets are left out, and read back as empty
                if (f.features().length > 0) {
                    w.dataset("vr", f.vr()).dataset("feature_names", f.features()).dataset("feature_kinds", f.featureKinds());
                }
                if (f.silhouetteByK().length > 0) {
                    w.dataset("silhouette_by_k", f.silhouetteByK());
                }
                w.dataset("top_token_ids", f.topTokenIds()).dataset("top_token_means", f.topTokenMeans())
                        .dataset("top_token_counts", f.topTokenCounts()).dataset("top_token_texts", flat(f.topTokenTexts()));
            }
        };
    }

    private static void columns(Hdf5Writer w, Families f) {
        w.dataset("layer", f.layer()).dataset("neuron", f.neuron()).dataset("excess_corr", f.excess())
                .dataset("family", f.family()).dataset("family_feature", f.familyFeature())
                .dataset("best_feature", f.best()).dataset("best_vr", f.bestVr()).dataset("runner_up", f.runnerUp())
                .dataset("runner_up_vr", f.runnerUpVr()).dataset("duplicates", f.duplicates())
                .dataset("cluster", f.cluster()).dataset("position_mi", f.positionMi())
                .dataset("position_std", f.positionStd()).dataset("kurtosis", f.kurtosis());
    }

    /** A finite number as Java's shortest decimal; NaN (undefined) as an empty field. */
    static String num(double v) {
        if (Double.isNaN(v)) {
            return "";
        }
        if (Double.isInfinite(v)) {
            throw new IllegalStateException("families.csv never holds infinity");
        }
        return Double.toString(v);
    }

    /** Strings as a rectangular [rows x cols] table flattened row-major (jhdf writes 1-D string datasets). */
    private static String[] flat(String[][] s) {
        int cols = s.length == 0 ? 0 : s[0].length;
        String[] out = new String[s.length * cols];
        for (int r = 0; r < s.length; r++) {
            for (int c = 0; c < cols; c++) {
                out[r * cols + c] = s[r][c] == null ? "" : s[r][c];
            }
        }
        return out;
    }

    /** Reads families.h5 back. */
    public static Families read(Path h5) {
        String what = "families file (" + FORMAT + ")";
        try (Hdf5Reader r = Hdf5Reader.open(h5)) {
            String format = r.string("format", what);
            if (!FORMAT.equals(format)) {
                throw new InputException(h5 + ": format '" + format + "', expected " + FORMAT);
            }
            int n = r.shape("/layer", what)[0];
            int nf = r.integer("n_features", what);
            int[] topShape = r.shape("/top_token_ids", what);
            int t = topShape.length == 2 ? topShape[1] : 0;
            String[] texts = r.stringsOrNull("/top_token_texts");
            String[][] topTexts = new String[n][t];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < t; j++) {
                    topTexts[i][j] = texts[i * t + j];
                }
            }
            Map<String, Object> attrs = new LinkedHashMap<>();
            for (String a : new String[] {"model", "rule", "tagger", "token_texts", "kurtosis_source", "notes"}) {
                String v = r.optionalString(a);
                if (v != null) {
                    attrs.put(a, v);
                }
            }
            attrs.put("n_clusters", r.integer("n_clusters", what));
            attrs.put("silhouette", r.number("silhouette", what));
            long[][] counts = r.longMatrix("/top_token_counts", n, t, what);
            return new Families(r.ints("/layer", n, what), r.ints("/neuron", n, what), r.doubles("/excess_corr", n, what),
                    r.stringsOrNull("/family"), r.stringsOrNull("/family_feature"), r.stringsOrNull("/best_feature"),
                    r.doubles("/best_vr", n, what), r.stringsOrNull("/runner_up"), r.doubles("/runner_up_vr", n, what),
                    r.ints("/duplicates", n, what), r.ints("/cluster", n, what), r.doubles("/position_mi", n, what),
                    r.doubles("/position_std", n, what), r.doubles("/kurtosis", n, what),
                    nf == 0 ? new String[0] : r.stringsOrNull("/feature_names"),
                    nf == 0 ? new String[0] : r.stringsOrNull("/feature_kinds"),
                    nf == 0 ? new double[n][0] : r.doubleMatrix("/vr", n, nf, what),
                    !r.exists("/silhouette_by_k") ? new double[0]
                            : r.doubles("/silhouette_by_k", r.shape("/silhouette_by_k", what)[0], what),
                    r.intMatrix("/top_token_ids", n, t, what), r.doubleMatrix("/top_token_means", n, t, what), counts,
                    topTexts, attrs);
        }
    }
}
