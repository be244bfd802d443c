package org.uneurons.formats;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.uneurons.core.cli.InputException;
import org.uneurons.core.io.Hdf5Reader;

/**
 * The per-neuron columns of a statistics file ({@link NeuronStatsFile}): the root attribute {@code columns} lists,
 * comma-separated, the float64 [n_layers * d_mlp] datasets that join the neuron table, rows in layer-major order as
 * {@code /layer} and {@code /neuron} say; {@code modelSha256} is the content hash of the model's weights (null in
 * files of earlier versions).
 */
public record StatsColumns(Path file, String model, String modelSha256, int nLayers, int dMlp,
                           Map<String, double[]> columns) {
    private static final String WHAT = "neuron statistics from the stats tool";

    static StatsColumns read(Path file) {
        try (Hdf5Reader h = NeuronStatsFile.open(file)) {
            String model = h.string("model", WHAT);
            int nLayers = h.integer("n_layers", WHAT);
            int dMlp = h.integer("d_mlp", WHAT);
            int rows = nLayers * dMlp;
            checkRowOrder(h, rows, dMlp);
            Map<String, double[]> cols = new LinkedHashMap<>();
            for (String name : h.string("columns", WHAT).split(",")) {
                double[] v = h.doubles("/" + name, rows, WHAT);
                for (int r = 0; r < rows; r++) {
                    if (!Double.isFinite(v[r])) {
                        throw new InputException(file + ": /" + name + " of layer " + r / dMlp + " neuron " + r % dMlp
                                + " is " + v[r] + ", expected a finite number");
                    }
                }
                cols.put(name, v);
            }
            return new StatsColumns(file, model, Provenance.readSha256(h, "model_sha256"), nLayers, dMlp, cols);
        }
    }

    private static void checkRowOrder(Hdf5Reader h, int rows, int dMlp) {
        long[] layer = h.integersFlat("/layer", WHAT);
        long[] neuron = h.integersFlat("/neuron", WHAT);
        if (layer.length != rows || neuron.length != rows) {
            throw new InputException(h.file() + ": /layer and /neuron have " + layer.length + " and " + neuron.length
                    + " rows, expected n_layers * d_mlp = " + rows);
        }
        for (int r = 0; r < rows; r++) {
            if (layer[r] != r / dMlp || neuron[r] != r % dMlp) {
                throw new InputException(h.file() + ": row " + r + " is layer " + layer[r] + " neuron " + neuron[r]
                        + ", expected layer-major order");
            }
        }
    }

    /** Appends the statistics columns to the neuron table of the same model (names must not clash). */
    public void joinInto(NeuronTable t) {
        if (!model.equals(t.model())) {
            throw new InputException(file + ": statistics of model '" + model + "', but the neuron table is of '"
                    + t.model() + "'");
        }
        if (nLayers != t.nLayers() || dMlp != t.dMlp()) {
            throw new InputException(file + ": " + model + " is " + nLayers + " x " + dMlp + " here but "
                    + t.nLayers() + " x " + t.dMlp() + " in the correlation summaries");
        }
        List<String> clash = new ArrayList<>();
        for (String c : columns.keySet()) {
            if (t.has(c)) {
                clash.add(c);
            }
        }
        if (!clash.isEmpty()) {
            throw new InputException(file + ": columns " + clash + " are already in the neuron table");
        }
        columns.forEach(t::put);
    }
}
