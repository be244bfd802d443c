package org.uneurons.stats;

import java.nio.file.Path;
import java.util.Map;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import org.uneurons.core.io.AtomicOutput;

/**
 * The per-neuron statistics of one model (HDF5, {@code uneurons-neuron-stats/1}), what the universality tool joins
 * into the neuron table. Attributes: format, model, n_layers, d_mlp, columns (the per-neuron columns, comma-
 * separated, in order), n_tokens, shards (comma-separated, the order top_source indexes), top_k, checkpoint,
 * act_freq_paper_edge. Datasets: {@code layer}, {@code neuron} int32 [N] (layer-major), one float64 [N] dataset per
 * column, {@code top_values} float64 [N, k] (post-activation, best first), {@code top_source} int32 [N, k] (index
 * into shards), {@code top_rows} int64 [N, k] (row in that shard's activation file; -1 where fewer than k tokens).
 */
public final class StatsFile {
    public static final String FORMAT = "uneurons-neuron-stats/1";

    private StatsFile() {
    }

    public static void write(Path target, ActivationStats act, Map<String, double[]> columns, String checkpoint) {
        int n = act.nLayers * act.dMlp;
        int[] layer = new int[n];
        int[] neuron = new int[n];
        for (int r = 0; r < n; r++) {
            layer[r] = r / act.dMlp;
            neuron[r] = r % act.dMlp;
        }
        TopK.Sorted top = act.top.sorted();
        double[][] tv = top.values();
        for (double[] row : tv) {
            for (int i = 0; i < row.length; i++) {
                if (row[i] == Double.NEGATIVE_INFINITY) {
                    row[i] = 0; // an unfilled slot (fewer than k tokens); its row is -1
                }
            }
        }
        try (AtomicOutput out = AtomicOutput.create(target)) {
            try (WritableHdfFile f = HdfFile.write(out.temp())) {
                f.putAttribute("format", FORMAT);
                f.putAttribute("model", act.model);
                f.putAttribute("n_layers", act.nLayers);
                f.putAttribute("d_mlp", act.dMlp);
                f.putAttribute("columns", String.join(",", columns.keySet()));
                f.putAttribute("n_tokens", act.tokens());
                f.putAttribute("shards", String.join(",", act.shards));
                f.putAttribute("top_k", act.k());
                f.putAttribute("checkpoint", checkpoint);
                f.putAttribute("act_freq_paper_edge", ActivationStats.PAPER_EDGE);
                f.putDataset("layer", layer);
                f.putDataset("neuron", neuron);
                columns.forEach(f::putDataset);
                f.putDataset("top_values", tv);
                f.putDataset("top_source", top.sources());
                f.putDataset("top_rows", top.rows());
            }
            out.commit();
        }
    }
}
