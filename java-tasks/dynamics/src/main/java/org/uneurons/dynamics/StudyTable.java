package org.uneurons.dynamics;

import java.nio.file.Path;

import org.uneurons.core.cli.InputException;
import org.uneurons.formats.CsvTable;

/**
 * One cell's universality table in a study (docs/dynamics.md): the size and training step of its models, its kind
 * (trained: the anchor seed against the other seeds at that step; control: a random-init model against the same),
 * and per neuron its layer, index, excess correlation and dead flag, read from the table's neurons.csv.
 */
record StudyTable(String size, int step, String kind, Path file, int[] layers, int[] neurons, double[] excess,
                  boolean[] dead) {

    static final String TRAINED = "trained";
    static final String CONTROL = "control";

    static StudyTable read(String size, int step, String kind, Path file) {
        CsvTable t = CsvTable.read(file, "a neurons.csv of the universality tool", ',');
        t.require("layer", "neuron", "excess_corr", "dead");
        int n = t.rows();
        if (n == 0) {
            throw new InputException(file + ": no neuron rows (expected a neurons.csv of the universality tool)");
        }
        int[] layers = t.integers("layer");
        int[] neurons = t.integers("neuron");
        double[] excess = t.numbers("excess_corr");
        int[] dead = t.integers("dead");
        boolean[] isDead = new boolean[n];
        for (int i = 0; i < n; i++) {
            if (dead[i] != 0 && dead[i] != 1) {
                throw new InputException(file + ": line " + t.line(i) + ", column 'dead': " + dead[i] + " is not 0 or 1");
            }
            isDead[i] = dead[i] == 1;
        }
        return new StudyTable(size, step, kind, file, layers, neurons, excess, isDead);
    }

    int rows() {
        return excess.length;
    }

    int nLayers() {
        int max = -1;
        for (int l : layers) {
            max = Math.max(max, l);
        }
        return max + 1;
    }

    /** Not dead and excess correlation above {@code threshold}: the universality tool's rule. */
    boolean above(int row, double threshold) {
        return !dead[row] && excess[row] > threshold;
    }

    /** The neurons of this table are those of {@code other}, in the same order (the same anchor at another step). */
    boolean sameNeurons(StudyTable other) {
        return java.util.Arrays.equals(layers, other.layers) && java.util.Arrays.equals(neurons, other.neurons);
    }

    String where() {
        return size + ", step " + step + ", " + kind;
    }
}
