package org.uneurons.formats;

import java.nio.file.Path;
import java.util.Map;

import org.uneurons.core.cli.InputException;
import org.uneurons.core.io.AtomicOutput;
import org.uneurons.core.io.Hdf5;
import org.uneurons.core.io.Hdf5Reader;
import org.uneurons.core.io.Hdf5Writer;
import org.uneurons.core.stats.ActivationStats;
import org.uneurons.core.stats.PaperHistogram;
import org.uneurons.core.stats.TopK;

/**
 * The per-neuron statistics of one model (HDF5, {@code uneurons-neuron-stats/2}), written by stats-final; the
 * universality tool joins its columns into the neuron table ({@link #readColumns}), the report shows its top
 * activations ({@link #readTop}). Attributes: format, model, n_layers, d_mlp, columns (the per-neuron columns, comma-
 * separated, in order), n_tokens (tokens counted), skipped_unknown (tokens of the unknown id left out), top_k,
 * checkpoint (the checkpoint directory's name: never a path, so a rerun elsewhere writes the same bytes),
 * model_sha256 (the content hash of the checkpoint's weights, {@link Provenance}), act_freq_paper_edge. Datasets:
 * {@code shards} and {@code shard_sha256} string [k] (the order top_source indexes, and each shard's identity;
 * {@link ShardList}), {@code layer}, {@code neuron} int32 [N] (layer-major), one float64 [N] dataset per column,
 * {@code pre_hist} int64 [N, 257] (the paper's histogram of the pre-activation, {@link PaperHistogram}) with its
 * {@code pre_hist_edges} float32 [256], {@code top_values} float64 [N, k] (post-activation, best first),
 * {@code top_source} int32 [N, k] (index into shards), {@code top_rows} int64 [N, k] (row in that shard's activation
 * file; -1 where fewer than k tokens). Format 1 (no histogram, no skipped_unknown) is still read.
 */
public final class NeuronStatsFile {
    public static final String FORMAT = "uneurons-neuron-stats/2";
    static final String FORMAT_1 = "uneurons-neuron-stats/1";
    private static final String WHAT = "neuron statistics from stats-final";

    private NeuronStatsFile() {
    }

    /** {@link #write(Path, ActivationStats, Map, String, String)} with the statistics' own model hash (tests). */
    public static void write(Path target, ActivationStats act, Map<String, double[]> columns, String checkpoint) {
        write(target, act, columns, checkpoint, act.modelSha256());
    }

    /**
     * Writes the statistics of a model whose checkpoint is named {@code checkpoint} (a name, not a path) and whose
     * weights hash to {@code modelSha256} (null: not known).
     */
    public static void write(Path target, ActivationStats act, Map<String, double[]> columns, String checkpoint,
                             String modelSha256) {
        int n = act.nLayers() * act.dMlp();
        int[] layer = new int[n];
        int[] neuron = new int[n];
        for (int r = 0; r < n; r++) {
            layer[r] = r / act.dMlp();
            neuron[r] = r % act.dMlp();
        }
        TopK.Sorted top = act.top().sorted();
        double[][] tv = top.values();
        for (double[] row : tv) {
            for (int i = 0; i < row.length; i++) {
                if (row[i] == Double.NEGATIVE_INFINITY) {
                    row[i] = 0; // an unfilled slot (fewer than k tokens); its row is -1
                }
            }
        }
        try (AtomicOutput out = AtomicOutput.create(target)) {
            try (Hdf5Writer f = Hdf5Writer.create(out.temp())) {
                f.attribute("format", FORMAT)
                        .attribute("model", act.model())
                        .attribute("n_layers", act.nLayers())
                        .attribute("d_mlp", act.dMlp())
                        .attribute("columns", String.join(",", columns.keySet()))
                        .attribute("n_tokens", act.tokens())
                        .attribute("skipped_unknown", act.skippedUnknown())
                        .attribute("top_k", act.k())
                        .attribute("checkpoint", checkpoint)
                        .attribute("act_freq_paper_edge", ActivationStats.PAPER_EDGE);
                if (modelSha256 != null) {
                    f.attribute("model_sha256", Provenance.checkSha256(modelSha256, "model_sha256"));
                }
                ShardList.write(f, act.shards(), act.shardSha256());
                f.dataset("layer", layer).dataset("neuron", neuron);
                columns.forEach(f::dataset);
                f.streamed("pre_hist", Hdf5.Element.INT64, new long[] {n, PaperHistogram.BINS},
                        Hdf5.fromLongs(act.preHist()));
                f.dataset("pre_hist_edges", PaperHistogram.edges());
                f.dataset("top_values", tv).dataset("top_source", top.sources()).dataset("top_rows", top.rows());
            }
            out.commit();
        }
    }

    /** Opens a statistics file, checking its format attribute (this version's or format 1). */
    static Hdf5Reader open(Path file) {
        Hdf5Reader h = Hdf5Reader.open(file);
        String format = h.optionalString("format");
        if (!FORMAT.equals(format) && !FORMAT_1.equals(format)) {
            h.close();
            throw new InputException(file + ": not a neuron statistics file (format attribute is "
                    + (format == null ? "missing" : "'" + format + "'") + ", expected " + FORMAT + " or " + FORMAT_1 + ")");
        }
        return h;
    }

    /** The per-neuron columns, to join into a neuron table. */
    public static StatsColumns readColumns(Path file) {
        return StatsColumns.read(file);
    }

    /**
     * The paper's histogram, [n_layers * d_mlp * 257] flat (neuron i's count of bin b at {@code i * 257 + b}); a
     * format-1 file has none, which is an error here.
     */
    public static long[] readHistogram(Path file) {
        try (Hdf5Reader h = open(file)) {
            if (!h.exists("/pre_hist")) {
                throw new InputException(file + ": no /pre_hist (statistics of format " + FORMAT_1 + ", written before"
                        + " the histogram was kept)");
            }
            int n = h.integer("n_layers", WHAT) * h.integer("d_mlp", WHAT);
            return h.longsRowMajor("/pre_hist", n, PaperHistogram.BINS, WHAT);
        }
    }

    /** The top-k activating tokens of every neuron, for the report. */
    public static TopActivations readTop(Path file) {
        return TopActivations.read(file);
    }
}
