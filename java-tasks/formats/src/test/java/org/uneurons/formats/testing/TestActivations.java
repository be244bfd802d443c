package org.uneurons.formats.testing;

import java.nio.file.Path;
import java.util.Map;

import java.util.Arrays;
import java.util.List;

import org.uneurons.formats.ActivationFile;

/** Writes small activation files in the shared format (BRIEF: Activations HDF5) for tests. */
public final class TestActivations {
    private TestActivations() {
    }

    /** {@code layers[l]} is [tokens x d] row-major. Extra attributes (tokenizer, bos_id...) from {@code attrs}. */
    public static Path write(Path file, String model, String shard, float[][] layers, int d, int[] tokenIds,
                             Map<String, Object> attrs) {
        return write(file, model, shard, layers, d, tokenIds, attrs, ActivationFile.Precision.FLOAT32);
    }

    public static Path write(Path file, String model, String shard, float[][] layers, int d, int[] tokenIds,
                             Map<String, Object> attrs, ActivationFile.Precision precision) {
        int tokens = tokenIds.length;
        int[] pos = new int[tokens];
        for (int t = 0; t < tokens; t++) {
            pos[t] = t % 16;
        }
        ActivationFile.Spec spec = new ActivationFile.Spec(model, shard, layers.length, d, precision,
                List.of(ActivationFile.MLP_POST));
        try (ActivationFile.Writer w = ActivationFile.Writer.create(file, spec)) {
            for (Map.Entry<String, Object> e : attrs.entrySet()) {
                w.attribute(e.getKey(), e.getValue());
            }
            // two appends, as extract writes batch by batch
            int half = tokens / 2;
            w.appendTokens(Arrays.copyOfRange(tokenIds, 0, half), Arrays.copyOfRange(pos, 0, half));
            w.appendTokens(Arrays.copyOfRange(tokenIds, half, tokens), Arrays.copyOfRange(pos, half, tokens));
            for (int l = 0; l < layers.length; l++) {
                w.append(ActivationFile.MLP_POST, l, layers[l], 0, half);
                w.append(ActivationFile.MLP_POST, l, layers[l], half * d, tokens - half);
            }
            w.finish();
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
