package org.uneurons.correlate;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Node;
import io.jhdf.api.WritableGroup;
import io.jhdf.exceptions.HdfException;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.io.AtomicOutput;
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
        MomentShape s = m.shape();
        try (AtomicOutput out = AtomicOutput.create(target)) {
            try (WritableHdfFile f = HdfFile.write(out.temp())) {
                f.putAttribute("format", FORMAT);
                f.putAttribute("model_a", info.modelA());
                f.putAttribute("model_b", info.modelB());
                f.putAttribute("shard", String.join(",", info.shards()));
                f.putAttribute("n_layers_a", s.nLayersA());
                f.putAttribute("n_layers_b", s.nLayersB());
                f.putAttribute("d_mlp_a", s.dA());
                f.putAttribute("d_mlp_b", s.dB());
                f.putAttribute("first_layer_a", s.firstLayerA());
                f.putAttribute("last_layer_a", s.lastLayerA());
                f.putAttribute("filter_ids", info.filterIds());
                f.putAttribute("gemm", info.gemm());
                f.putAttribute("n_tokens_read", info.tokensRead());
                f.putDataset("n", new double[] {m.count()});
                f.putDataset("mean_a", m.meanA());
                f.putDataset("m2_a", m.m2A());
                f.putDataset("mean_b", m.meanB());
                f.putDataset("m2_b", m.m2B());
                WritableGroup co = f.putGroup("comoment");
                for (int la = 0; la < s.layersInRangeA(); la++) {
                    WritableGroup g = co.putGroup(Integer.toString(s.firstLayerA() + la));
                    for (int lb = 0; lb < s.nLayersB(); lb++) {
                        g.putDataset(Integer.toString(lb), m.comoment(la, lb));
                    }
                }
                WritableGroup cov = f.putGroup("cov_b");
                for (int lb = 0; lb < s.nLayersB(); lb++) {
                    cov.putDataset(Integer.toString(lb), m.covB(lb));
                }
            }
            out.commit();
        }
    }

    public static Header readHeader(Path path) {
        try (HdfFile f = open(path)) {
            return header(path, f);
        }
    }

    public static PairMoments read(Path path) {
        try (HdfFile f = open(path)) {
            Header h = header(path, f);
            MomentShape s = h.shape();
            double[] meanA = vector(path, f, "/mean_a", s.neuronsA());
            double[] m2A = vector(path, f, "/m2_a", s.neuronsA());
            double[] meanB = vector(path, f, "/mean_b", s.neuronsB());
            double[] m2B = vector(path, f, "/m2_b", s.neuronsB());
            double[][][][] co = new double[s.layersInRangeA()][s.nLayersB()][][];
            for (int la = 0; la < s.layersInRangeA(); la++) {
                for (int lb = 0; lb < s.nLayersB(); lb++) {
                    co[la][lb] = matrix(path, f, "/comoment/" + (s.firstLayerA() + la) + "/" + lb, s.dA(), s.dB());
                }
            }
            double[][][] cov = new double[s.nLayersB()][][];
            for (int lb = 0; lb < s.nLayersB(); lb++) {
                cov[lb] = matrix(path, f, "/cov_b/" + lb, s.dB(), s.dB());
            }
            return PairMoments.of(s, h.n(), meanA, meanB, m2A, m2B, co, cov);
        }
    }

    private static HdfFile open(Path path) {
        try {
            return new HdfFile(path);
        } catch (HdfException | IllegalArgumentException e) {
            throw new InputException(path + ": not a readable HDF5 moments file (" + e.getMessage() + ")", e);
        }
    }

    private static Header header(Path path, HdfFile f) {
        String what = path.toString();
        String format = Hdf5Attributes.string(f, "format");
        if (!FORMAT.equals(format)) {
            throw new InputException(path + ": not a moments file from correlate (format attribute is "
                    + (format == null ? "missing" : "'" + format + "'") + ", expected " + FORMAT + ")");
        }
        MomentShape shape;
        try {
            shape = new MomentShape(req(path, Hdf5Attributes.integer(f, "n_layers_a", what), "n_layers_a"),
                    req(path, Hdf5Attributes.integer(f, "d_mlp_a", what), "d_mlp_a"),
                    req(path, Hdf5Attributes.integer(f, "first_layer_a", what), "first_layer_a"),
                    req(path, Hdf5Attributes.integer(f, "last_layer_a", what), "last_layer_a"),
                    req(path, Hdf5Attributes.integer(f, "n_layers_b", what), "n_layers_b"),
                    req(path, Hdf5Attributes.integer(f, "d_mlp_b", what), "d_mlp_b"));
        } catch (IllegalArgumentException e) {
            throw new InputException(path + ": inconsistent shape attributes (" + e.getMessage() + ")");
        }
        String shards = req(path, Hdf5Attributes.string(f, "shard"), "shard");
        Object read = Hdf5Attributes.scalar(f, "n_tokens_read");
        Info info = new Info(req(path, Hdf5Attributes.string(f, "model_a"), "model_a"),
                req(path, Hdf5Attributes.string(f, "model_b"), "model_b"),
                shards.isEmpty() ? List.of() : new ArrayList<>(Arrays.asList(shards.split(","))),
                req(path, Hdf5Attributes.string(f, "filter_ids"), "filter_ids"),
                req(path, Hdf5Attributes.string(f, "gemm"), "gemm"),
                read instanceof Number num ? num.longValue() : -1);
        double[] n = vector(path, f, "/n", 1);
        if (!(n[0] >= 0) || n[0] != Math.rint(n[0])) {
            throw new InputException(path + ": /n is " + n[0] + ", expected a token count");
        }
        return new Header(shape, info, (long) n[0]);
    }

    private static <T> T req(Path path, T v, String name) {
        if (v == null) {
            throw new InputException(path + ": attribute " + name + " is missing");
        }
        return v;
    }

    private static Dataset dataset(Path path, HdfFile f, String name) {
        Node node = null;
        try {
            node = f.getByPath(name);
        } catch (HdfException e) {
            // reported below
        }
        if (!(node instanceof Dataset d)) {
            throw new InputException(path + ": dataset " + name + " is missing");
        }
        return d;
    }

    private static double[] vector(Path path, HdfFile f, String name, int len) {
        Dataset d = dataset(path, f, name);
        Object data = d.getData();
        if (!(data instanceof double[] v) || v.length != len) {
            throw new InputException(path + ": " + name + " has shape " + Arrays.toString(d.getDimensions())
                    + " of " + d.getJavaType().getSimpleName() + ", expected float64 [" + len + "]");
        }
        return v;
    }

    private static double[][] matrix(Path path, HdfFile f, String name, int rows, int cols) {
        Dataset d = dataset(path, f, name);
        Object data = d.getData();
        if (!(data instanceof double[][] v) || v.length != rows || (rows > 0 && v[0].length != cols)) {
            throw new InputException(path + ": " + name + " has shape " + Arrays.toString(d.getDimensions())
                    + " of " + d.getJavaType().getSimpleName() + ", expected float64 [" + rows + ", " + cols + "]");
        }
        return v;
    }
}
