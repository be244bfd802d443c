package org.uneurons.report;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.uneurons.core.cli.InputException;
import org.uneurons.core.io.Hdf5Reader;
import org.uneurons.formats.CsvTable;

/**
 * One group's intervention tables as the intervene task wrote them (docs/output.md "Interventions"), and from
 * attention_points.h5, when the directory has it, the per-point data of the top attention pair (the first row of
 * attention.csv of kind attention) for a scatter; null without the file or without such a pair.
 */
record InterventionsInput(String group, Path dir, CsvTable entropy, CsvTable attention, CsvTable prediction,
                          TopPair topPair) {
    static final String POINTS_FORMAT = "uneurons-attention-points-1";

    /** One (neuron, head) pair's points: the neuron's activation and the two effects, as float32 in the file. */
    record TopPair(int row, float[] activation, float[] normEffect, float[] bosEffect) {
    }

    static InterventionsInput read(String group, Path dir) {
        CsvTable entropy = table(group, dir, "entropy.csv", "layer", "neuron", "kind", "value", "ln_frozen", "tokens",
                "loss", "entropy", "reciprocal_rank", "ln_scale");
        CsvTable attention = table(group, dir, "attention.csv", "layer", "neuron", "head_layer", "head", "kind",
                "bos_score", "bos_ratio", "points", "mean_activation", "mean_bos_prob_effect", "mean_norm_effect",
                "mean_frac_norm_effect", "pearson_norm", "spearman_norm", "pearson_bos", "spearman_bos");
        CsvTable prediction = table(group, dir, "prediction.csv", "layer", "neuron", "kind", "vocab_kurt", "vocab_skew",
                "active_tokens", "mean_activation", "delta_prob_boosted", "delta_prob_suppressed", "delta_loss");
        if (entropy.rows() == 0 || !entropy.string(0, "kind").equals("nominal")) {
            throw new InputException(entropy.file() + ": the first row must be the unchanged run (kind nominal)");
        }
        Path points = dir.resolve("attention_points.h5");
        TopPair top = Files.isRegularFile(points) ? topPair(points, attention) : null;
        return new InterventionsInput(group, dir, entropy, attention, prediction, top);
    }

    /** The file is checked to hold the pairs of attention.csv, in its order; then the first attention pair is read. */
    private static TopPair topPair(Path file, CsvTable attention) {
        try (Hdf5Reader r = Hdf5Reader.open(file)) {
            String what = "attention points of the intervene task (" + POINTS_FORMAT + ")";
            String format = r.string("format", what);
            if (!format.equals(POINTS_FORMAT)) {
                throw new InputException(file + ": format '" + format + "', expected " + POINTS_FORMAT);
            }
            int pairs = r.integer("n_pairs", what);
            if (pairs != attention.rows()) {
                throw new InputException(file + ": " + pairs + " pairs, but " + attention.file() + " has "
                        + attention.rows() + " (expected the files of one intervene task)");
            }
            if (pairs == 0) { // the intervene task writes no datasets then
                return null;
            }
            int[][] ids = r.intMatrix("pairs", pairs, 4, what);
            String[] columns = {"layer", "neuron", "head_layer", "head"};
            for (int p = 0; p < pairs; p++) {
                for (int c = 0; c < 4; c++) {
                    if (ids[p][c] != attention.integer(p, columns[c])) {
                        throw new InputException(file + ": pair " + p + " is " + Arrays.toString(ids[p])
                                + ", but line " + attention.line(p) + " of " + attention.file() + " is another pair"
                                + " (expected the files of one intervene task, in the same order)");
                    }
                }
            }
            int top = 0;
            while (top < pairs && !attention.string(top, "kind").equals("attention")) {
                top++;
            }
            if (top == pairs) {
                return null;
            }
            int[] shape = r.shape("activation", what);
            if (shape.length != 2 || shape[0] != pairs) {
                throw new InputException(file + ": /activation has shape " + Arrays.toString(shape)
                        + ", expected [" + pairs + ", points]");
            }
            return new TopPair(top, row(r, "activation", top, shape), row(r, "norm_effect", top, shape),
                    row(r, "bos_prob_effect", top, shape));
        }
    }

    private static float[] row(Hdf5Reader r, String name, int row, int[] shape) {
        int[] s = r.shape(name, "attention points");
        if (!Arrays.equals(s, shape)) {
            throw new InputException(r.file() + ": /" + name + " has shape " + Arrays.toString(s)
                    + ", expected " + Arrays.toString(shape) + " as /activation");
        }
        float[] out = new float[shape[1]];
        r.floatRows(name, row, 1, shape[1], out, 0);
        return out;
    }

    private static CsvTable table(String group, Path dir, String name, String... columns) {
        Path f = dir.resolve(name);
        if (!Files.isRegularFile(f)) {
            throw new InputException(f + ": no such file (--interventions " + group + "=" + dir
                    + " expects the intervene task's directory with entropy.csv, attention.csv and prediction.csv)");
        }
        CsvTable t = CsvTable.read(f, name + " of the intervene task", ',');
        t.require(columns);
        return t;
    }

    /** A number, or NaN for an empty field (not defined). */
    static double number(CsvTable t, int row, String column) {
        return t.string(row, column).isEmpty() ? Double.NaN : t.number(row, column);
    }
}
