package org.uneurons.universality;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.exceptions.HdfException;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.io.Hdf5;

/**
 * The per-neuron columns of a statistics file written by the stats tool ({@code uneurons-neuron-stats/1}): the
 * root attribute {@code columns} lists, comma-separated, the float64 [n_layers * d_mlp] datasets that join the
 * neuron table, rows in layer-major order as {@code /layer} and {@code /neuron} say.
 */
public record StatsColumns(Path file, String model, int nLayers, int dMlp, Map<String, double[]> columns) {
    public static final String FORMAT = "uneurons-neuron-stats/1";
    private static final String WHAT = "neuron statistics from the stats tool";

    public static StatsColumns read(Path file) {
        try (HdfFile h = Hdf5.open(file)) {
            io.jhdf.api.Attribute fa = h.getAttribute("format");
            Object format = fa == null ? null : fa.getData();
            if (!FORMAT.equals(format)) {
                throw new InputException(file + ": not a neuron statistics file (format attribute is "
                        + (format == null ? "missing" : "'" + format + "'") + ", expected " + FORMAT + ")");
            }
            String model = Hdf5.stringAttribute(h, file, "model", WHAT);
            int nLayers = Hdf5.intAttribute(h, file, "n_layers", WHAT);
            int dMlp = Hdf5.intAttribute(h, file, "d_mlp", WHAT);
            int rows = nLayers * dMlp;
            long[] layer = Hdf5.longsFlat(Hdf5.dataset(h, file, "/layer", WHAT));
            long[] neuron = Hdf5.longsFlat(Hdf5.dataset(h, file, "/neuron", WHAT));
            if (layer.length != rows || neuron.length != rows) {
                throw new InputException(file + ": /layer and /neuron have " + layer.length + " and " + neuron.length
                        + " rows, expected n_layers * d_mlp = " + rows);
            }
            for (int r = 0; r < rows; r++) {
                if (layer[r] != r / dMlp || neuron[r] != r % dMlp) {
                    throw new InputException(file + ": row " + r + " is layer " + layer[r] + " neuron " + neuron[r]
                            + ", expected layer-major order");
                }
            }
            Map<String, double[]> cols = new LinkedHashMap<>();
            for (String name : Hdf5.stringAttribute(h, file, "columns", WHAT).split(",")) {
                Dataset d = Hdf5.dataset(h, file, "/" + name, WHAT);
                Object data = d.getData();
                if (!(data instanceof double[] v) || v.length != rows) {
                    throw new InputException(file + ": /" + name + " has shape " + Arrays.toString(d.getDimensions())
                            + ", expected float64 [" + rows + "]");
                }
                for (int r = 0; r < rows; r++) {
                    if (!Double.isFinite(v[r])) {
                        throw new InputException(file + ": /" + name + " of layer " + r / dMlp + " neuron " + r % dMlp
                                + " is " + v[r] + ", expected a finite number");
                    }
                }
                cols.put(name, v);
            }
            return new StatsColumns(file, model, nLayers, dMlp, cols);
        } catch (HdfException e) {
            throw new InputException(file + ": unreadable statistics file (" + e.getMessage() + ")");
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
