package org.uneurons.formats;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.uneurons.core.cli.InputException;
import org.uneurons.core.io.AtomicOutput;
import org.uneurons.core.io.Hdf5;
import org.uneurons.core.io.Hdf5Reader;
import org.uneurons.core.io.Hdf5Writer;
import org.uneurons.core.stats.ActivationStats;
import org.uneurons.core.stats.CentralMoments;
import org.uneurons.core.stats.PaperHistogram;
import org.uneurons.core.stats.TopK;

/**
 * Partial activation statistics of some shards of one model (HDF5, written by stats-partial, read by stats-final),
 * exact and mergeable. Attributes: format, model, model_sha256 (the content hash of its weights, {@link Provenance};
 * absent in files of earlier versions), n_layers, d_mlp, top_k, n_tokens (tokens counted), skipped_unknown (tokens of
 * the unknown id left out). Datasets: {@code shards} and {@code shard_sha256} string [k] ({@link ShardList}); neurons flat
 * layer-major [N = n_layers * d_mlp]: {@code pre_mean}, {@code pre_m2}, {@code pre_m3}, {@code pre_m4} float64 (sums of
 * powers of deviations), {@code count_pos}, {@code count_paper} int64, {@code pre_hist} int64 [N, 257] (the paper's
 * histogram, {@link PaperHistogram}), {@code post_sum}, {@code post_max} float64, {@code top_values} float64 [N, k],
 * {@code top_source} int32 [N, k] (index into shards), {@code top_rows} int64 [N, k] (row in that shard's activation
 * file). Format 1 (no histogram) is refused with a clear message: its binned columns cannot be made.
 */
public final class PartialStatsFile {
    public static final String FORMAT = "uneurons-neuron-stats-partial/2";
    static final String FORMAT_1 = "uneurons-neuron-stats-partial/1";
    private static final String WHAT = "partial statistics from stats-partial";

    private PartialStatsFile() {
    }

    public static void write(Path target, ActivationStats s) {
        try (AtomicOutput out = AtomicOutput.create(target)) {
            writeUnpublished(out.temp(), s);
            out.commit();
        }
    }

    /** Writes the file at {@code file} directly, for callers that publish several files together. */
    public static void writeUnpublished(Path file, ActivationStats s) {
        int n = s.nLayers() * s.dMlp();
        double[][] pre = new double[4][n];
        for (int l = 0; l < s.nLayers(); l++) {
            CentralMoments m = s.pre(l);
            double[][] byOrder = {m.mean(), m.m2(), m.m3(), m.m4()};
            for (int o = 0; o < 4; o++) {
                System.arraycopy(byOrder[o], 0, pre[o], l * s.dMlp(), s.dMlp());
            }
        }
        TopK.Sorted top = s.top().sorted();
        try (Hdf5Writer f = Hdf5Writer.create(file)) {
            f.attribute("format", FORMAT)
                    .attribute("model", s.model())
                    .attribute("n_layers", s.nLayers())
                    .attribute("d_mlp", s.dMlp())
                    .attribute("top_k", s.k())
                    .attribute("n_tokens", s.tokens())
                    .attribute("skipped_unknown", s.skippedUnknown());
            if (s.modelSha256() != null) {
                f.attribute("model_sha256", Provenance.checkSha256(s.modelSha256(), "model_sha256"));
            }
            ShardList.write(f, s.shards(), s.shardSha256());
            f.dataset("pre_mean", pre[0])
                    .dataset("pre_m2", pre[1])
                    .dataset("pre_m3", pre[2])
                    .dataset("pre_m4", pre[3])
                    .dataset("count_pos", s.countPos())
                    .dataset("count_paper", s.countPaper())
                    .streamed("pre_hist", Hdf5.Element.INT64, new long[] {n, PaperHistogram.BINS},
                            Hdf5.fromLongs(s.preHist()))
                    .dataset("post_sum", s.postSum())
                    .dataset("post_max", s.postMax())
                    .dataset("top_values", top.values())
                    .dataset("top_source", top.sources())
                    .dataset("top_rows", top.rows());
        }
    }

    /**
     * What a partial statistics file covers: its model, the content hash of its weights (null: not known) and its
     * shape, its shards and its top-k.
     */
    public record Header(String model, String modelSha256, int nLayers, int dMlp, List<String> shards, int topK) {
    }

    /** The model, shards and top-k of a partial statistics file, without reading its arrays. */
    public static Header readHeader(Path file) {
        try (Hdf5Reader h = Hdf5Reader.open(file)) {
            checkFormat(h);
            return new Header(h.string("model", WHAT), Provenance.readSha256(h, "model_sha256"),
                    h.integer("n_layers", WHAT), h.integer("d_mlp", WHAT), ShardList.read(h, "shards", WHAT),
                    h.integer("top_k", WHAT));
        }
    }

    public static ActivationStats read(Path file) {
        try (Hdf5Reader h = Hdf5Reader.open(file)) {
            checkFormat(h);
            String model = h.string("model", WHAT);
            int nLayers = h.integer("n_layers", WHAT);
            int dMlp = h.integer("d_mlp", WHAT);
            int k = h.integer("top_k", WHAT);
            long tokens = h.longValue("n_tokens", WHAT);
            List<String> shards = ShardList.read(h, "shards", WHAT);
            int n = nLayers * dMlp;
            CentralMoments[] pre = preMoments(h, nLayers, dMlp, tokens);
            long[] countPos = counts(h, "/count_pos", n);
            long[] countPaper = counts(h, "/count_paper", n);
            long[] preHist = h.longsRowMajor("/pre_hist", n, PaperHistogram.BINS, WHAT);
            double[] postSum = h.doubles("/post_sum", n, WHAT);
            double[] postMax = h.doubles("/post_max", n, WHAT);
            TopK top = TopK.of(new TopK.Sorted(h.doubleMatrix("/top_values", n, k, WHAT),
                    h.intMatrix("/top_source", n, k, WHAT), h.longMatrix("/top_rows", n, k, WHAT)), k);
            return new ActivationStats(model, Provenance.readSha256(h, "model_sha256"), nLayers, dMlp, shards,
                    ShardList.readHashes(h, shards.size(), WHAT), pre, countPos, countPaper, preHist, postSum, postMax,
                    top, h.longValue("skipped_unknown", WHAT));
        }
    }

    private static void checkFormat(Hdf5Reader h) {
        String format = h.optionalString("format");
        if (FORMAT_1.equals(format)) {
            throw new InputException(h.file() + ": partial statistics of format " + FORMAT_1 + ", written before the"
                    + " paper's histogram (/pre_hist) was kept; make them again with this version's stats-partial or"
                    + " correlate-fused --stats-model");
        }
        if (!FORMAT.equals(format)) {
            throw new InputException(h.file() + ": not a partial statistics file (format attribute is "
                    + (format == null ? "missing" : "'" + format + "'") + ", expected " + FORMAT + ")");
        }
    }

    private static CentralMoments[] preMoments(Hdf5Reader h, int nLayers, int dMlp, long tokens) {
        int n = nLayers * dMlp;
        double[] mean = h.doubles("/pre_mean", n, WHAT);
        double[] m2 = h.doubles("/pre_m2", n, WHAT);
        double[] m3 = h.doubles("/pre_m3", n, WHAT);
        double[] m4 = h.doubles("/pre_m4", n, WHAT);
        CentralMoments[] pre = new CentralMoments[nLayers];
        for (int l = 0; l < nLayers; l++) {
            int a = l * dMlp, b = a + dMlp;
            pre[l] = CentralMoments.of(tokens, Arrays.copyOfRange(mean, a, b), Arrays.copyOfRange(m2, a, b),
                    Arrays.copyOfRange(m3, a, b), Arrays.copyOfRange(m4, a, b));
        }
        return pre;
    }

    private static long[] counts(Hdf5Reader h, String path, int n) {
        long[] c = h.integersFlat(path, WHAT);
        if (c.length != n) {
            throw new InputException(h.file() + ": count datasets have the wrong length, expected " + n);
        }
        return c;
    }
}
