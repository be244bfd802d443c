package org.uneurons.formats;

import java.nio.file.Path;

import org.uneurons.core.cli.InputException;
import org.uneurons.core.io.AtomicOutput;
import org.uneurons.core.io.OutputSet;

/**
 * layer_fractions.csv of the universality tool: {@code layer,n_neurons,n_universal,fraction}, one row per layer of
 * the table's model.
 */
public final class LayerFractionsFile {
    static final String WHAT = "a layer_fractions.csv (columns layer, n_neurons, n_universal, fraction)";

    private LayerFractionsFile() {
    }

    public static void write(NeuronTable.Fractions fr, Path target) {
        AtomicOutput.write(target, content(fr));
    }

    /** The file's content, for an {@link OutputSet}. */
    public static OutputSet.Body content(NeuronTable.Fractions fr) {
        return AtomicOutput.text(w -> {
            w.write("layer,n_neurons,n_universal,fraction\n");
            for (int l = 0; l < fr.nNeurons().length; l++) {
                w.write(l + "," + fr.nNeurons()[l] + "," + fr.nUniversal()[l] + "," + Double.toString(fr.fraction(l)) + "\n");
            }
        });
    }

    /** Reads the counts back, checking that the layers are 0, 1, ... in order. */
    public static NeuronTable.Fractions read(Path file) {
        CsvTable t = CsvTable.read(file, WHAT, ',');
        t.require("layer", "n_neurons", "n_universal", "fraction");
        int[] n = new int[t.rows()];
        int[] u = new int[t.rows()];
        for (int r = 0; r < t.rows(); r++) {
            int l = t.integer(r, "layer");
            if (l != r) {
                throw new InputException(file + ": line " + t.line(r) + " is layer " + l + ", expected layer " + r
                        + " (" + WHAT + ")");
            }
            n[r] = t.integer(r, "n_neurons");
            u[r] = t.integer(r, "n_universal");
            t.number(r, "fraction");
        }
        return new NeuronTable.Fractions(n, u);
    }
}
