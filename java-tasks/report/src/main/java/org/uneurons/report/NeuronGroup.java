package org.uneurons.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.uneurons.core.cli.InputException;
import org.uneurons.formats.CsvTable;

/**
 * One labelled neuron table (a neurons.csv of the universality tool), e.g. the trained anchor or a random-init
 * control. Rows are layer-major; the per-model partner columns ({@code partner_layer_<m>}, {@code partner_neuron_<m>},
 * {@code corr_<m>}) and any statistics columns stay reachable through {@link #table()}.
 */
final class NeuronGroup {
    static final String WHAT = "a neurons.csv from the universality tool (columns layer, neuron, mean_corr, "
            + "mean_baseline, excess_corr, is_universal, ...)";

    final String label;
    final CsvTable table;
    final int[] layer;
    final int[] neuron;
    final double[] meanCorr;
    final double[] meanBaseline;
    final double[] excess;
    final boolean[] universal;
    /** Constant on the analysed tokens (the {@code dead} column; all false in tables of earlier versions, which lack it). */
    final boolean[] dead;
    final int nLayers;
    /** Neurons per layer: the largest neuron index + 1. */
    final int dMlp;
    /** The other models m with partner columns, in header order. */
    final List<String> otherModels;

    private NeuronGroup(String label, CsvTable t) {
        this.label = label;
        this.table = t;
        t.require("layer", "neuron", "mean_corr", "mean_baseline", "excess_corr", "is_universal");
        if (t.rows() == 0) {
            throw new InputException(t.file() + ": no neuron rows (expected " + WHAT + ")");
        }
        for (String column : t.header()) {
            t.numbers(column); // every field of a neuron table is a finite number (docs/output.md)
        }
        layer = t.integers("layer");
        neuron = t.integers("neuron");
        meanCorr = t.numbers("mean_corr");
        meanBaseline = t.numbers("mean_baseline");
        excess = t.numbers("excess_corr");
        int[] u = t.integers("is_universal");
        universal = new boolean[u.length];
        int maxLayer = 0;
        int maxNeuron = 0;
        for (int r = 0; r < u.length; r++) {
            if (u[r] != 0 && u[r] != 1) {
                throw new InputException(t.file() + ": neuron row " + (r + 1) + ": is_universal is " + u[r]
                        + ", expected 0 or 1");
            }
            if (layer[r] < 0 || neuron[r] < 0) {
                throw new InputException(t.file() + ": neuron row " + (r + 1) + ": negative layer or neuron");
            }
            universal[r] = u[r] == 1;
            maxLayer = Math.max(maxLayer, layer[r]);
            maxNeuron = Math.max(maxNeuron, neuron[r]);
        }
        nLayers = maxLayer + 1;
        dMlp = maxNeuron + 1;
        dead = new boolean[u.length];
        if (t.has("dead")) {
            int[] d = t.integers("dead");
            for (int r = 0; r < d.length; r++) {
                if (d[r] != 0 && d[r] != 1) {
                    throw new InputException(t.file() + ": neuron row " + (r + 1) + ": dead is " + d[r] + ", expected 0 or 1");
                }
                dead[r] = d[r] == 1;
            }
        }
        otherModels = new ArrayList<>();
        for (String h : t.header()) {
            if (h.startsWith("corr_")) {
                String m = h.substring("corr_".length());
                if (t.has("partner_layer_" + m) && t.has("partner_neuron_" + m)) {
                    otherModels.add(m);
                }
            }
        }
    }

    static NeuronGroup read(String label, Path file) {
        return new NeuronGroup(label, CsvTable.read(file, WHAT, ','));
    }

    int size() {
        return layer.length;
    }

    CsvTable table() {
        return table;
    }

    Path file() {
        return table.file();
    }
}
