package org.uneurons.intervene;

import java.nio.file.Path;

import org.uneurons.core.cli.InputException;
import org.uneurons.formats.CsvTable;

/**
 * The columns of a model's roles.csv (the weights task) that choose the neurons to test, checked against the
 * model's shape: one row per neuron, layer-major.
 */
record RolesTable(int nLayers, int dMlp, String[] role, boolean[] entropyCandidate, double[] nullFraction,
                  double[] l2Penalty, double[] vocabVar, double[] vocabKurt, double[] vocabSkew, int[] bosLayer,
                  int[] bosHead, double[] bosScore, double[] bosRatio) {
    static final String WHAT = "roles.csv of the weights task";

    static RolesTable read(Path file, int nLayers, int dMlp) {
        CsvTable t = CsvTable.read(file, WHAT, ',');
        t.require("layer", "neuron", "role", "entropy_candidate", "null_fraction", "l2_penalty", "vocab_var", "vocab_kurt",
                "vocab_skew", "bos_layer", "bos_head", "bos_score", "bos_ratio");
        int n = nLayers * dMlp;
        if (t.rows() != n) {
            throw new InputException(file + ": " + t.rows() + " neuron rows, the checkpoint has " + nLayers + " x " + dMlp
                    + " = " + n + " neurons (roles.csv of another model?)");
        }
        String[] role = new String[n];
        boolean[] cand = new boolean[n];
        int[] bosLayer = new int[n];
        int[] bosHead = new int[n];
        double[] bosScore = new double[n];
        double[] bosRatio = new double[n];
        for (int i = 0; i < n; i++) {
            if (t.integer(i, "layer") != i / dMlp || t.integer(i, "neuron") != i % dMlp) {
                throw new InputException(file + ": line " + t.line(i) + " is neuron L" + t.string(i, "layer") + "."
                        + t.string(i, "neuron") + ", expected L" + i / dMlp + "." + i % dMlp + " (rows layer-major)");
            }
            role[i] = t.string(i, "role");
            cand[i] = Boolean.parseBoolean(t.string(i, "entropy_candidate"));
            boolean hasHead = !t.string(i, "bos_head").isEmpty();
            bosLayer[i] = hasHead ? t.integer(i, "bos_layer") : -1;
            bosHead[i] = hasHead ? t.integer(i, "bos_head") : -1;
            bosScore[i] = hasHead ? t.number(i, "bos_score") : Double.NaN;
            bosRatio[i] = hasHead ? t.number(i, "bos_ratio") : Double.NaN;
            if (hasHead && (bosLayer[i] <= i / dMlp || bosLayer[i] >= nLayers)) {
                throw new InputException(file + ": line " + t.line(i) + ": bos_layer " + bosLayer[i] + " is not a layer after "
                        + i / dMlp + " of this " + nLayers + "-layer model");
            }
        }
        return new RolesTable(nLayers, dMlp, role, cand, t.numbers("null_fraction"), t.numbers("l2_penalty"),
                t.numbers("vocab_var"), t.numbers("vocab_kurt"), t.numbers("vocab_skew"), bosLayer, bosHead, bosScore,
                bosRatio);
    }

    int layer(int i) {
        return i / dMlp;
    }

    int neuron(int i) {
        return i % dMlp;
    }
}
