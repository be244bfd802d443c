package org.uneurons.dynamics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

import org.uneurons.core.cli.InputException;

/**
 * Universality against training step and model size, from a study's cell tables (docs/dynamics.md). Pure: tables
 * in, the CSV texts of curves.csv, layers.csv, trajectories.csv, onset.csv and persistence.csv out.
 *
 * <p>A trained table's neurons are the anchor seed's at that step; the anchor is the same seed at every step, so a
 * neuron keeps its (layer, neuron) index along training and its row in every trained table of its size: that is
 * what trajectories, onset and persistence follow. Control tables only enter the curves (the random-init level).
 */
final class Dynamics {
    private final List<StudyTable> tables;
    private final double threshold;
    private final double[] thresholds;
    private final double onsetTop;
    /** Per size, in the order given: its trained tables by step. */
    private final Map<String, TreeMap<Integer, StudyTable>> trained = new LinkedHashMap<>();

    Dynamics(List<StudyTable> tables, double threshold, double[] thresholds, double onsetTop) {
        this.tables = tables;
        this.threshold = threshold;
        this.thresholds = thresholds;
        this.onsetTop = onsetTop;
        for (StudyTable t : tables) {
            if (t.kind().equals(StudyTable.TRAINED)) {
                TreeMap<Integer, StudyTable> bySize = trained.computeIfAbsent(t.size(), k -> new TreeMap<>());
                StudyTable first = bySize.isEmpty() ? null : bySize.firstEntry().getValue();
                if (first != null && !first.sameNeurons(t)) {
                    throw new InputException(t.file() + ": " + t.rows() + " neurons (" + t.nLayers() + " layers) at "
                            + t.where() + ", but " + first.file() + " (" + first.where() + ") has " + first.rows()
                            + " (" + first.nLayers() + " layers): the trained tables of one size are one anchor's, "
                            + "with the same neurons in the same order");
                }
                bySize.put(t.step(), t);
            }
        }
        if (trained.isEmpty()) {
            throw new InputException("--table: no trained table (expected at least one SIZE,STEP,trained=FILE)");
        }
    }

    // --- curves and layers: every table -------------------------------------------------------------------

    String curves() {
        StringJoiner head = new StringJoiner(",");
        head.add("size").add("step").add("kind").add("n_neurons").add("n_dead").add("mean_excess").add("median_excess");
        for (double t : thresholds) {
            head.add("frac_above_" + label(t));
        }
        StringBuilder sb = new StringBuilder(head.toString()).append('\n');
        for (StudyTable t : sorted()) {
            int dead = 0;
            for (boolean d : t.dead()) {
                dead += d ? 1 : 0;
            }
            sb.append(t.size()).append(',').append(t.step()).append(',').append(t.kind()).append(',')
                    .append(t.rows()).append(',').append(dead).append(',').append(num(mean(t.excess())))
                    .append(',').append(num(median(t.excess())));
            for (double th : thresholds) {
                sb.append(',').append(num(fractionAbove(t, th)));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    String layers() {
        StringBuilder sb = new StringBuilder("size,step,kind,layer,n_neurons,mean_excess,frac_universal\n");
        for (StudyTable t : sorted()) {
            int nl = t.nLayers();
            double[] sum = new double[nl];
            int[] n = new int[nl];
            int[] u = new int[nl];
            for (int r = 0; r < t.rows(); r++) {
                int l = t.layers()[r];
                sum[l] += t.excess()[r];
                n[l]++;
                u[l] += t.above(r, threshold) ? 1 : 0;
            }
            for (int l = 0; l < nl; l++) {
                if (n[l] == 0) {
                    continue;
                }
                sb.append(t.size()).append(',').append(t.step()).append(',').append(t.kind()).append(',').append(l)
                        .append(',').append(n[l]).append(',').append(num(sum[l] / n[l])).append(',')
                        .append(num((double) u[l] / n[l])).append('\n');
            }
        }
        return sb.toString();
    }

    /** Sizes in their given order, then steps ascending, trained before control. */
    private List<StudyTable> sorted() {
        List<String> sizes = new ArrayList<>();
        for (StudyTable t : tables) {
            if (!sizes.contains(t.size())) {
                sizes.add(t.size());
            }
        }
        List<StudyTable> out = new ArrayList<>(tables);
        out.sort(Comparator.comparingInt((StudyTable t) -> sizes.indexOf(t.size())).thenComparingInt(StudyTable::step)
                .thenComparing(t -> t.kind().equals(StudyTable.TRAINED) ? 0 : 1));
        return out;
    }

    // --- along training: the trained tables of each size --------------------------------------------------

    /** Every step of any size, ascending: the columns excess_<step>. */
    private List<Integer> allSteps() {
        TreeMap<Integer, Boolean> steps = new TreeMap<>();
        trained.values().forEach(m -> m.keySet().forEach(s -> steps.put(s, true)));
        return new ArrayList<>(steps.keySet());
    }

    String trajectories() {
        List<Integer> steps = allSteps();
        StringBuilder sb = new StringBuilder("size,layer,neuron,final_excess");
        for (int s : steps) {
            sb.append(",excess_").append(s);
        }
        sb.append('\n');
        for (Map.Entry<String, TreeMap<Integer, StudyTable>> e : trained.entrySet()) {
            StudyTable fin = e.getValue().lastEntry().getValue();
            for (int r = 0; r < fin.rows(); r++) {
                sb.append(e.getKey()).append(',').append(fin.layers()[r]).append(',').append(fin.neurons()[r])
                        .append(',').append(num(fin.excess()[r]));
                for (int s : steps) {
                    StudyTable t = e.getValue().get(s);
                    sb.append(',').append(t == null ? "" : num(t.excess()[r]));
                }
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    String onset() {
        StringBuilder sb = new StringBuilder("size,layer,neuron,final_excess,onset_step\n");
        for (Map.Entry<String, TreeMap<Integer, StudyTable>> e : trained.entrySet()) {
            StudyTable fin = e.getValue().lastEntry().getValue();
            for (int r : mostUniversal(fin)) {
                Integer onset = onsetStep(e.getValue(), r);
                sb.append(e.getKey()).append(',').append(fin.layers()[r]).append(',').append(fin.neurons()[r])
                        .append(',').append(num(fin.excess()[r])).append(',').append(onset == null ? "" : onset)
                        .append('\n');
            }
        }
        return sb.toString();
    }

    /** The top onsetTop fraction of the live neurons by excess (at least one), highest first, ties by row. */
    private List<Integer> mostUniversal(StudyTable fin) {
        List<Integer> live = new ArrayList<>();
        for (int r = 0; r < fin.rows(); r++) {
            if (!fin.dead()[r]) {
                live.add(r);
            }
        }
        live.sort(Comparator.comparingDouble((Integer r) -> -fin.excess()[r]).thenComparingInt(r -> r));
        int k = live.isEmpty() ? 0 : Math.max(1, (int) Math.ceil(onsetTop * live.size()));
        return live.subList(0, Math.min(k, live.size()));
    }

    /** The earliest step from which the neuron stays universal at every later step; null if not at the last. */
    private Integer onsetStep(TreeMap<Integer, StudyTable> bySteps, int row) {
        Integer onset = null;
        for (Map.Entry<Integer, StudyTable> e : bySteps.descendingMap().entrySet()) {
            if (!e.getValue().above(row, threshold)) {
                break;
            }
            onset = e.getKey();
        }
        return onset;
    }

    String persistence() {
        StringBuilder sb = new StringBuilder("size,step,n_universal,n_universal_at_final,frac_stay\n");
        for (Map.Entry<String, TreeMap<Integer, StudyTable>> e : trained.entrySet()) {
            StudyTable fin = e.getValue().lastEntry().getValue();
            for (StudyTable t : e.getValue().values()) {
                int u = 0;
                int stay = 0;
                for (int r = 0; r < t.rows(); r++) {
                    if (t.above(r, threshold)) {
                        u++;
                        stay += fin.above(r, threshold) ? 1 : 0;
                    }
                }
                sb.append(e.getKey()).append(',').append(t.step()).append(',').append(u).append(',').append(stay)
                        .append(',').append(u == 0 ? "" : num((double) stay / u)).append('\n');
            }
        }
        return sb.toString();
    }

    // --- numbers --------------------------------------------------------------------------------------------

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        int n = c.length;
        return n % 2 == 1 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
    }

    private static double fractionAbove(StudyTable t, double th) {
        int k = 0;
        for (int r = 0; r < t.rows(); r++) {
            k += t.above(r, th) ? 1 : 0;
        }
        return (double) k / t.rows();
    }

    /** Shortest decimal that reads back as the same double. */
    static String num(double v) {
        return Double.toString(v);
    }

    /** A threshold as a column suffix: 0.5 -> 0.5, 0.25 -> 0.25. */
    static String label(double t) {
        return String.format(Locale.ROOT, "%s", java.math.BigDecimal.valueOf(t).stripTrailingZeros().toPlainString());
    }
}
