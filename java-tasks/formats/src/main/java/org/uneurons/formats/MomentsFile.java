package org.uneurons.formats;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.uneurons.core.cli.InputException;
import org.uneurons.core.io.AtomicOutput;
import org.uneurons.core.io.Hdf5Reader;
import org.uneurons.core.io.Hdf5Writer;
import org.uneurons.core.stats.MomentShape;
import org.uneurons.core.stats.PairMoments;

/**
 * The partial (and merged) moments file, DESIGN 3. All float64: {@code /n} (scalar), {@code /mean_a},
 * {@code /m2_a} [neurons of a in the layer range], {@code /mean_b}, {@code /m2_b} [all neurons of b],
 * {@code /comoment/{layer_a}/{layer_b}} [d_mlp_a, d_mlp_b], {@code /cov_b/{layer_b}} [d_mlp_b, d_mlp_b].
 * Attributes: format, model_a, model_b, shard (comma-separated when merged), n_layers_a, n_layers_b, d_mlp_a,
 * d_mlp_b, first_layer_a, last_layer_a, filter_ids ("198,50256" or "none"), gemm, n_tokens_read (before
 * filtering).
 */
public final class MomentsFile {
    public static final String FORMAT = "uneurons-pair-moments/1";
    private static final String WHAT = "moments file from correlate";

    /** What the moments are of: everything in the file except the numbers. */
    public record Info(String modelA, String modelB, List<String> shards, String filterIds, String gemm, long tokensRead) {
        /** True when two files hold moments that may be merged: same models, shapes, filter. */
        public String incompatibility(Info other) {
            if (!modelA.equals(other.modelA) || !modelB.equals(other.modelB)) {
                return "is for models " + other.modelA + " vs " + other.modelB + ", expected " + modelA + " vs " + modelB;
            }
            if (!filterIds.equals(other.filterIds)) {
                return "filtered token ids " + other.filterIds + ", expected " + filterIds;
            }
            return null;
        }
    }

    /** The shape, info and token count of a file, without its blocks. */
    public record Header(MomentShape shape, Info info, long n) {
    }

    private MomentsFile() {
    }

    /** Writes atomically: the target appears only when complete. */
    public static void write(Path target, PairMoments m, Info info) {
        try (AtomicOutput out = AtomicOutput.create(target)) {
            writeUnpublished(out.temp(), m, info);
            out.commit();
        }
    }

    /**
     * Writes the file at {@code file} directly, for callers that publish several files together (fused mode
     * writes every pair to its temporary name first, then renames them all).
     */
    public static void writeUnpublished(Path file, PairMoments m, Info info) {
        MomentShape s = m.shape();
        try (Hdf5Writer f = Hdf5Writer.create(file)) {
            f.attribute("format", FORMAT)
                    .attribute("model_a", info.modelA())
                    .attribute("model_b", info.modelB())
                    .attribute("shard", String.join(",", info.shards()))
                    .attribute("n_layers_a", s.nLayersA())
                    .attribute("n_layers_b", s.nLayersB())
                    .attribute("d_mlp_a", s.dA())
                    .attribute("d_mlp_b", s.dB())
                    .attribute("first_layer_a", s.firstLayerA())
                    .attribute("last_layer_a", s.lastLayerA())
                    .attribute("filter_ids", info.filterIds())
                    .attribute("gemm", info.gemm())
                    .attribute("n_tokens_read", info.tokensRead());
            f.dataset("n", new double[] {m.count()})
                    .dataset("mean_a", m.meanA())
                    .dataset("m2_a", m.m2A())
                    .dataset("mean_b", m.meanB())
                    .dataset("m2_b", m.m2B());
            Hdf5Writer.Group co = f.group("comoment");
            for (int la = 0; la < s.layersInRangeA(); la++) {
                Hdf5Writer.Group g = co.group(Integer.toString(s.firstLayerA() + la));
                for (int lb = 0; lb < s.nLayersB(); lb++) {
                    g.dataset(Integer.toString(lb), m.comoment(la, lb));
                }
            }
            Hdf5Writer.Group cov = f.group("cov_b");
            for (int lb = 0; lb < s.nLayersB(); lb++) {
                cov.dataset(Integer.toString(lb), m.covB(lb));
            }
        }
    }

    public static Header readHeader(Path path) {
        try (Hdf5Reader f = open(path)) {
            return header(f);
        }
    }

    public static PairMoments read(Path path) {
        try (Hdf5Reader f = open(path)) {
            Header h = header(f);
            MomentShape s = h.shape();
            double[] meanA = f.doubles("/mean_a", s.neuronsA(), WHAT);
            double[] m2A = f.doubles("/m2_a", s.neuronsA(), WHAT);
            double[] meanB = f.doubles("/mean_b", s.neuronsB(), WHAT);
            double[] m2B = f.doubles("/m2_b", s.neuronsB(), WHAT);
            double[][][][] co = new double[s.layersInRangeA()][s.nLayersB()][][];
            for (int la = 0; la < s.layersInRangeA(); la++) {
                for (int lb = 0; lb < s.nLayersB(); lb++) {
                    co[la][lb] = f.doubleMatrix("/comoment/" + (s.firstLayerA() + la) + "/" + lb, s.dA(), s.dB(), WHAT);
                }
            }
            double[][][] cov = new double[s.nLayersB()][][];
            for (int lb = 0; lb < s.nLayersB(); lb++) {
                cov[lb] = f.doubleMatrix("/cov_b/" + lb, s.dB(), s.dB(), WHAT);
            }
            return PairMoments.of(s, h.n(), meanA, meanB, m2A, m2B, co, cov);
        }
    }

    private static Hdf5Reader open(Path path) {
        Hdf5Reader f = Hdf5Reader.open(path);
        String format = f.optionalString("format");
        if (!FORMAT.equals(format)) {
            f.close();
            throw new InputException(path + ": not a moments file from correlate (format attribute is "
                    + (format == null ? "missing" : "'" + format + "'") + ", expected " + FORMAT + ")");
        }
        return f;
    }

    private static Header header(Hdf5Reader f) {
        Path path = f.file();
        MomentShape shape;
        try {
            shape = new MomentShape(f.integer("n_layers_a", WHAT), f.integer("d_mlp_a", WHAT),
                    f.integer("first_layer_a", WHAT), f.integer("last_layer_a", WHAT),
                    f.integer("n_layers_b", WHAT), f.integer("d_mlp_b", WHAT));
        } catch (IllegalArgumentException e) {
            throw new InputException(path + ": inconsistent shape attributes (" + e.getMessage() + ")");
        }
        String shards = f.string("shard", WHAT);
        Number read = f.optionalNumber("/", "n_tokens_read");
        Info info = new Info(f.string("model_a", WHAT), f.string("model_b", WHAT),
                shards.isEmpty() ? List.of() : new ArrayList<>(Arrays.asList(shards.split(","))),
                f.string("filter_ids", WHAT), f.string("gemm", WHAT), read == null ? -1 : read.longValue());
        double[] n = f.doubles("/n", 1, WHAT);
        if (!(n[0] >= 0) || n[0] != Math.rint(n[0])) {
            throw new InputException(path + ": /n is " + n[0] + ", expected a token count");
        }
        return new Header(shape, info, (long) n[0]);
    }
}
