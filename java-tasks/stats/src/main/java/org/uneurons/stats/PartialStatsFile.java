package org.uneurons.stats;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.exceptions.HdfException;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.io.AtomicOutput;
import org.uneurons.core.io.Hdf5;

/**
 * Partial activation statistics of some shards of one model (HDF5, the fan-out output of the stats tool), exact
 * and mergeable. Attributes: format, model, n_layers, d_mlp, shards (comma-separated), top_k, n_tokens. Datasets,
 * neurons flat layer-major [N = n_layers * d_mlp]: {@code pre_mean}, {@code pre_m2}, {@code pre_m3}, {@code pre_m4}
 * float64 (sums of powers of deviations), {@code count_pos}, {@code count_paper} int64, {@code post_sum},
 * {@code post_max} float64, {@code top_values} float64 [N, k], {@code top_source} int32 [N, k] (index into shards),
 * {@code top_rows} int64 [N, k] (row in that shard's activation file).
 */
public final class PartialStatsFile {
    public static final String FORMAT = "uneurons-neuron-stats-partial/1";
    private static final String WHAT = "partial statistics from the stats tool";

    private PartialStatsFile() {
    }

    public static void write(Path target, ActivationStats s) {
        int n = s.nLayers * s.dMlp;
        double[] mean = new double[n], m2 = new double[n], m3 = new double[n], m4 = new double[n];
        for (int l = 0; l < s.nLayers; l++) {
            System.arraycopy(s.pre[l].mean(), 0, mean, l * s.dMlp, s.dMlp);
            System.arraycopy(s.pre[l].m2(), 0, m2, l * s.dMlp, s.dMlp);
            System.arraycopy(s.pre[l].m3(), 0, m3, l * s.dMlp, s.dMlp);
            System.arraycopy(s.pre[l].m4(), 0, m4, l * s.dMlp, s.dMlp);
        }
        TopK.Sorted top = s.top.sorted();
        try (AtomicOutput out = AtomicOutput.create(target)) {
            try (WritableHdfFile f = HdfFile.write(out.temp())) {
                f.putAttribute("format", FORMAT);
                f.putAttribute("model", s.model);
                f.putAttribute("n_layers", s.nLayers);
                f.putAttribute("d_mlp", s.dMlp);
                f.putAttribute("shards", String.join(",", s.shards));
                f.putAttribute("top_k", s.k());
                f.putAttribute("n_tokens", s.tokens());
                f.putDataset("pre_mean", mean);
                f.putDataset("pre_m2", m2);
                f.putDataset("pre_m3", m3);
                f.putDataset("pre_m4", m4);
                f.putDataset("count_pos", s.countPos);
                f.putDataset("count_paper", s.countPaper);
                f.putDataset("post_sum", s.postSum);
                f.putDataset("post_max", s.postMax);
                f.putDataset("top_values", top.values());
                f.putDataset("top_source", top.sources());
                f.putDataset("top_rows", top.rows());
            }
            out.commit();
        }
    }

    public static ActivationStats read(Path file) {
        try (HdfFile h = Hdf5.open(file)) {
            Attribute fa = h.getAttribute("format");
            Object format = fa == null ? null : fa.getData();
            if (!FORMAT.equals(format)) {
                throw new InputException(file + ": not a partial statistics file (format attribute is "
                        + (format == null ? "missing" : "'" + format + "'") + ", expected " + FORMAT + ")");
            }
            String model = Hdf5.stringAttribute(h, file, "model", WHAT);
            int nLayers = Hdf5.intAttribute(h, file, "n_layers", WHAT);
            int dMlp = Hdf5.intAttribute(h, file, "d_mlp", WHAT);
            int k = Hdf5.intAttribute(h, file, "top_k", WHAT);
            Object nt = Hdf5.attribute(h, file, "n_tokens", WHAT);
            long tokens = ((Number) nt).longValue();
            List<String> shards = List.of(Hdf5.stringAttribute(h, file, "shards", WHAT).split(","));
            int n = nLayers * dMlp;
            double[] mean = doubles(h, file, "pre_mean", n);
            double[] m2 = doubles(h, file, "pre_m2", n);
            double[] m3 = doubles(h, file, "pre_m3", n);
            double[] m4 = doubles(h, file, "pre_m4", n);
            CentralMoments[] pre = new CentralMoments[nLayers];
            for (int l = 0; l < nLayers; l++) {
                int a = l * dMlp, b = a + dMlp;
                pre[l] = CentralMoments.of(tokens, Arrays.copyOfRange(mean, a, b), Arrays.copyOfRange(m2, a, b),
                        Arrays.copyOfRange(m3, a, b), Arrays.copyOfRange(m4, a, b));
            }
            long[] countPos = Hdf5.longsFlat(Hdf5.dataset(h, file, "/count_pos", WHAT));
            long[] countPaper = Hdf5.longsFlat(Hdf5.dataset(h, file, "/count_paper", WHAT));
            double[] postSum = doubles(h, file, "post_sum", n);
            double[] postMax = doubles(h, file, "post_max", n);
            if (countPos.length != n || countPaper.length != n) {
                throw new InputException(file + ": count datasets have the wrong length, expected " + n);
            }
            double[][] tv = (double[][]) matrix(h, file, "top_values", n, k);
            int[][] ts = (int[][]) matrix(h, file, "top_source", n, k);
            long[][] tr = (long[][]) matrix(h, file, "top_rows", n, k);
            TopK top = TopK.of(new TopK.Sorted(tv, ts, tr), k);
            return new ActivationStats(model, nLayers, dMlp, shards, pre, countPos, countPaper, postSum, postMax, top);
        } catch (HdfException | ClassCastException e) {
            throw new InputException(file + ": unreadable partial statistics (" + e.getMessage() + ")");
        }
    }

    private static double[] doubles(HdfFile h, Path file, String name, int n) {
        Dataset d = Hdf5.dataset(h, file, "/" + name, WHAT);
        Object data = d.getData();
        if (!(data instanceof double[] v) || v.length != n) {
            throw new InputException(file + ": /" + name + " has shape " + Arrays.toString(d.getDimensions())
                    + ", expected float64 [" + n + "]");
        }
        return v;
    }

    private static Object matrix(HdfFile h, Path file, String name, int n, int k) {
        Dataset d = Hdf5.dataset(h, file, "/" + name, WHAT);
        int[] dims = d.getDimensions();
        if (dims.length != 2 || dims[0] != n || dims[1] != k) {
            throw new InputException(file + ": /" + name + " has shape " + Arrays.toString(dims) + ", expected [" + n
                    + ", " + k + "]");
        }
        return d.getData();
    }
}
