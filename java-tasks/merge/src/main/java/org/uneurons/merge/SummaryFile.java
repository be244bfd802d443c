package org.uneurons.merge;

import java.nio.file.Path;
import java.util.List;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import org.uneurons.core.io.AtomicOutput;
import org.uneurons.core.stats.Baselines;
import org.uneurons.core.stats.MomentShape;
import org.uneurons.core.stats.RowSummaries;
import org.uneurons.correlate.MomentsFile;

/**
 * The finalised correlations of one model pair, one row per neuron of a in the layer range (row =
 * (layer - first_layer_a) * d_mlp_a + neuron): {@code /layer}, {@code /neuron} int32; {@code /max_corr},
 * {@code /max_layer}, {@code /max_neuron}, {@code /min_corr}, {@code /mean_corr}; {@code /top_values} [rows, k]
 * float64 and {@code /top_indices} [rows, k] int32 (b neuron as layer * d_mlp_b + neuron, best first); per baseline
 * kind {@code /baseline/{kind}/max} [samples, rows] and {@code /baseline/{kind}/layer} [samples, rows] with
 * attributes seed and samples; optionally {@code /correlation/{layer_a}/{layer_b}} float32 [d_mlp_a, d_mlp_b].
 */
public final class SummaryFile {
    public static final String FORMAT = "uneurons-correlation-summary/1";

    /** A full-matrix block provider: correlation block of a's layer index (in range) and b's layer, as float32. */
    public interface Blocks {
        float[][] block(int indexA, int layerB);
    }

    private SummaryFile() {
    }

    public static void write(Path target, MomentsFile.Header h, RowSummaries s, List<Baselines> baselines, Blocks full) {
        MomentShape shape = h.shape();
        int rows = shape.neuronsA();
        int[] layer = new int[rows];
        int[] neuron = new int[rows];
        for (int r = 0; r < rows; r++) {
            layer[r] = shape.firstLayerA() + r / shape.dA();
            neuron[r] = r % shape.dA();
        }
        try (AtomicOutput out = AtomicOutput.create(target)) {
            try (WritableHdfFile f = HdfFile.write(out.temp())) {
                f.putAttribute("format", FORMAT);
                f.putAttribute("model_a", h.info().modelA());
                f.putAttribute("model_b", h.info().modelB());
                f.putAttribute("shard", String.join(",", h.info().shards()));
                f.putAttribute("n_tokens", h.n());
                f.putAttribute("n_layers_a", shape.nLayersA());
                f.putAttribute("d_mlp_a", shape.dA());
                f.putAttribute("first_layer_a", shape.firstLayerA());
                f.putAttribute("last_layer_a", shape.lastLayerA());
                f.putAttribute("n_layers_b", shape.nLayersB());
                f.putAttribute("d_mlp_b", shape.dB());
                f.putAttribute("filter_ids", h.info().filterIds());
                f.putAttribute("top_k", s.k);
                f.putDataset("layer", layer);
                f.putDataset("neuron", neuron);
                f.putDataset("max_corr", s.max);
                f.putDataset("max_layer", s.maxLayer);
                f.putDataset("max_neuron", s.maxNeuron);
                f.putDataset("min_corr", s.min);
                f.putDataset("mean_corr", s.mean);
                f.putDataset("top_values", s.topValues);
                f.putDataset("top_indices", s.topIndices);
                if (!baselines.isEmpty()) {
                    WritableGroup g = f.putGroup("baseline");
                    for (Baselines b : baselines) {
                        WritableGroup k = g.putGroup(b.kind.label);
                        k.putAttribute("seed", b.seed);
                        k.putAttribute("samples", b.max.length);
                        k.putDataset("max", b.max);
                        k.putDataset("layer", b.maxLayer);
                    }
                }
                if (full != null) {
                    WritableGroup g = f.putGroup("correlation");
                    for (int la = 0; la < shape.layersInRangeA(); la++) {
                        WritableGroup ga = g.putGroup(Integer.toString(shape.firstLayerA() + la));
                        for (int lb = 0; lb < shape.nLayersB(); lb++) {
                            ga.putDataset(Integer.toString(lb), full.block(la, lb));
                        }
                    }
                }
            }
            out.commit();
        }
    }
}
