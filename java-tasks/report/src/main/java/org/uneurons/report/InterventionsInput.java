package org.uneurons.report;

import java.nio.file.Files;
import java.nio.file.Path;

import org.uneurons.core.cli.InputException;
import org.uneurons.formats.CsvTable;

/** One group's intervention tables as the intervene task wrote them (docs/output.md "Interventions"). */
record InterventionsInput(String group, Path dir, CsvTable entropy, CsvTable attention, CsvTable prediction) {

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
        return new InterventionsInput(group, dir, entropy, attention, prediction);
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
