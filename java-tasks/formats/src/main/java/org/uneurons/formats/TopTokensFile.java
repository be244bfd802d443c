package org.uneurons.formats;

import java.nio.file.Path;

import org.uneurons.core.cli.InputException;
import org.uneurons.core.io.Hdf5Reader;
import org.uneurons.core.io.Hdf5Writer;

/**
 * top_tokens.h5 of the weights task: each neuron's k tokens of largest and of most negative W_U^T w_out, strongest
 * first. Rows are neurons, layer-major (row = layer * d_mlp + neuron), as in the statistics file. Attributes
 * {@code format}, {@code model}, {@code n_layers}, {@code d_mlp}, {@code k}, {@code vocab_size}; datasets
 * {@code /top_ids}, {@code /bottom_ids} int32 and {@code /top_values}, {@code /bottom_values} float32, [rows, k].
 */
public final class TopTokensFile {
    public static final String FORMAT = "uneurons-top-tokens/1";
    static final String WHAT = "top_tokens.h5 of the weights task (format " + FORMAT + ")";

    /** Per neuron row: ids and values, strongest first. */
    public record TopTokens(String model, int nLayers, int dMlp, int vocabSize, int[][] topIds, float[][] topValues,
                            int[][] bottomIds, float[][] bottomValues) {
    }

    private TopTokensFile() {
    }

    public static void write(Path file, TopTokens t) {
        try (Hdf5Writer h = Hdf5Writer.create(file)) {
            h.attribute("format", FORMAT).attribute("model", t.model()).attribute("n_layers", t.nLayers())
                    .attribute("d_mlp", t.dMlp()).attribute("k", t.topIds()[0].length)
                    .attribute("vocab_size", t.vocabSize());
            h.dataset("top_ids", t.topIds()).dataset("top_values", t.topValues());
            h.dataset("bottom_ids", t.bottomIds()).dataset("bottom_values", t.bottomValues());
        }
    }

    /** Reads and checks the file: shapes from its attributes, ids within the vocabulary. */
    public static TopTokens read(Path file) {
        try (Hdf5Reader h = Hdf5Reader.open(file)) {
            String format = h.string("format", WHAT);
            if (!FORMAT.equals(format)) {
                throw new InputException(file + ": format " + format + ", expected " + WHAT);
            }
            int nl = h.integer("n_layers", WHAT), m = h.integer("d_mlp", WHAT), k = h.integer("k", WHAT);
            int vocab = h.integer("vocab_size", WHAT);
            int n = nl * m;
            int[][] topIds = h.intMatrix("/top_ids", n, k, WHAT), bottomIds = h.intMatrix("/bottom_ids", n, k, WHAT);
            for (int[][] ids : new int[][][] {topIds, bottomIds}) {
                for (int r = 0; r < n; r++) {
                    for (int id : ids[r]) {
                        if (id < 0 || id >= vocab) {
                            throw new InputException(file + ": token id " + id + " in row " + r
                                    + " is outside the vocabulary [0, " + vocab + ")");
                        }
                    }
                }
            }
            return new TopTokens(h.string("model", WHAT), nl, m, vocab, topIds, floats(h, "/top_values", n, k),
                    bottomIds, floats(h, "/bottom_values", n, k));
        }
    }

    private static float[][] floats(Hdf5Reader h, String path, int n, int k) {
        float[] flat = new float[n * k];
        h.floatRows(path, 0, n, k, flat, 0);
        float[][] out = new float[n][k];
        for (int r = 0; r < n; r++) {
            System.arraycopy(flat, r * k, out[r], 0, k);
        }
        return out;
    }
}
