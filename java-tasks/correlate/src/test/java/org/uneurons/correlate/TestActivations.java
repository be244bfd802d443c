package org.uneurons.correlate;

import java.nio.file.Path;
import java.util.Map;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;

/** Writes small activation files in the shared format (BRIEF: Activations HDF5) for tests. */
public final class TestActivations {
    private TestActivations() {
    }

    /** {@code layers[l]} is [tokens x d] row-major. Extra attributes (tokenizer, bos_id...) from {@code attrs}. */
    public static Path write(Path file, String model, String shard, float[][] layers, int d, int[] tokenIds,
                             Map<String, Object> attrs) {
        int tokens = tokenIds.length;
        try (WritableHdfFile f = HdfFile.write(file)) {
            f.putAttribute("model", model);
            f.putAttribute("shard", shard);
            f.putAttribute("n_layers", layers.length);
            f.putAttribute("d_mlp", d);
            for (Map.Entry<String, Object> e : attrs.entrySet()) {
                f.putAttribute(e.getKey(), e.getValue());
            }
            WritableGroup g = f.putGroup("mlp_post");
            for (int l = 0; l < layers.length; l++) {
                float[][] x = new float[tokens][d];
                for (int t = 0; t < tokens; t++) {
                    System.arraycopy(layers[l], t * d, x[t], 0, d);
                }
                g.putDataset(Integer.toString(l), x);
            }
            f.putDataset("token_ids", tokenIds);
            int[] pos = new int[tokens];
            for (int t = 0; t < tokens; t++) {
                pos[t] = t % 16;
            }
            f.putDataset("positions", pos);
        }
        return file;
    }

    /** Token ids with GPT-2's 50256 at every sequence start (ctx 16) and some newlines (198). */
    public static int[] gpt2LikeIds(int tokens, long seed) {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        int[] ids = new int[tokens];
        for (int t = 0; t < tokens; t++) {
            ids[t] = t % 16 == 0 ? 50256 : (rng.nextInt(10) == 0 ? 198 : 1000 + rng.nextInt(5000));
        }
        return ids;
    }
}
