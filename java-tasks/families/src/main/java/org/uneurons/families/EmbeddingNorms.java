package org.uneurons.families;

import java.nio.file.Path;

import org.uneurons.core.io.CheckpointWeights;
import org.uneurons.formats.ModelConfig;
import org.uneurons.formats.WeightLayout;
import org.uneurons.formats.WeightSource;

/**
 * ‖W_E[v]‖ per token id as the paper's small_norm feature reads it (vocab_df.py: TransformerLens' W_E, whose rows
 * center_writing_weights has centred over d_model), in float64.
 */
final class EmbeddingNorms {
    private EmbeddingNorms() {
    }

    static double[] of(Path checkpoint, ModelConfig cfg) {
        try (CheckpointWeights w = CheckpointWeights.open(checkpoint)) {
            WeightSource src = WeightSource.of(w);
            float[] e = src.floats(WeightLayout.resolve(cfg, src).get("embed").stored());
            int d = cfg.dModel;
            double[] norms = new double[cfg.vocabSize];
            for (int v = 0; v < norms.length; v++) {
                double mean = 0;
                for (int i = 0; i < d; i++) {
                    mean += e[v * d + i];
                }
                mean /= d;
                double ss = 0;
                for (int i = 0; i < d; i++) {
                    double x = e[v * d + i] - mean;
                    ss += x * x;
                }
                norms[v] = Math.sqrt(ss);
            }
            return norms;
        }
    }
}
