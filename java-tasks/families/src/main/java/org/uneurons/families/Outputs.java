package org.uneurons.families;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.uneurons.formats.FamiliesFile;

/** The families table (families.csv, families.h5) and the summary printed on stdout. */
final class Outputs {
    private Outputs() {
    }

    static FamiliesFile.Families families(NeuronChoice c, Explanation e, FamilyRules.Labels l, VrClusters.Result clusters,
                                          String[] texts, double[] kurtosis, Map<String, Object> attrs) {
        int n = c.size();
        List<Feature> f = e.features();
        String[] best = new String[n];
        String[] runner = new String[n];
        for (int i = 0; i < n; i++) {
            best[i] = l.best()[i] < 0 ? "" : f.get(l.best()[i]).name();
            runner[i] = l.runnerUp()[i] < 0 ? "" : f.get(l.runnerUp()[i]).name();
        }
        String[] names = f.stream().map(Feature::name).toArray(String[]::new);
        String[] kinds = f.stream().map(Feature::kind).toArray(String[]::new);
        String[][] topTexts = new String[n][];
        for (int i = 0; i < n; i++) {
            int[] ids = e.topIds()[i];
            topTexts[i] = new String[ids.length];
            for (int j = 0; j < ids.length; j++) {
                topTexts[i][j] = ids[j] < 0 ? "" : texts == null ? "[" + ids[j] + "]" : texts[ids[j]];
            }
        }
        return new FamiliesFile.Families(c.layer(), c.neuron(), c.excess(), l.family(), l.familyFeature(), best,
                l.bestVr(), runner, l.runnerUpVr(), l.duplicates(), clusters.cluster(), e.positionMi(), e.positionStd(),
                kurtosis, names, kinds, e.vr(), clusters.silhouetteByK(), e.topIds(), e.topMeans(), e.topCounts(),
                topTexts, attrs);
    }

    static void summary(PrintStream out, NeuronChoice c, Explanation e, FamilyRules.Labels l, VrClusters.Result clusters,
                        List<String> notes) {
        for (String note : notes) {
            out.println("families: " + note);
        }
        out.printf(Locale.ROOT, "families: %d features (%s)%n", e.features().size(), kinds(e.features()));
        Map<String, Integer> counts = new LinkedHashMap<>();
        FamilyRules.FAMILIES.forEach(x -> counts.put(x, 0));
        for (String fam : l.family()) {
            counts.merge(fam, 1, Integer::sum);
        }
        StringBuilder sb = new StringBuilder();
        counts.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append(' ').append(v));
        out.println("families: " + sb);
        out.printf(Locale.ROOT, "families: %d clusters of VR profiles, mean silhouette %s%n", clusters.k(),
                Double.isNaN(clusters.silhouette()) ? "n/a" : String.format(Locale.ROOT, "%.3f", clusters.silhouette()));
        for (int i = 0; i < c.size(); i++) {
            if (!l.family()[i].equals(FamilyRules.SEMANTIC) && !l.family()[i].equals(FamilyRules.CONSTANT)) {
                out.printf(Locale.ROOT, "  L%d.%d %s %s (VR %.3f)%n", c.layer()[i], c.neuron()[i], l.family()[i],
                        l.familyFeature()[i], l.bestVr()[i]);
            }
        }
    }

    private static String kinds(List<Feature> features) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (String k : Feature.KINDS) {
            m.put(k, 0);
        }
        features.forEach(f -> m.merge(f.kind(), 1, Integer::sum));
        StringBuilder sb = new StringBuilder();
        m.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append(' ').append(v));
        return sb.toString();
    }
}
