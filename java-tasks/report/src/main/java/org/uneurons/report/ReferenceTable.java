package org.uneurons.report;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import org.uneurons.core.cli.InputException;
import org.uneurons.formats.CsvTable;

/**
 * A neuron table to compare the anchor's with ({@code --reference}): a neurons.csv of this project (every neuron,
 * with is_universal) or a table in the paper's released format (its {@code universal.csv}: the universal neurons
 * only, with the same correlation column names and no is_universal; pandas may add an unnamed index column and
 * write booleans as True/False). Only {@code layer}, {@code neuron}, {@code excess_corr} and {@code is_universal}
 * are read; other columns are ignored. Without is_universal a neuron is universal when its excess is above the run's
 * threshold, as METHOD 4 defines it.
 */
final class ReferenceTable {
    static final String WHAT = "a reference neuron table (CSV with columns layer, neuron, excess_corr and optionally"
            + " is_universal: a neurons.csv, or the paper's universal.csv)";

    final String label;
    final Path file;
    final int[] layer;
    final int[] neuron;
    final double[] excess;
    final boolean[] universal;
    /** Whether universality comes from the is_universal column (else from excess > threshold). */
    final boolean flagged;
    /** Whether the table lists every neuron of a layers x dMlp model (else it is a selection of neurons). */
    final boolean complete;
    final int layers;
    final int dMlp;
    private final CsvTable table;

    private ReferenceTable(String label, CsvTable t, double threshold) {
        this.label = label;
        this.table = t;
        this.file = t.file();
        t.require("layer", "neuron", "excess_corr");
        if (t.rows() == 0) {
            throw new InputException(file + ": no neuron rows (expected " + WHAT + ")");
        }
        layer = t.integers("layer");
        neuron = t.integers("neuron");
        excess = t.numbers("excess_corr");
        flagged = t.has("is_universal");
        universal = new boolean[t.rows()];
        Map<Long, Integer> seen = new HashMap<>();
        int maxLayer = 0;
        int maxNeuron = 0;
        for (int r = 0; r < t.rows(); r++) {
            if (layer[r] < 0 || neuron[r] < 0) {
                throw new InputException(file + ": line " + t.line(r) + ": negative layer or neuron");
            }
            Integer before = seen.put(((long) layer[r] << 32) | neuron[r], r);
            if (before != null) {
                throw new InputException(file + ": line " + t.line(r) + ": layer " + layer[r] + " neuron " + neuron[r]
                        + " is listed twice (also line " + t.line(before) + "); expected one row per neuron");
            }
            universal[r] = flagged ? flag(t, r) : excess[r] > threshold;
            maxLayer = Math.max(maxLayer, layer[r]);
            maxNeuron = Math.max(maxNeuron, neuron[r]);
        }
        layers = maxLayer + 1;
        dMlp = maxNeuron + 1;
        complete = (long) layers * dMlp == t.rows(); // distinct rows that fill the whole grid
    }

    /** Reads {@code file}; {@code threshold} decides universality when the table has no is_universal column. */
    static ReferenceTable read(String label, Path file, double threshold) {
        return new ReferenceTable(label, CsvTable.read(file, WHAT, ','), threshold);
    }

    int size() {
        return layer.length;
    }

    /**
     * Fails unless the table can be of the anchor's model: a complete table must have its shape, a selection must
     * lie inside it.
     */
    ReferenceTable checkShape(NeuronGroup anchor) {
        String theirs = "the anchor " + anchor.label + " (" + anchor.file() + ") has " + anchor.nLayers + " layers x "
                + anchor.dMlp + " neurons; expected a reference table of the same model shape";
        if (complete && (layers != anchor.nLayers || dMlp != anchor.dMlp)) {
            throw new InputException(file + ": a table of every neuron of " + layers + " layers x " + dMlp
                    + " neurons, but " + theirs);
        }
        for (int r = 0; r < size(); r++) {
            if (layer[r] >= anchor.nLayers || neuron[r] >= anchor.dMlp) {
                throw new InputException(file + ": line " + table.line(r) + ": layer " + layer[r] + " neuron "
                        + neuron[r] + " is outside the anchor's model, " + theirs);
            }
        }
        return this;
    }

    /** is_universal as 0/1 (neurons.csv) or True/False (pandas). */
    private static boolean flag(CsvTable t, int r) {
        String v = t.string(r, "is_universal").toLowerCase(Locale.ROOT);
        switch (v) {
            case "1", "1.0", "true" -> {
                return true;
            }
            case "0", "0.0", "false" -> {
                return false;
            }
            default -> throw new InputException(t.file() + ": line " + t.line(r) + ", column 'is_universal': '"
                    + t.string(r, "is_universal") + "' is not 0, 1, True or False (expected " + WHAT + ")");
        }
    }
}
