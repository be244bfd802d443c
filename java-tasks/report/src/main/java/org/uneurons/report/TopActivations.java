package org.uneurons.report;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.exceptions.HdfException;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.io.Hdf5;

/**
 * The top-k activating tokens of every neuron, from a statistics file of the stats tool
 * ({@code uneurons-neuron-stats/1}): per neuron, values (best first), the index of the token shard in the
 * {@code shards} attribute, and the row in that shard's activation file (sequence-major, row = seq * ctx + pos;
 * -1 for a slot fewer than k tokens could fill).
 */
final class TopActivations {
    static final String WHAT = "a statistics file of the stats tool (format uneurons-neuron-stats/1)";

    final Path file;
    final String model;
    final int nLayers;
    final int dMlp;
    final long nTokens;
    final List<String> shards;
    final double[][] values;
    final int[][] sources;
    final long[][] rows;

    private TopActivations(Path file, String model, int nLayers, int dMlp, long nTokens, List<String> shards,
                           double[][] values, int[][] sources, long[][] rows) {
        this.file = file;
        this.model = model;
        this.nLayers = nLayers;
        this.dMlp = dMlp;
        this.nTokens = nTokens;
        this.shards = shards;
        this.values = values;
        this.sources = sources;
        this.rows = rows;
    }

    static TopActivations read(Path file) {
        try (HdfFile h = Hdf5.open(file)) {
            String format = Hdf5.stringAttribute(h, file, "format", WHAT);
            if (!format.equals("uneurons-neuron-stats/1")) {
                throw new InputException(file + ": format is '" + format + "', expected " + WHAT);
            }
            String model = Hdf5.stringAttribute(h, file, "model", WHAT);
            int nLayers = Hdf5.intAttribute(h, file, "n_layers", WHAT);
            int dMlp = Hdf5.intAttribute(h, file, "d_mlp", WHAT);
            Object nt = Hdf5.attribute(h, file, "n_tokens", WHAT);
            long nTokens = nt instanceof Number n ? n.longValue() : -1;
            List<String> shards = List.of(Hdf5.stringAttribute(h, file, "shards", WHAT).split(","));
            int n = nLayers * dMlp;
            double[][] values = matrix(h, file, "top_values", double[][].class, n);
            int[][] sources = matrix(h, file, "top_source", int[][].class, n);
            Object r = Hdf5.dataset(h, file, "/top_rows", WHAT).getData();
            long[][] rows;
            if (r instanceof long[][] l) {
                rows = l;
            } else if (r instanceof int[][] i) { // a writer that chose int32 rows
                rows = new long[i.length][];
                for (int a = 0; a < i.length; a++) {
                    rows[a] = Arrays.stream(i[a]).asLongStream().toArray();
                }
            } else {
                throw new InputException(file + ": /top_rows is not an integer [N, k] dataset (expected " + WHAT + ")");
            }
            if (rows.length != n) {
                throw new InputException(file + ": /top_rows has " + rows.length + " rows, expected n_layers * d_mlp = " + n);
            }
            for (int i = 0; i < n; i++) {
                if (values[i].length != sources[i].length || values[i].length != rows[i].length) {
                    throw new InputException(file + ": top_values, top_source and top_rows differ in k (expected " + WHAT + ")");
                }
                for (int s : sources[i]) {
                    if (s < 0 || s >= shards.size()) {
                        throw new InputException(file + ": top_source " + s + " of neuron row " + i
                                + " is outside the shards attribute (" + shards.size() + " shards)");
                    }
                }
            }
            return new TopActivations(file, model, nLayers, dMlp, nTokens, shards, values, sources, rows);
        } catch (HdfException e) {
            throw new InputException(file + ": cannot read (" + e.getMessage() + "), expected " + WHAT);
        }
    }

    private static <T> T matrix(HdfFile h, Path file, String name, Class<T> type, int n) {
        Dataset ds = Hdf5.dataset(h, file, "/" + name, WHAT);
        Object data = ds.getData();
        if (!type.isInstance(data)) {
            throw new InputException(file + ": /" + name + " is " + Hdf5.typeName(ds) + " with shape "
                    + Arrays.toString(ds.getDimensions()) + ", expected a 2-D dataset (" + WHAT + ")");
        }
        T m = type.cast(data);
        if (java.lang.reflect.Array.getLength(m) != n) {
            throw new InputException(file + ": /" + name + " has " + java.lang.reflect.Array.getLength(m)
                    + " rows, expected n_layers * d_mlp = " + n);
        }
        return m;
    }
}
