package org.uneurons.report;

import java.nio.file.Files;
import java.nio.file.Path;

import org.uneurons.core.cli.InputException;
import org.uneurons.formats.CsvTable;
import org.uneurons.formats.NeuronStatsFile;
import org.uneurons.formats.TopActivations;
import org.uneurons.formats.TopTokensFile;

/**
 * What the neuron browser shows of one group's table model. Every part but {@code table} is null when its input
 * was not given: {@code top} and {@code histogram} come from the group's statistics file, {@code roles} and
 * {@code tokens} from the model's weights task directory (found by the model's name), {@code families} from the
 * group's families file. Each is checked to have the table's shape.
 *
 * @param model     the table model's name (the statistics or families file's {@code model}), or null
 * @param histogram the pre-activation histogram, flat [rows * 257] (neuron row i at i * 257)
 */
record BrowserGroup(NeuronGroup table, String model, TopActivations top, long[] histogram, FamiliesInput families,
                    CsvTable roles, TopTokensFile.TopTokens tokens) {

    /** Neuron row of (layer, neuron) in the layer-major files: layer * d_mlp + neuron. */
    int row(int layer, int neuron) {
        return layer * table.dMlp + neuron;
    }

    /** {@code rolesDirs}: each model's weights task directory, by model name (the group's is found by its model). */
    static BrowserGroup read(NeuronGroup table, Path stats, FamiliesInput families, java.util.Map<String, Path> rolesDirs) {
        TopActivations top = null;
        long[] histogram = null;
        String model = families == null ? null : String.valueOf(families.data().attributes().get("model"));
        if (stats != null) {
            top = NeuronStatsFile.readTop(stats);
            if (top.nLayers != table.nLayers || top.dMlp != table.dMlp) {
                throw new InputException(stats + ": statistics of " + top.model + " (" + top.nLayers + " x " + top.dMlp
                        + " neurons), but " + table.file() + " (" + table.label + ") has " + table.nLayers + " x "
                        + table.dMlp + "; expected that group's statistics file");
            }
            histogram = NeuronStatsFile.readHistogram(stats);
            model = top.model;
        }
        Path dir = model == null ? null : rolesDirs.get(model);
        CsvTable roles = dir == null ? null : roles(dir.resolve("roles.csv"), table);
        Path tokensFile = dir == null ? null : dir.resolve("top_tokens.h5");
        TopTokensFile.TopTokens tokens = null;
        if (tokensFile != null && Files.exists(tokensFile)) { // weights directories of earlier versions lack it
            tokens = TopTokensFile.read(tokensFile);
            if (tokens.nLayers() != table.nLayers || tokens.dMlp() != table.dMlp) {
                throw new InputException(tokensFile + ": " + tokens.nLayers() + " x " + tokens.dMlp() + " neurons, but "
                        + table.file() + " (" + table.label + ") has " + table.nLayers + " x " + table.dMlp
                        + "; expected the weights task directory of model " + model);
            }
        }
        return new BrowserGroup(table, model, top, histogram, families, roles, tokens);
    }

    /** roles.csv with one row per neuron of the table, layer-major. */
    private static CsvTable roles(Path file, NeuronGroup table) {
        CsvTable t = CsvTable.read(file, "roles.csv of the weights task", ',');
        t.require("layer", "neuron", "role");
        if (t.rows() != table.nLayers * table.dMlp) {
            throw new InputException(file + ": " + t.rows() + " neuron rows, but " + table.file() + " (" + table.label
                    + ") has " + table.nLayers + " x " + table.dMlp + "; expected the roles of that group's model");
        }
        int[] layer = t.integers("layer"), neuron = t.integers("neuron");
        for (int r = 0; r < t.rows(); r++) {
            if (layer[r] != r / table.dMlp || neuron[r] != r % table.dMlp) {
                throw new InputException(file + ": line " + t.line(r) + " is layer " + layer[r] + " neuron " + neuron[r]
                        + ", expected " + r / table.dMlp + " " + r % table.dMlp + " (rows layer-major, in order)");
            }
        }
        return t;
    }
}
