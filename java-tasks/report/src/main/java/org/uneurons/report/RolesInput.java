package org.uneurons.report;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.uneurons.core.cli.InputException;
import org.uneurons.formats.CsvTable;
import org.uneurons.formats.ModelConfig;

/**
 * One model's functional roles as the weights task wrote them (docs/output.md "Functional roles"): from
 * roles_layers.csv the per-layer role counts and the percentiles of vocab_kurt and vocab_skew; from roles.csv the
 * strongest entropy and attention-deactivation candidates. The two files are checked against each other (the
 * candidates per layer in roles.csv are the counts of roles_layers.csv) and against the model's config when the
 * model is a {@code --model} of the report, so files of another model or run are refused with one line.
 *
 * @param counts    [layer][role] in the order of {@link #ROLES}
 * @param kurt      [layer][percentile] in the order of {@link #PERCENTILES}
 * @param attention the attention candidates, largest bos_ratio first, at most {@link #TOP_CANDIDATES}
 * @param entropy   the entropy candidates, largest null_fraction first, at most {@link #TOP_CANDIDATES}
 */
record RolesInput(String model, Path dir, int layers, int dMlp, int[][] counts, double[][] kurt, double[][] skew,
                  List<Candidate> attention, List<Candidate> entropy) {
    static final String[] ROLES = {"prediction", "suppression", "partition", "entropy_candidates", "attention_candidates"};
    static final int[] PERCENTILES = {5, 10, 50, 90, 95};
    static final int TOP_CANDIDATES = 3;
    private static final String[] BOS = {"bos_layer", "bos_head", "bos_score", "bos_ratio"};

    /** A neuron of roles.csv; its BOS head fields are -1 / NaN for a last-layer neuron. */
    record Candidate(int layer, int neuron, int headLayer, int head, double score, double ratio, double nullFraction) {
    }

    /** Reads both files; {@code config} is the model's config when the report has it (null: not checked). */
    static RolesInput read(String model, Path dir, ModelConfig config) {
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
        if (config != null && n != config.nLayers) {
            throw new InputException(layersFile + ": " + n + " layers, but model " + model + " has " + config.nLayers
                    + " (expected the weights task's directory of that model)");
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
        Neurons neurons = neurons(CsvTable.read(roles, "roles.csv of the weights task", ','), n, counts, config, model);
        return new RolesInput(model, dir, n, neurons.dMlp, counts, kurt, skew, neurons.attention, neurons.entropy);
    }

    private record Neurons(int dMlp, List<Candidate> attention, List<Candidate> entropy) {
    }

    /**
     * roles.csv's candidates: one row per neuron, layer-major, as many layers as roles_layers.csv; the BOS fields
     * empty exactly for the last layer; per layer as many candidates of each kind as roles_layers.csv counts.
     */
    private static Neurons neurons(CsvTable t, int layers, int[][] counts, ModelConfig config, String model) {
        t.require("layer", "neuron", "null_fraction", "entropy_candidate", "bos_layer", "bos_head", "bos_score",
                "bos_ratio", "attention_candidate");
        if (t.rows() == 0 || t.rows() % layers != 0) {
            throw new InputException(t.file() + ": " + t.rows() + " neuron rows, not a multiple of the " + layers
                    + " layers of roles_layers.csv (expected both files of one weights task)");
        }
        int dMlp = t.rows() / layers;
        if (config != null && dMlp != config.dMlp) {
            throw new InputException(t.file() + ": " + dMlp + " neurons per layer, but model " + model + " has "
                    + config.dMlp + " (expected the weights task's directory of that model)");
        }
        List<Candidate> attention = new ArrayList<>(), entropy = new ArrayList<>();
        int[][] found = new int[layers][2];
        for (int r = 0; r < t.rows(); r++) {
            int layer = r / dMlp;
            if (t.integer(r, "layer") != layer || t.integer(r, "neuron") != r % dMlp) {
                throw new InputException(t.file() + ": line " + t.line(r) + " is neuron " + t.string(r, "layer") + "."
                        + t.string(r, "neuron") + ", expected " + layer + "." + (r % dMlp) + " (layer-major, every neuron)");
            }
            Candidate c = candidate(t, r, layer, layers);
            if (flag(t, r, "entropy_candidate")) {
                found[layer][0]++;
                entropy.add(c);
            }
            if (flag(t, r, "attention_candidate")) {
                if (!(c.score() > 0 && c.ratio() > 1)) {
                    throw new InputException(t.file() + ": line " + t.line(r) + " is an attention candidate with bos_score "
                            + t.string(r, "bos_score") + " and bos_ratio " + t.string(r, "bos_ratio")
                            + " (a candidate needs bos_score > 0 and bos_ratio > 1)");
                }
                found[layer][1]++;
                attention.add(c);
            }
        }
        for (int l = 0; l < layers; l++) {
            if (found[l][0] != counts[l][3] || found[l][1] != counts[l][4]) {
                throw new InputException(t.file() + ": layer " + l + " has " + found[l][0] + " entropy and " + found[l][1]
                        + " attention candidates, roles_layers.csv counts " + counts[l][3] + " and " + counts[l][4]
                        + " (expected both files of one weights task)");
            }
        }
        attention.sort(Comparator.comparingDouble(Candidate::ratio).reversed());
        entropy.sort(Comparator.comparingDouble(Candidate::nullFraction).reversed());
        return new Neurons(dMlp, List.copyOf(attention.subList(0, Math.min(TOP_CANDIDATES, attention.size()))),
                List.copyOf(entropy.subList(0, Math.min(TOP_CANDIDATES, entropy.size()))));
    }

    /** A row as a candidate; the four BOS fields are empty for the last layer (no later head) and numbers elsewhere. */
    private static Candidate candidate(CsvTable t, int r, int layer, int layers) {
        boolean last = layer == layers - 1;
        for (String c : BOS) {
            if (t.string(r, c).isEmpty() != last) {
                throw new InputException(t.file() + ": line " + t.line(r) + ", column '" + c + "' is "
                        + (last ? "'" + t.string(r, c) + "', expected empty (a last-layer neuron has no later head)"
                        : "empty, expected a value (only last-layer neurons have no later head)"));
            }
        }
        double nullFraction = t.number(r, "null_fraction");
        if (last) {
            return new Candidate(layer, r % (t.rows() / layers), -1, -1, Double.NaN, Double.NaN, nullFraction);
        }
        int headLayer = t.integer(r, "bos_layer");
        if (headLayer <= layer || headLayer >= layers) {
            throw new InputException(t.file() + ": line " + t.line(r) + ", bos_layer " + headLayer + " is not a layer after "
                    + layer + " (of " + layers + ")");
        }
        return new Candidate(layer, r % (t.rows() / layers), headLayer, t.integer(r, "bos_head"),
                t.number(r, "bos_score"), t.number(r, "bos_ratio"), nullFraction);
    }

    private static boolean flag(CsvTable t, int r, String column) {
        String v = t.string(r, column);
        if (!v.equals("true") && !v.equals("false")) {
            throw new InputException(t.file() + ": line " + t.line(r) + ", column '" + column + "': '" + v
                    + "', expected true or false");
        }
        return v.equals("true");
    }
}
