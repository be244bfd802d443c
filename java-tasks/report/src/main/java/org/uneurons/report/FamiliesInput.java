package org.uneurons.report;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.uneurons.core.cli.InputException;
import org.uneurons.formats.FamiliesFile;

/**
 * One group's families.h5 (the families tool's output for the group's table model), read through
 * {@link FamiliesFile} and checked against the group's neuron table: every explained neuron is a row of that table
 * with the same {@code excess_corr} (the families tool copies it from the table it chose the neurons from), so a file
 * of another model or run is refused with one line.
 */
record FamiliesInput(String group, Path file, FamiliesFile.Families data) {
    /** Excess values are copied as float64; anything beyond rounding means another table. */
    private static final double SAME_EXCESS = 1e-9;

    static FamiliesInput read(String group, Path file, NeuronGroup table) {
        FamiliesFile.Families f = FamiliesFile.read(file);
        String expected = "expected the families.h5 of group " + group + "'s table " + table.file();
        for (String[] column : new String[][] {f.family(), f.familyFeature(), f.best(), f.runnerUp()}) {
            if (column == null) {
                throw new InputException(file + ": a string column (family, family_feature, best_feature or runner_up) is"
                        + " missing; expected a families file (" + FamiliesFile.FORMAT + ")");
            }
        }
        if (f.rows() == 0) {
            throw new InputException(file + ": no explained neuron; " + expected);
        }
        Map<Long, Integer> rows = new HashMap<>();
        for (int r = 0; r < table.size(); r++) {
            rows.put(key(table.layer[r], table.neuron[r]), r);
        }
        for (int i = 0; i < f.rows(); i++) {
            Integer r = rows.get(key(f.layer()[i], f.neuron()[i]));
            if (r == null) {
                throw new InputException(file + ": layer " + f.layer()[i] + " neuron " + f.neuron()[i] + " is not in "
                        + group + "'s table (" + table.nLayers + " layers x " + table.dMlp + " neurons); " + expected);
            }
            double e = f.excess()[i];
            if (!(Math.abs(e - table.excess[r]) <= SAME_EXCESS)) {
                throw new InputException(file + ": layer " + f.layer()[i] + " neuron " + f.neuron()[i] + " has excess_corr "
                        + e + ", but " + table.excess[r] + " in " + group + "'s table; " + expected);
            }
        }
        return new FamiliesInput(group, file, f);
    }

    private static long key(int layer, int neuron) {
        return ((long) layer << 32) | (neuron & 0xFFFFFFFFL);
    }
}
