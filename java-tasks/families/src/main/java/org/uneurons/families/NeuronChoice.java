package org.uneurons.families;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import org.uneurons.core.cli.InputException;
import org.uneurons.formats.CsvTable;

/**
 * The neurons to explain, from a neurons.csv of the universality tool: the universal ones, or when none is
 * universal the top N by excess correlation (ties: lower layer, then lower neuron first). Listed layer-major. The
 * table must describe exactly the checkpoint's neurons (every (layer, neuron) of n_layers x d_mlp once).
 */
record NeuronChoice(int[] layer, int[] neuron, double[] excess, double[] tableKurtosis, String kurtosisColumn,
                    String rule) {
    static final String WHAT = "a neurons.csv from the universality tool (columns layer, neuron, excess_corr, "
            + "is_universal, ...)";

    int size() {
        return layer.length;
    }

    static NeuronChoice read(Path file, int nLayers, int dMlp, int topN) {
        CsvTable t = CsvTable.read(file, WHAT, ',');
        t.require("layer", "neuron", "excess_corr", "is_universal");
        if (t.rows() == 0) {
            throw new InputException(file + ": no neuron rows (expected " + WHAT + ")");
        }
        int[] layer = t.integers("layer");
        int[] neuron = t.integers("neuron");
        double[] excess = t.numbers("excess_corr");
        int[] universal = t.integers("is_universal");
        checkShape(file, t, layer, neuron, nLayers, dMlp);
        // a dead (constant) neuron correlates with nothing and has no variance to explain: never a stand-in
        int[] dead = t.has("dead") ? t.integers("dead") : new int[t.rows()];
        String kurtColumn = t.has("kurt_binned") ? "kurt_binned" : t.has("kurt") ? "kurt" : null;
        double[] kurt = kurtColumn == null ? null : t.numbers(kurtColumn);
        List<Integer> rows = new ArrayList<>();
        for (int r = 0; r < t.rows(); r++) {
            if (universal[r] != 0 && universal[r] != 1) {
                throw new InputException(file + ": line " + t.line(r) + ": is_universal is " + universal[r]
                        + ", expected 0 or 1");
            }
            if (universal[r] == 1) {
                rows.add(r);
            }
        }
        String rule;
        if (!rows.isEmpty()) {
            rule = "the " + rows.size() + " universal neurons (is_universal = 1)";
        } else {
            for (int r = 0; r < t.rows(); r++) {
                if (dead[r] != 1) {
                    rows.add(r);
                }
            }
            rows.sort(Comparator.<Integer>comparingDouble(r -> -excess[r]).thenComparingInt(r -> layer[r])
                    .thenComparingInt(r -> neuron[r]));
            rows = new ArrayList<>(rows.subList(0, Math.min(topN, rows.size())));
            rule = "no neuron is universal: the top " + rows.size() + " by excess_corr stand in"
                    + (Arrays.stream(dead).anyMatch(d -> d == 1) ? " (dead neurons left out)" : "");
        }
        rows.sort(Comparator.<Integer>comparingInt(r -> layer[r]).thenComparingInt(r -> neuron[r]));
        int n = rows.size();
        int[] l = new int[n];
        int[] nn = new int[n];
        double[] e = new double[n];
        double[] k = kurt == null ? null : new double[n];
        for (int i = 0; i < n; i++) {
            int r = rows.get(i);
            l[i] = layer[r];
            nn[i] = neuron[r];
            e[i] = excess[r];
            if (k != null) {
                k[i] = kurt[r];
            }
        }
        return new NeuronChoice(l, nn, e, k, kurtColumn, rule);
    }

    private static void checkShape(Path file, CsvTable t, int[] layer, int[] neuron, int nLayers, int dMlp) {
        boolean[] seen = new boolean[nLayers * dMlp];
        for (int r = 0; r < t.rows(); r++) {
            if (layer[r] < 0 || layer[r] >= nLayers || neuron[r] < 0 || neuron[r] >= dMlp) {
                throw new InputException(file + ": line " + t.line(r) + ": neuron " + layer[r] + "." + neuron[r]
                        + " is outside the checkpoint's " + nLayers + " layers x " + dMlp + " neurons");
            }
            int i = layer[r] * dMlp + neuron[r];
            if (seen[i]) {
                throw new InputException(file + ": line " + t.line(r) + ": neuron " + layer[r] + "." + neuron[r]
                        + " is listed twice");
            }
            seen[i] = true;
        }
        if (t.rows() != nLayers * dMlp) {
            throw new InputException(file + ": " + t.rows() + " neuron rows, but the checkpoint has " + nLayers
                    + " layers x " + dMlp + " neurons = " + nLayers * dMlp + " (a table of another model?)");
        }
    }

    /** The neurons of layer l, as indices into this choice and as neuron numbers. */
    int[] inLayer(int l) {
        return java.util.stream.IntStream.range(0, size()).filter(i -> layer[i] == l).toArray();
    }
}
