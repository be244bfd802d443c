package org.uneurons.formats;

import java.nio.file.Path;
import java.util.List;

import org.uneurons.core.cli.InputException;
import org.uneurons.core.io.AtomicOutput;
import org.uneurons.core.io.Hdf5;
import org.uneurons.core.io.Hdf5Reader;
import org.uneurons.core.io.Hdf5Writer;
import org.uneurons.core.stats.MomentBlocks;
import org.uneurons.core.stats.MomentShape;
import org.uneurons.core.stats.PairMoments;

/**
 * The partial (and merged) moments file (docs/output.md). All float64: {@code /n} (scalar), {@code /mean_a},
 * {@code /m2_a} [neurons of a in the layer range], {@code /mean_b}, {@code /m2_b} [all neurons of b],
 * {@code /comoment/{layer_a}/{layer_b}} [d_mlp_a, d_mlp_b], {@code /cov_b/{layer_b}} [d_mlp_b, d_mlp_b], and
 * {@code /shards} (string [k], the token shards folded in: a list that grows with the data is a dataset, not an
 * attribute, since jhdf writes attribute messages with 16-bit sizes) and {@code /shard_sha256} (their identities,
 * {@link TokenShard#contentSha256(int)}). Attributes: format, model_a, model_b, model_a_sha256, model_b_sha256 (the
 * content hashes of the checkpoints' weights, {@link Provenance}), n_layers_a, n_layers_b, d_mlp_a, d_mlp_b,
 * first_layer_a, last_layer_a, filter_ids ("198,50256" or "none"), gemm, n_tokens_read (before filtering). Files of
 * earlier versions keep the shards in a comma-separated attribute {@code shard}, which readers still accept, and
 * lack the hashes (read as null and "").
 *
 * <p>Blocks are written and read one at a time ({@link MomentBlocks}): the writer streams each block from its source
 * when the file is written, the reader loads a block when asked, so neither holds more than a block of a pair.
 */
public final class MomentsFile {
    public static final String FORMAT = "uneurons-pair-moments/1";
    private static final String WHAT = "moments file from correlate";

    /**
     * What the moments are of: everything in the file except the numbers. {@code modelASha256} and
     * {@code modelBSha256} are the content hashes of the checkpoints' weights (null: not known), {@code shardSha256}
     * the identity of each shard's tokens ("" where not known).
     */
    public record Info(String modelA, String modelB, List<String> shards, String filterIds, String gemm, long tokensRead,
                       String modelASha256, String modelBSha256, List<String> shardSha256) {
        public Info {
            shards = List.copyOf(shards);
            shardSha256 = List.copyOf(shardSha256);
            if (shardSha256.size() != shards.size()) {
                throw new IllegalArgumentException(shards.size() + " shards but " + shardSha256.size() + " shard hashes");
            }
        }

        /** Moments of models and shards whose identities are not known (tests; files of earlier versions). */
        public Info(String modelA, String modelB, List<String> shards, String filterIds, String gemm, long tokensRead) {
            this(modelA, modelB, shards, filterIds, gemm, tokensRead, null, null,
                    java.util.Collections.nCopies(shards.size(), ""));
        }

        /**
         * Why two files hold moments that may not be merged (null when they may): other model names, other weights
         * under the same name, another token filter.
         */
        public String incompatibility(Info other) {
            if (!modelA.equals(other.modelA) || !modelB.equals(other.modelB)) {
                return "is for models " + other.modelA + " vs " + other.modelB + ", expected " + modelA + " vs " + modelB;
            }
            if (Provenance.differ(modelASha256, other.modelASha256)) {
                return "model_a " + modelA + " has weights sha256 " + Provenance.abbreviate(other.modelASha256)
                        + ", expected " + Provenance.abbreviate(modelASha256) + " (another checkpoint under the same name)";
            }
            if (Provenance.differ(modelBSha256, other.modelBSha256)) {
                return "model_b " + modelB + " has weights sha256 " + Provenance.abbreviate(other.modelBSha256)
                        + ", expected " + Provenance.abbreviate(modelBSha256) + " (another checkpoint under the same name)";
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
    public static void write(Path target, MomentBlocks m, Info info) {
        try (AtomicOutput out = AtomicOutput.create(target)) {
            writeUnpublished(out.temp(), m, info);
            out.commit();
        }
    }

    /**
     * Writes the file at {@code file} directly, for callers that publish several files together (fused mode
     * writes every pair to its temporary name first, then renames them all). Each block is asked of {@code m} while
     * the file is written.
     */
    public static void writeUnpublished(Path file, MomentBlocks m, Info info) {
        MomentShape s = m.shape();
        try (Hdf5Writer f = Hdf5Writer.create(file)) {
            f.attribute("format", FORMAT)
                    .attribute("model_a", info.modelA())
                    .attribute("model_b", info.modelB())
                    .attribute("n_layers_a", s.nLayersA())
                    .attribute("n_layers_b", s.nLayersB())
                    .attribute("d_mlp_a", s.dA())
                    .attribute("d_mlp_b", s.dB())
                    .attribute("first_layer_a", s.firstLayerA())
                    .attribute("last_layer_a", s.lastLayerA())
                    .attribute("filter_ids", info.filterIds())
                    .attribute("gemm", info.gemm())
                    .attribute("n_tokens_read", info.tokensRead());
            if (info.modelASha256() != null) {
                f.attribute("model_a_sha256", Provenance.checkSha256(info.modelASha256(), "model_a_sha256"));
            }
            if (info.modelBSha256() != null) {
                f.attribute("model_b_sha256", Provenance.checkSha256(info.modelBSha256(), "model_b_sha256"));
            }
            f.dataset("n", new double[] {m.count()})
                    .dataset("mean_a", m.meanA())
                    .dataset("m2_a", m.m2A())
                    .dataset("mean_b", m.meanB())
                    .dataset("m2_b", m.m2B());
            ShardList.write(f, info.shards(), info.shardSha256());
            Hdf5Writer.Group co = f.group("comoment");
            for (int la = 0; la < s.layersInRangeA(); la++) {
                Hdf5Writer.Group g = co.group(Integer.toString(s.firstLayerA() + la));
                for (int lb = 0; lb < s.nLayersB(); lb++) {
                    int ia = la, ib = lb;
                    g.streamed(Integer.toString(lb), Hdf5.Element.FLOAT64, new long[] {s.dA(), s.dB()},
                            Hdf5.fromRows(() -> m.comoment(ia, ib)));
                }
            }
            Hdf5Writer.Group cov = f.group("cov_b");
            for (int lb = 0; lb < s.nLayersB(); lb++) {
                int ib = lb;
                cov.streamed(Integer.toString(lb), Hdf5.Element.FLOAT64, new long[] {s.dB(), s.dB()},
                        Hdf5.fromRows(() -> m.covB(ib)));
            }
        }
    }

    public static Header readHeader(Path path) {
        try (Reader r = open(path)) {
            return r.header();
        }
    }

    /** The whole file in memory (tests, small pairs); large consumers read blocks through {@link #open}. */
    public static PairMoments read(Path path) {
        try (Reader r = open(path)) {
            MomentShape s = r.shape();
            double[][][][] co = new double[s.layersInRangeA()][s.nLayersB()][][];
            for (int la = 0; la < s.layersInRangeA(); la++) {
                for (int lb = 0; lb < s.nLayersB(); lb++) {
                    co[la][lb] = r.comoment(la, lb);
                }
            }
            double[][][] cov = new double[s.nLayersB()][][];
            for (int lb = 0; lb < s.nLayersB(); lb++) {
                cov[lb] = r.covB(lb);
            }
            return PairMoments.of(s, r.count(), r.meanA(), r.meanB(), r.m2A(), r.m2B(), co, cov);
        }
    }

    /** Opens a moments file: the header and vectors are read now, each block when asked. Close it. */
    public static Reader open(Path path) {
        Hdf5Reader f = Hdf5Reader.open(path);
        try {
            return new Reader(f);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** A moments file as {@link MomentBlocks}: every call to a block reads it from the file (a fresh array). */
    public static final class Reader implements MomentBlocks, AutoCloseable {
        private final Hdf5Reader f;
        private final Header header;
        private final double[] meanA;
        private final double[] m2A;
        private final double[] meanB;
        private final double[] m2B;

        private Reader(Hdf5Reader f) {
            this.f = f;
            String format = f.optionalString("format");
            if (!FORMAT.equals(format)) {
                throw new InputException(f.file() + ": not a moments file from correlate (format attribute is "
                        + (format == null ? "missing" : "'" + format + "'") + ", expected " + FORMAT + ")");
            }
            this.header = MomentsFile.header(f);
            MomentShape s = header.shape();
            this.meanA = f.doubles("/mean_a", s.neuronsA(), WHAT);
            this.m2A = f.doubles("/m2_a", s.neuronsA(), WHAT);
            this.meanB = f.doubles("/mean_b", s.neuronsB(), WHAT);
            this.m2B = f.doubles("/m2_b", s.neuronsB(), WHAT);
        }

        public Header header() {
            return header;
        }

        public Path file() {
            return f.file();
        }

        @Override
        public MomentShape shape() {
            return header.shape();
        }

        @Override
        public long count() {
            return header.n();
        }

        @Override
        public double[] meanA() {
            return meanA;
        }

        @Override
        public double[] m2A() {
            return m2A;
        }

        @Override
        public double[] meanB() {
            return meanB;
        }

        @Override
        public double[] m2B() {
            return m2B;
        }

        @Override
        public double[][] comoment(int indexA, int layerB) {
            MomentShape s = shape();
            return f.doubleMatrix("/comoment/" + (s.firstLayerA() + indexA) + "/" + layerB, s.dA(), s.dB(), WHAT);
        }

        @Override
        public double[][] covB(int layerB) {
            MomentShape s = shape();
            return f.doubleMatrix("/cov_b/" + layerB, s.dB(), s.dB(), WHAT);
        }

        @Override
        public void close() {
            f.close();
        }
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
        Number read = f.optionalNumber("/", "n_tokens_read");
        List<String> shards = ShardList.read(f, "shard", WHAT);
        Info info = new Info(f.string("model_a", WHAT), f.string("model_b", WHAT), shards,
                f.string("filter_ids", WHAT), f.string("gemm", WHAT), read == null ? -1 : read.longValue(),
                Provenance.readSha256(f, "model_a_sha256"), Provenance.readSha256(f, "model_b_sha256"),
                ShardList.readHashes(f, shards.size(), WHAT));
        double[] n = f.doubles("/n", 1, WHAT);
        if (!(n[0] >= 0) || n[0] != Math.rint(n[0])) {
            throw new InputException(path + ": /n is " + n[0] + ", expected a token count");
        }
        return new Header(shape, info, (long) n[0]);
    }
}
