package org.uneurons.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.uneurons.formats.FamiliesFile;
import org.uneurons.report.ReportModel.Cluster;
import org.uneurons.report.ReportModel.Clusters;
import org.uneurons.report.ReportModel.Families;
import org.uneurons.report.ReportModel.FamilyCounts;
import org.uneurons.report.ReportModel.FamilyLayerRow;
import org.uneurons.report.ReportModel.FamilyNeuron;
import org.uneurons.report.ReportModel.FamilySet;
import org.uneurons.report.ReportModel.GroupFamilies;
import org.uneurons.report.ReportModel.TopNeuron;
import org.uneurons.report.ReportModel.TopNeurons;
import org.uneurons.report.ReportModel.TopToken;

/**
 * The "Families" part of the {@link ReportModel}: per group with a families file, its families with example
 * neurons, its duplicate families and clusters, and the family counts per layer of all of them side by side.
 */
final class FamiliesBuilder {
    /**
     * The families in the order shown: the paper's families explained by a feature or by position, then semantic
     * (described by tokens) and constant (no defined VR). Names the families tool labels with (docs/families.md §5).
     */
    static final List<String> ORDER = List.of("alphabet", "unigram", "position", "previous_token", "syntax",
            "semantic", "constant");
    /** Example neurons shown per family and per duplicate family. */
    static final int EXAMPLES = 5;
    /** Duplicate families shown per group, the largest (a large model can have many). */
    static final int DUPLICATES = 20;
    /** Mean-activating tokens shown per example neuron (the file holds the families tool's --top-tokens). */
    static final int TOKENS = 10;

    private FamiliesBuilder() {
    }

    /**
     * @param groups every group of the report, for the layers of each table and the groups without a file
     * @param top    the anchor's top-neurons table, which the anchor's examples link to
     * @return null when no group has a families file
     */
    static Families build(List<NeuronGroup> groups, List<FamiliesInput> files, TopNeurons top) {
        if (files.isEmpty()) {
            return null;
        }
        Map<String, Integer> topRank = new HashMap<>();
        for (TopNeuron n : top.rows()) {
            topRank.put(n.layer() + "." + n.neuron(), n.rank());
        }
        List<String> present = present(files);
        List<GroupFamilies> out = new ArrayList<>();
        List<String> with = new ArrayList<>();
        List<Integer> layersOf = new ArrayList<>();
        for (FamiliesInput in : files) {
            NeuronGroup g = groups.stream().filter(x -> x.label.equals(in.group())).findFirst().orElseThrow();
            out.add(group(in, present, g.label.equals(top.anchor()) ? topRank : Map.of()));
            with.add(in.group());
            layersOf.add(g.nLayers);
        }
        int layers = layersOf.stream().mapToInt(Integer::intValue).max().orElse(0);
        List<FamilyLayerRow> byLayer = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            List<FamilyCounts> cells = new ArrayList<>();
            for (int k = 0; k < files.size(); k++) {
                cells.add(l < layersOf.get(k) ? counts(files.get(k).data(), l, present) : null);
            }
            byLayer.add(new FamilyLayerRow(l, Collections.unmodifiableList(cells)));
        }
        List<String> without = groups.stream().map(g -> g.label).filter(x -> !with.contains(x)).toList();
        return new Families(present, List.copyOf(out), List.copyOf(byLayer), without);
    }

    /** The families with a neuron in some file: {@link #ORDER}, then names it does not know, as first seen. */
    static List<String> present(List<FamiliesInput> files) {
        Set<String> seen = new LinkedHashSet<>();
        for (FamiliesInput in : files) {
            Collections.addAll(seen, in.data().family());
        }
        List<String> out = new ArrayList<>();
        for (String f : ORDER) {
            if (seen.contains(f)) {
                out.add(f);
            }
        }
        for (String f : seen) {
            if (!ORDER.contains(f)) {
                out.add(f);
            }
        }
        return List.copyOf(out);
    }

    private static GroupFamilies group(FamiliesInput in, List<String> present, Map<String, Integer> links) {
        FamiliesFile.Families f = in.data();
        List<FamilySet> families = new ArrayList<>();
        for (String name : present) {
            List<Integer> rows = new ArrayList<>();
            for (int i = 0; i < f.rows(); i++) {
                if (f.family()[i].equals(name)) {
                    rows.add(i);
                }
            }
            if (!rows.isEmpty()) {
                families.add(new FamilySet(name, List.of(name), rows.size(), examples(f, rows, links)));
            }
        }
        Map<String, Object> a = f.attributes();
        List<FamilySet> duplicates = duplicates(f, links);
        return new GroupFamilies(in.group(), in.file().toString(), string(a.get("model")), string(a.get("rule")),
                string(a.get("token_texts")), string(a.get("tagger")), f.rows(), List.copyOf(families),
                duplicates.subList(0, Math.min(DUPLICATES, duplicates.size())), duplicates.size(), clusters(f));
    }

    /** Family features held by a duplicate group (duplicates > 0), largest first, then by first neuron. */
    private static List<FamilySet> duplicates(FamiliesFile.Families f, Map<String, Integer> links) {
        Map<String, List<Integer>> byFeature = new LinkedHashMap<>();
        for (int i = 0; i < f.rows(); i++) {
            if (f.duplicates()[i] > 0 && !f.familyFeature()[i].isEmpty()) {
                byFeature.computeIfAbsent(f.familyFeature()[i], k -> new ArrayList<>()).add(i);
            }
        }
        List<FamilySet> out = new ArrayList<>();
        byFeature.forEach((feature, rows) -> {
            Set<String> fams = new LinkedHashSet<>();
            rows.forEach(i -> fams.add(f.family()[i]));
            List<String> ordered = new ArrayList<>(fams);
            ordered.sort(Comparator.comparingInt(x -> ORDER.contains(x) ? ORDER.indexOf(x) : ORDER.size()));
            out.add(new FamilySet(feature, List.copyOf(ordered), rows.size(), examples(f, rows, links)));
        });
        out.sort(Comparator.comparingInt(s -> -s.neurons())); // stable: equal sizes keep first-neuron order
        return List.copyOf(out);
    }

    /** The first {@link #EXAMPLES} of {@code rows} by excess correlation (ties: lower layer, then neuron). */
    private static List<FamilyNeuron> examples(FamiliesFile.Families f, List<Integer> rows, Map<String, Integer> links) {
        List<Integer> sorted = new ArrayList<>(rows);
        sorted.sort(Comparator.<Integer>comparingDouble(i -> -f.excess()[i]).thenComparingInt(i -> f.layer()[i])
                .thenComparingInt(i -> f.neuron()[i]));
        List<FamilyNeuron> out = new ArrayList<>();
        for (int i : sorted.subList(0, Math.min(EXAMPLES, sorted.size()))) {
            List<TopToken> tokens = new ArrayList<>();
            int[] ids = f.topTokenIds()[i];
            for (int j = 0; j < ids.length && tokens.size() < TOKENS; j++) {
                if (ids[j] >= 0) {
                    String text = f.topTokenTexts()[i][j];
                    tokens.add(new TopToken(text == null || text.isEmpty() ? "[" + ids[j] + "]" : text,
                            f.topTokenMeans()[i][j], f.topTokenCounts()[i][j]));
                }
            }
            out.add(new FamilyNeuron(f.layer()[i], f.neuron()[i], f.excess()[i], f.family()[i], f.best()[i], f.bestVr()[i],
                    f.runnerUp()[i], f.runnerUpVr()[i], List.copyOf(tokens), links.get(f.layer()[i] + "." + f.neuron()[i])));
        }
        return List.copyOf(out);
    }

    /** Cluster sizes and each cluster's most common best feature (ties: the one whose first neuron comes first). */
    static Clusters clusters(FamiliesFile.Families f) {
        Map<Integer, Map<String, Integer>> features = new TreeMap<>();
        for (int i = 0; i < f.rows(); i++) {
            features.computeIfAbsent(f.cluster()[i], k -> new LinkedHashMap<>()).merge(f.best()[i], 1, Integer::sum);
        }
        List<Cluster> rows = new ArrayList<>();
        features.forEach((c, counts) -> {
            String best = null;
            int most = 0;
            int total = 0;
            for (Map.Entry<String, Integer> e : counts.entrySet()) {
                total += e.getValue();
                if (e.getValue() > most) {
                    best = e.getKey();
                    most = e.getValue();
                }
            }
            rows.add(new Cluster(c, total, best, most));
        });
        Object k = f.attributes().get("n_clusters");
        Object s = f.attributes().get("silhouette");
        return new Clusters(k instanceof Number n ? n.intValue() : rows.size(),
                s instanceof Number n ? n.doubleValue() : Double.NaN, List.copyOf(rows));
    }

    /** Neurons of layer {@code layer} per family of {@code present}. */
    private static FamilyCounts counts(FamiliesFile.Families f, int layer, List<String> present) {
        int[] c = new int[present.size()];
        int total = 0;
        for (int i = 0; i < f.rows(); i++) {
            if (f.layer()[i] == layer) {
                c[present.indexOf(f.family()[i])]++;
                total++;
            }
        }
        List<Integer> counts = new ArrayList<>();
        for (int x : c) {
            counts.add(x);
        }
        return new FamilyCounts(Collections.unmodifiableList(counts), total);
    }

    private static String string(Object v) {
        return v == null ? null : v.toString();
    }
}
