package org.uneurons.formats;

import java.nio.file.Path;
import java.util.List;

import org.uneurons.core.cli.InputException;
import org.uneurons.core.io.AtomicOutput;
import org.uneurons.core.io.Hdf5;
import org.uneurons.core.io.Hdf5Reader;
import org.uneurons.core.io.Hdf5Writer;
import org.uneurons.core.stats.Baselines;
import org.uneurons.core.stats.MomentShape;
import org.uneurons.core.stats.RowSummaries;
import org.uneurons.formats.MomentsFile;

/**
 * The finalised correlations of one model pair, one row per neuron of a in the layer range (row =
 * (layer - first_layer_a) * d_mlp_a + neuron): {@code /layer}, {@code /neuron} int32; {@code /max_corr},
 * {@code /max_layer}, {@code /max_neuron} (-1: no live partner), {@code /min_r_over_b}, {@code /mean_r_over_b} (over
 * every neuron of b); {@code /top_values} [rows, k] float64 and {@code /top_indices} [rows, k] int32 (b neuron as
 * layer * d_mlp_b + neuron, best first; -1 for an empty slot); {@code /dead_a} int8 [rows] and {@code /dead_b} int8
 * [n_layers_b * d_mlp_b] (1: the neuron is constant on the analysed tokens, {@link RowSummaries}); per baseline kind
 * {@code /baseline/{kind}/max} [samples, rows] and {@code /baseline/{kind}/layer} [samples, rows] with attributes
 * seed and samples; optionally {@code /correlation/{layer_a}/{layer_b}} float32 [d_mlp_a, d_mlp_b], each computed
 * when the file is written (one block in memory at a time); {@code /shards} and {@code /shard_sha256}
 * ({@link ShardList}). Attributes: format, model_a, model_b, model_a_sha256, model_b_sha256 ({@link Provenance}),
 * n_tokens, n_layers_a, d_mlp_a, first_layer_a, last_layer_a, n_layers_b, d_mlp_b, filter_ids, top_k. Files of
 * earlier versions lack the hashes and the dead flags (read as unknown and alive).
 */
public final class CorrelationSummaryFile {
    /** Version 2 renamed /min_corr and /mean_corr to /min_r_over_b and /mean_r_over_b; version 1 is still read. */
    public static final String FORMAT = "uneurons-correlation-summary/2";
    static final String FORMAT_1 = "uneurons-correlation-summary/1";
    private static final String WHAT = "correlation summary from finalise";

    /** A full-matrix block provider: correlation block of a's layer index (in range) and b's layer, as float32. */
    public interface Blocks {
        float[][] block(int indexA, int layerB);
    }

    private CorrelationSummaryFile() {
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
            try (Hdf5Writer f = Hdf5Writer.create(out.temp())) {
                f.attribute("format", FORMAT)
                        .attribute("model_a", h.info().modelA())
                        .attribute("model_b", h.info().modelB())
                        .attribute("n_tokens", h.n())
                        .attribute("n_layers_a", shape.nLayersA())
                        .attribute("d_mlp_a", shape.dA())
                        .attribute("first_layer_a", shape.firstLayerA())
                        .attribute("last_layer_a", shape.lastLayerA())
                        .attribute("n_layers_b", shape.nLayersB())
                        .attribute("d_mlp_b", shape.dB())
                        .attribute("filter_ids", h.info().filterIds())
                        .attribute("top_k", s.k);
                if (h.info().modelASha256() != null) {
                    f.attribute("model_a_sha256", Provenance.checkSha256(h.info().modelASha256(), "model_a_sha256"));
                }
                if (h.info().modelBSha256() != null) {
                    f.attribute("model_b_sha256", Provenance.checkSha256(h.info().modelBSha256(), "model_b_sha256"));
                }
                ShardList.write(f, h.info().shards(), h.info().shardSha256());
                f.dataset("layer", layer)
                        .dataset("neuron", neuron)
                        .dataset("max_corr", s.max)
                        .dataset("max_layer", s.maxLayer)
                        .dataset("max_neuron", s.maxNeuron)
                        // over every neuron of b: not neurons.csv's min_corr and mean_corr, which are over models
                        .dataset("min_r_over_b", s.min)
                        .dataset("mean_r_over_b", s.mean)
                        .dataset("top_values", s.topValues)
                        .dataset("top_indices", s.topIndices)
                        .dataset("dead_a", flags(s.deadA))
                        .dataset("dead_b", flags(s.deadB));
                writeBaselines(f, baselines);
                if (full != null) {
                    writeBlocks(f, shape, full);
                }
            }
            out.commit();
        }
    }

    private static byte[] flags(boolean[] b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) (b[i] ? 1 : 0);
        }
        return out;
    }

    private static void writeBaselines(Hdf5Writer f, List<Baselines> baselines) {
        if (baselines.isEmpty()) {
            return;
        }
        Hdf5Writer.Group g = f.group("baseline");
        for (Baselines b : baselines) {
            g.group(b.kind.label)
                    .attribute("seed", b.seed)
                    .attribute("pair_seed", b.drawSeed)
                    .attribute("samples", b.max.length)
                    .dataset("max", b.max)
                    .dataset("layer", b.maxLayer);
        }
    }

    private static void writeBlocks(Hdf5Writer f, MomentShape shape, Blocks full) {
        Hdf5Writer.Group g = f.group("correlation");
        for (int la = 0; la < shape.layersInRangeA(); la++) {
            Hdf5Writer.Group ga = g.group(Integer.toString(shape.firstLayerA() + la));
            for (int lb = 0; lb < shape.nLayersB(); lb++) {
                int ia = la, ib = lb;
                ga.streamed(Integer.toString(lb), Hdf5.Element.FLOAT32, new long[] {shape.dA(), shape.dB()},
                        Hdf5.fromFloatRows(() -> full.block(ia, ib)));
            }
        }
    }

    /**
     * What the universality tool needs from a summary: per neuron of a, the max correlation with its b layer and
     * neuron, and the max baseline correlation of one baseline kind (the mean over the file's samples; with one
     * sample, the default, that sample's max, as in the paper). Anything missing or inconsistent is one
     * {@link InputException} naming the file.
     */
    public static PairSummary read(Path file, String baselineKind) {
        try (Hdf5Reader h = Hdf5Reader.open(file)) {
            String format = h.optionalString("format");
            if (!FORMAT.equals(format) && !FORMAT_1.equals(format)) {
                throw new InputException(file + ": not a correlation summary (format attribute is "
                        + (format == null ? "missing" : "'" + format + "'") + ", expected " + FORMAT + " or " + FORMAT_1
                        + ")");
            }
            int nLayersA = h.integer("n_layers_a", WHAT);
            int dA = h.integer("d_mlp_a", WHAT);
            int first = h.integer("first_layer_a", WHAT);
            int last = h.integer("last_layer_a", WHAT);
            int nLayersB = h.integer("n_layers_b", WHAT);
            int dB = h.integer("d_mlp_b", WHAT);
            if (nLayersA <= 0 || dA <= 0 || nLayersB <= 0 || dB <= 0 || first < 0 || last >= nLayersA || first > last) {
                throw new InputException(file + ": inconsistent shape attributes (a " + nLayersA + " x " + dA
                        + ", layers " + first + "-" + last + ", b " + nLayersB + " x " + dB + ")");
            }
            int rows = (last - first + 1) * dA;
            double[] maxCorr = h.doubles("/max_corr", rows, WHAT);
            checkRows(h, rows, first, dA, maxCorr);
            String kind = "/baseline/" + baselineKind;
            if (!h.isGroup(kind)) {
                throw new InputException(file + ": no " + kind + " group (run finalise with --baseline "
                        + baselineKind + " or both, or choose another --baseline-kind)");
            }
            Number seed = h.optionalNumber(kind, "seed");
            if (h.attribute(kind, "seed") == null) {
                throw new InputException(file + ": missing attribute 'seed' of " + kind + " (" + WHAT + ")");
            }
            double[][] samples = h.doubleRows(kind + "/max", rows, WHAT);
            return new PairSummary(file, h.string("model_a", WHAT), h.string("model_b", WHAT),
                    Provenance.readSha256(h, "model_a_sha256"), Provenance.readSha256(h, "model_b_sha256"), nLayersA, dA,
                    first, last, nLayersB, dB, maxCorr, h.ints("/max_layer", rows, WHAT), h.ints("/max_neuron", rows, WHAT),
                    deadA(h, rows), meanBaseline(file, samples, rows), baselineKind, seed == null ? -1 : seed.longValue(),
                    samples.length);
        }
    }

    /** /dead_a as flags; all alive for a file of an earlier version, which has none. */
    private static boolean[] deadA(Hdf5Reader h, int rows) {
        boolean[] dead = new boolean[rows];
        if (!h.exists("/dead_a")) {
            return dead;
        }
        long[] v = h.integersFlat("/dead_a", WHAT);
        if (v.length != rows) {
            throw new InputException(h.file() + ": /dead_a has " + v.length + " entries, expected one per row (" + rows
                    + ")");
        }
        for (int r = 0; r < rows; r++) {
            dead[r] = v[r] != 0;
        }
        return dead;
    }

    /** Rows in layer-major order and every max correlation within [-1, 1]. */
    private static void checkRows(Hdf5Reader h, int rows, int first, int dA, double[] maxCorr) {
        int[] layer = h.ints("/layer", rows, WHAT);
        int[] neuron = h.ints("/neuron", rows, WHAT);
        for (int r = 0; r < rows; r++) {
            if (layer[r] != first + r / dA || neuron[r] != r % dA) {
                throw new InputException(h.file() + ": row " + r + " is layer " + layer[r] + " neuron " + neuron[r]
                        + ", expected layer " + (first + r / dA) + " neuron " + (r % dA) + " (rows in layer-major order)");
            }
            if (!(maxCorr[r] >= -1 - 1e-9 && maxCorr[r] <= 1 + 1e-9)) {
                throw new InputException(h.file() + ": /max_corr of layer " + layer[r] + " neuron " + neuron[r] + " is "
                        + maxCorr[r] + ", expected a correlation in [-1, 1]");
            }
        }
    }

    private static double[] meanBaseline(Path file, double[][] samples, int rows) {
        double[] baseline = new double[rows];
        for (double[] s : samples) {
            for (int r = 0; r < rows; r++) {
                baseline[r] += s[r];
            }
        }
        for (int r = 0; r < rows; r++) {
            baseline[r] /= samples.length;
            if (!(baseline[r] >= -1 - 1e-9 && baseline[r] <= 1 + 1e-9)) {
                throw new InputException(file + ": baseline max of row " + r + " is " + baseline[r]
                        + ", expected a correlation in [-1, 1]");
            }
        }
        return baseline;
    }
}
