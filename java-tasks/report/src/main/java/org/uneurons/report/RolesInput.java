package org.uneurons.report;

import java.nio.file.Files;
import java.nio.file.Path;

import org.uneurons.core.cli.InputException;
import org.uneurons.formats.CsvTable;

/**
 * One model's functional roles as the weights task wrote them (docs/output.md "Functional roles"): from
 * roles_layers.csv the per-layer role counts and the percentiles of vocab_kurt and vocab_skew.
 *
 * @param counts [layer][role] in the order of {@link #ROLES}
 * @param kurt   [layer][percentile] in the order of {@link #PERCENTILES}
 */
record RolesInput(String model, Path dir, int layers, int[][] counts, double[][] kurt, double[][] skew) {
    static final String[] ROLES = {"prediction", "suppression", "partition", "entropy_candidates", "attention_candidates"};
    static final int[] PERCENTILES = {5, 10, 50, 90, 95};

    static RolesInput read(String model, Path dir) {
        Path roles = dir.resolve("roles.csv");
        Path layersFile = dir.resolve("roles_layers.csv");
        for (Path f : new Path[] {roles, layersFile}) {
            if (!Files.isRegularFile(f)) {
                throw new InputException(f + ": no such file (--roles " + model + "=" + dir
                        + " expects the weights task's directory with roles.csv and roles_layers.csv)");
            }
        }
        CsvTable t = CsvTable.read(layersFile, "roles_layers.csv of the weights task", ',');
        t.require(ROLES);
        for (String stat : new String[] {"vocab_kurt", "vocab_skew"}) {
            for (int p : PERCENTILES) {
                t.require(stat + "_p" + p);
            }
        }
        int n = t.rows();
        if (n == 0) {
            throw new InputException(layersFile + ": no layer rows");
        }
        int[][] counts = new int[n][ROLES.length];
        double[][] kurt = new double[n][PERCENTILES.length];
        double[][] skew = new double[n][PERCENTILES.length];
        for (int r = 0; r < n; r++) {
            if (t.integer(r, "layer") != r) {
                throw new InputException(layersFile + ": line " + t.line(r) + " is layer " + t.string(r, "layer")
                        + ", expected " + r + " (one row per layer, in order)");
            }
            for (int k = 0; k < ROLES.length; k++) {
                counts[r][k] = t.integer(r, ROLES[k]);
            }
            for (int k = 0; k < PERCENTILES.length; k++) {
                kurt[r][k] = t.number(r, "vocab_kurt_p" + PERCENTILES[k]);
                skew[r][k] = t.number(r, "vocab_skew_p" + PERCENTILES[k]);
            }
        }
        return new RolesInput(model, dir, n, counts, kurt, skew);
    }
}
