package org.uneurons.formats;

import java.nio.file.Path;
import java.util.List;

import org.uneurons.core.cli.InputException;
import org.uneurons.core.io.Hdf5Reader;

/**
 * The top-k activating tokens of every neuron, from a statistics file ({@link NeuronStatsFile}): per neuron, values
 * (best first), the index of the token shard in the {@code shards} attribute, and the row in that shard's activation
 * file (sequence-major, row = seq * ctx + pos; -1 for a slot fewer than k tokens could fill).
 */
public final class TopActivations {
    static final String WHAT = "a statistics file of stats-final (format " + NeuronStatsFile.FORMAT + ")";

    public final Path file;
    public final String model;
    public final int nLayers;
    public final int dMlp;
    public final long nTokens;
    public final List<String> shards;
    public final double[][] values;
    public final int[][] sources;
    public final long[][] rows;

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
        try (Hdf5Reader h = NeuronStatsFile.open(file)) {
            String model = h.string("model", WHAT);
            int nLayers = h.integer("n_layers", WHAT);
            int dMlp = h.integer("d_mlp", WHAT);
            Number nt = h.optionalNumber("/", "n_tokens");
            List<String> shards = ShardList.read(h, "shards", WHAT);
            int n = nLayers * dMlp;
            int k = h.shape("/top_values", WHAT).length == 2 ? h.shape("/top_values", WHAT)[1] : -1;
            double[][] values = h.doubleMatrix("/top_values", n, k, WHAT);
            int[][] sources = h.intMatrix("/top_source", n, k, WHAT);
            long[][] rows = h.longMatrix("/top_rows", n, k, WHAT);
            for (int i = 0; i < n; i++) {
                for (int s : sources[i]) {
                    if (s < 0 || s >= shards.size()) {
                        throw new InputException(file + ": top_source " + s + " of neuron row " + i
                                + " is outside the shards attribute (" + shards.size() + " shards)");
                    }
                }
            }
            return new TopActivations(file, model, nLayers, dMlp, nt == null ? -1 : nt.longValue(), shards, values,
                    sources, rows);
        }
    }
}
