package org.uneurons.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import org.uneurons.core.cli.InputException;
import org.uneurons.formats.CsvTable;

/**
 * The section "Universality through training" of a study's report (--dynamics DIR: the dynamics tool's curves.csv,
 * layers.csv, onset.csv and persistence.csv; docs/dynamics.md): mean excess correlation and the fractions above
 * thresholds against training step, one line per size with the random-init control as a band, per-layer curves,
 * the onset of the last step's most universal neurons and whether early universal neurons stay universal.
 */
final class DynamicsSection {
    static final String EXCESS = "dynamics_excess.png";
    static final String ONSET = "dynamics_onset.png";

    private final CsvTable curves;
    private final CsvTable layers;
    private final CsvTable onset;
    private final CsvTable persistence;
    private final List<String> sizes = new ArrayList<>();
    private final List<String> fractions = new ArrayList<>();

    private DynamicsSection(Path dir) {
        curves = read(dir, "curves.csv", "size", "step", "kind", "n_neurons", "mean_excess");
        layers = read(dir, "layers.csv", "size", "step", "kind", "layer", "frac_universal");
        onset = read(dir, "onset.csv", "size", "layer", "neuron", "final_excess", "onset_step");
        persistence = read(dir, "persistence.csv", "size", "step", "n_universal", "n_universal_at_final", "frac_stay");
        for (int r = 0; r < curves.rows(); r++) {
            if (!sizes.contains(curves.string(r, "size"))) {
                sizes.add(curves.string(r, "size"));
            }
        }
        if (sizes.isEmpty()) {
            throw new InputException(dir.resolve("curves.csv") + ": no rows (expected the dynamics tool's curves.csv)");
        }
        curves.header().stream().filter(c -> c.startsWith("frac_above_")).forEach(fractions::add);
    }

    /** The dynamics tool's directory, read and checked (one line naming the file for any problem). */
    static DynamicsSection read(Path dir) {
        return new DynamicsSection(dir);
    }

    private static CsvTable read(Path dir, String file, String... columns) {
        CsvTable t = CsvTable.read(dir.resolve(file), "the dynamics tool's " + file, ',');
        t.require(columns);
        return t;
    }

    static String fractionFile(String column) {
        return "dynamics_" + column + ".png";
    }

    static String layersFile(String size) {
        return "dynamics_layers_" + size + ".png";
    }

    // --- charts -----------------------------------------------------------------------------------------------

    void writeCharts(Path dir) {
        metricChart(dir, "mean_excess", EXCESS, "Mean excess correlation against training step", "mean excess correlation ϱ",
                false);
        for (String f : fractions) {
            if (anyAbove(curves, f)) {
                metricChart(dir, f, fractionFile(f), "Neurons with ϱ > " + f.substring("frac_above_".length())
                        + " against training step", "fraction of neurons", true);
            }
        }
        for (String size : sizes) {
            if (anyUniversal(size)) {
                layersChart(dir, size);
            }
        }
        if (onset.rows() > 0) {
            onsetChart(dir);
        }
    }

    /** Some table has a neuron above the column's threshold: a chart of only zeros would show nothing. */
    private static boolean anyAbove(CsvTable t, String column) {
        for (int r = 0; r < t.rows(); r++) {
            if (t.number(r, column) > 0) {
                return true;
            }
        }
        return false;
    }

    private boolean anyUniversal(String size) {
        for (int r = 0; r < layers.rows(); r++) {
            if (layers.string(r, "size").equals(size) && layers.string(r, "kind").equals("trained")
                    && layers.number(r, "frac_universal") > 0) {
                return true;
            }
        }
        return false;
    }

    /** Steps of a size's rows of {@code kind}, ascending, with the column's values. */
    private TreeMap<Integer, Double> series(CsvTable t, String size, String kind, String column) {
        TreeMap<Integer, Double> out = new TreeMap<>();
        for (int r = 0; r < t.rows(); r++) {
            if (t.string(r, "size").equals(size) && t.string(r, "kind").equals(kind)) {
                out.put(t.integer(r, "step"), t.number(r, column));
            }
        }
        return out;
    }

    /** One line per size (trained), and the controls as one grey band: their range over the sizes at each step. */
    private void metricChart(Path dir, String column, String png, String title, String yLabel, boolean fraction) {
        List<Charts.Band> bands = new ArrayList<>();
        FigureCsv data = new FigureCsv("size", "kind", "step", column);
        TreeMap<Integer, double[]> control = new TreeMap<>();
        for (int i = 0; i < sizes.size(); i++) {
            String size = sizes.get(i);
            TreeMap<Integer, Double> s = series(curves, size, "trained", column);
            s.forEach((step, v) -> data.row(size, "trained", step, v));
            bands.add(line(size, s, i, false));
            series(curves, size, "control", column).forEach((step, v) -> {
                data.row(size, "control", step, v);
                double[] lh = control.computeIfAbsent(step, k -> new double[] {v, v});
                lh[0] = Math.min(lh[0], v);
                lh[1] = Math.max(lh[1], v);
            });
        }
        if (!control.isEmpty()) {
            double[] x = control.keySet().stream().mapToDouble(Integer::doubleValue).toArray();
            double[] lo = control.values().stream().mapToDouble(v -> v[0]).toArray();
            double[] hi = control.values().stream().mapToDouble(v -> v[1]).toArray();
            double[] mid = new double[x.length];
            for (int k = 0; k < x.length; k++) {
                mid[k] = (lo[k] + hi[k]) / 2;
            }
            bands.add(new Charts.Band(sizes.size() > 1 ? "random-init control (range over sizes)" : "random-init control",
                    x, mid, lo, hi, -1, true));
        }
        Charts.bands(dir.resolve(png), title, "training step", yLabel, bands, logSteps(), fraction);
        data.write(dir.resolve(ReportCharts.csv(png)));
    }

    private static Charts.Band line(String name, TreeMap<Integer, Double> s, int colour, boolean dashed) {
        double[] x = s.keySet().stream().mapToDouble(Integer::doubleValue).toArray();
        double[] y = s.values().stream().mapToDouble(Double::doubleValue).toArray();
        return new Charts.Band(name, x, y, y, y, colour, dashed);
    }

    /** A log-scaled step axis when the steps are all positive and span more than a factor 10. */
    private boolean logSteps() {
        TreeSet<Integer> steps = new TreeSet<>();
        for (int r = 0; r < curves.rows(); r++) {
            steps.add(curves.integer(r, "step"));
        }
        return steps.first() > 0 && steps.last() > 10L * steps.first();
    }

    /** A size's per-layer fraction universal against step: one line per layer (trained). */
    private void layersChart(Path dir, String size) {
        Map<Integer, TreeMap<Integer, Double>> byLayer = new TreeMap<>();
        FigureCsv data = new FigureCsv("size", "layer", "step", "frac_universal");
        for (int r = 0; r < layers.rows(); r++) {
            if (layers.string(r, "size").equals(size) && layers.string(r, "kind").equals("trained")) {
                int layer = layers.integer(r, "layer");
                byLayer.computeIfAbsent(layer, k -> new TreeMap<>()).put(layers.integer(r, "step"),
                        layers.number(r, "frac_universal"));
                data.row(size, layer, layers.integer(r, "step"), layers.number(r, "frac_universal"));
            }
        }
        List<Charts.Band> bands = new ArrayList<>();
        byLayer.forEach((layer, s) -> bands.add(line("layer " + layer, s, layer, false)));
        Charts.bands(dir.resolve(layersFile(size)), "Universal fraction per layer against training step, " + size,
                "training step", "fraction of the layer's neurons", bands, logSteps(), true);
        data.write(dir.resolve(ReportCharts.csv(layersFile(size))));
    }

    /** Per size, how many of the last step's most universal neurons became universal for good at each step. */
    private void onsetChart(Path dir) {
        TreeSet<Integer> steps = new TreeSet<>();
        for (int r = 0; r < onset.rows(); r++) {
            if (!onset.string(r, "onset_step").isEmpty()) {
                steps.add(onset.integer(r, "onset_step"));
            }
        }
        LinkedHashMap<String, LinkedHashMap<String, Double>> bars = new LinkedHashMap<>();
        FigureCsv data = new FigureCsv("size", "onset_step", "neurons", "fraction");
        int[] colours = new int[sizes.size()];
        for (int i = 0; i < sizes.size(); i++) {
            String size = sizes.get(i);
            colours[i] = i;
            LinkedHashMap<String, Double> counts = new LinkedHashMap<>();
            int total = 0;
            Map<String, Integer> n = new LinkedHashMap<>();
            steps.forEach(s -> n.put(String.valueOf(s), 0));
            n.put("not at the last step", 0);
            for (int r = 0; r < onset.rows(); r++) {
                if (onset.string(r, "size").equals(size)) {
                    String key = onset.string(r, "onset_step").isEmpty() ? "not at the last step" : onset.string(r, "onset_step");
                    n.merge(key, 1, Integer::sum);
                    total++;
                }
            }
            for (Map.Entry<String, Integer> e : n.entrySet()) {
                double f = total == 0 ? 0 : (double) e.getValue() / total;
                counts.put(e.getKey(), f);
                data.row(size, e.getKey(), e.getValue(), f);
            }
            bars.put(size, counts);
        }
        Charts.bars(dir.resolve(ONSET), "Onset: the step from which the most universal neurons stay universal",
                "onset step", "fraction of the size's most universal neurons", bars, colours, true, null, null);
        data.write(dir.resolve(ReportCharts.csv(ONSET)));
    }

    // --- the section --------------------------------------------------------------------------------------------

    void render(Html h) {
        h.section("dynamics", "Universality through training");
        h.append("<p>Universality computed within each cell of the study: at each training step and size, the anchor "
                + "seed's checkpoint against the other seeds' checkpoints at the same step (docs/dynamics.md). The grey "
                + "band is the random-init control's level: a random initialisation against the same seeds.</p>\n");
        h.append("<div class=\"grid\">\n");
        h.img(EXCESS, "Mean excess correlation against training step, one line per size, the control as a band");
        List<String> none = new ArrayList<>();
        for (String f : fractions) {
            if (anyAbove(curves, f)) {
                h.img(fractionFile(f), "Fraction of neurons above " + f.substring("frac_above_".length()) + " against step");
            } else {
                none.add(f.substring("frac_above_".length()));
            }
        }
        for (String size : sizes) {
            if (anyUniversal(size)) {
                h.img(layersFile(size), "Universal fraction per layer against step, " + size);
            }
        }
        if (onset.rows() > 0) {
            h.img(ONSET, "Onset of the last step's most universal neurons");
        }
        h.append("</div>\n");
        if (!none.isEmpty()) {
            h.empty("No neuron of any table has excess correlation above " + String.join(", ", none)
                    + " at any step: those fractions are 0, so there is no curve to draw.");
        }
        List<String> flat = sizes.stream().filter(s -> !anyUniversal(s)).toList();
        if (!flat.isEmpty()) {
            h.empty("No neuron of " + String.join(", ", flat) + " is universal (above the run's threshold) at any step:"
                    + " no per-layer curves.");
        }
        persistenceTable(h);
        h.append("<p class=\"rule\">What the curves show: how much of each step's network is correlated across seeds"
                + " beyond a random rotation, and, following the anchor seed's neurons by their index, when its most"
                + " universal neurons at the last step reached the threshold for good. What they do not show: whether"
                + " the partners in the other seeds are the same neurons from step to step (each step is matched on"
                + " its own), anything between the analysed steps, or a precise fraction when there are few seeds and"
                + " few neurons (a fraction of a small layer moves in large steps).</p>\n");
        h.append("</section>\n");
    }

    private void persistenceTable(Html h) {
        h.append("<table class=\"dynamics\"><tr><th>size</th><th class=\"n\">step</th><th class=\"n\">universal</th>"
                + "<th class=\"n\">still universal at the last step</th><th class=\"n\">fraction</th></tr>\n");
        for (int r = 0; r < persistence.rows(); r++) {
            String key = "persist_" + persistence.string(r, "size") + "_" + persistence.string(r, "step");
            String frac = persistence.string(r, "frac_stay");
            h.append("<tr><td>").esc(persistence.string(r, "size")).append("</td>").num(persistence.string(r, "step"))
                    .num(persistence.string(r, "n_universal")).num(persistence.string(r, "n_universal_at_final"))
                    .cell(key, frac.isEmpty() ? "–" : Fmt.percent(Double.parseDouble(frac))).append("</tr>\n");
        }
        h.append("</table>\n");
    }
}
