package org.uneurons.universality;

import java.nio.file.Path;
import java.util.Arrays;

import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.exceptions.HdfException;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.io.Hdf5;

/**
 * What this tool needs from one finalised correlation summary (finalise's {@code uneurons-correlation-summary/1}):
 * per neuron of model a in the file's layer range, the max correlation over every neuron of every layer of b with
 * the b layer and neuron where it is reached, and the max baseline correlation of one baseline kind (the mean over
 * the file's baseline samples; with one sample, which is the default, it is that sample's max, as in the paper).
 */
public record PairSummary(Path file, String modelA, String modelB, int nLayersA, int dA, int firstLayerA, int lastLayerA,
                          int nLayersB, int dB, double[] maxCorr, int[] maxLayer, int[] maxNeuron, double[] baseline,
                          String baselineKind, long baselineSeed, int baselineSamples) {

    public static final String FORMAT = "uneurons-correlation-summary/1";
    private static final String WHAT = "correlation summary from finalise";

    public int rows() {
        return maxCorr.length;
    }

    /** Reads a summary file; anything missing or inconsistent is one {@link InputException} naming the file. */
    public static PairSummary read(Path file, String baselineKind) {
        try (HdfFile h = Hdf5.open(file)) {
            Attribute fa = h.getAttribute("format");
            Object format = fa == null ? null : fa.getData();
            if (!FORMAT.equals(format)) {
                throw new InputException(file + ": not a correlation summary (format attribute is "
                        + (format == null ? "missing" : "'" + format + "'") + ", expected " + FORMAT + ")");
            }
            String modelA = Hdf5.stringAttribute(h, file, "model_a", WHAT);
            String modelB = Hdf5.stringAttribute(h, file, "model_b", WHAT);
            int nLayersA = Hdf5.intAttribute(h, file, "n_layers_a", WHAT);
            int dA = Hdf5.intAttribute(h, file, "d_mlp_a", WHAT);
            int first = Hdf5.intAttribute(h, file, "first_layer_a", WHAT);
            int last = Hdf5.intAttribute(h, file, "last_layer_a", WHAT);
            int nLayersB = Hdf5.intAttribute(h, file, "n_layers_b", WHAT);
            int dB = Hdf5.intAttribute(h, file, "d_mlp_b", WHAT);
            if (nLayersA <= 0 || dA <= 0 || nLayersB <= 0 || dB <= 0 || first < 0 || last >= nLayersA || first > last) {
                throw new InputException(file + ": inconsistent shape attributes (a " + nLayersA + " x " + dA
                        + ", layers " + first + "-" + last + ", b " + nLayersB + " x " + dB + ")");
            }
            int rows = (last - first + 1) * dA;
            double[] maxCorr = doubles(h, file, "/max_corr", rows);
            int[] maxLayer = ints(h, file, "/max_layer", rows);
            int[] maxNeuron = ints(h, file, "/max_neuron", rows);
            int[] layer = ints(h, file, "/layer", rows);
            int[] neuron = ints(h, file, "/neuron", rows);
            for (int r = 0; r < rows; r++) {
                if (layer[r] != first + r / dA || neuron[r] != r % dA) {
                    throw new InputException(file + ": row " + r + " is layer " + layer[r] + " neuron " + neuron[r]
                            + ", expected layer " + (first + r / dA) + " neuron " + (r % dA) + " (rows in layer-major order)");
                }
                if (!(maxCorr[r] >= -1 - 1e-9 && maxCorr[r] <= 1 + 1e-9)) {
                    throw new InputException(file + ": /max_corr of layer " + layer[r] + " neuron " + neuron[r] + " is "
                            + maxCorr[r] + ", expected a correlation in [-1, 1]");
                }
            }
            Node g;
            try {
                g = h.getByPath("/baseline/" + baselineKind);
            } catch (HdfException e) {
                g = null;
            }
            if (!(g instanceof Group kind)) {
                throw new InputException(file + ": no /baseline/" + baselineKind + " group (run finalise with --baseline "
                        + baselineKind + " or both, or choose another --baseline-kind)");
            }
            Object seed = Hdf5.attribute(kind, file, "seed", WHAT);
            Dataset maxDs = Hdf5.dataset(h, file, "/baseline/" + baselineKind + "/max", WHAT);
            Object data = maxDs.getData();
            if (!(data instanceof double[][] samples) || samples.length == 0 || samples[0].length != rows) {
                throw new InputException(file + ": /baseline/" + baselineKind + "/max has shape "
                        + Arrays.toString(maxDs.getDimensions()) + ", expected float64 [samples, " + rows + "]");
            }
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
            return new PairSummary(file, modelA, modelB, nLayersA, dA, first, last, nLayersB, dB, maxCorr, maxLayer,
                    maxNeuron, baseline, baselineKind, seed instanceof Number n ? n.longValue() : -1, samples.length);
        } catch (HdfException e) {
            throw new InputException(file + ": unreadable correlation summary (" + e.getMessage() + ")");
        }
    }

    private static double[] doubles(HdfFile h, Path file, String path, int rows) {
        Dataset d = Hdf5.dataset(h, file, path, WHAT);
        Object data = d.getData();
        if (!(data instanceof double[] v) || v.length != rows) {
            throw new InputException(file + ": " + path + " has shape " + Arrays.toString(d.getDimensions())
                    + " of " + d.getJavaType().getSimpleName() + ", expected float64 [" + rows + "]");
        }
        return v;
    }

    private static int[] ints(HdfFile h, Path file, String path, int rows) {
        Dataset d = Hdf5.dataset(h, file, path, WHAT);
        long[] v = d.getDimensions().length == 1 ? Hdf5.longsFlat(d) : null;
        if (v == null || v.length != rows) {
            throw new InputException(file + ": " + path + " has shape " + Arrays.toString(d.getDimensions())
                    + ", expected integers [" + rows + "]");
        }
        int[] out = new int[rows];
        for (int i = 0; i < rows; i++) {
            out[i] = Math.toIntExact(v[i]);
        }
        return out;
    }

    /** The summaries of one pair, split over a's layer ranges, joined into one covering every layer of a. */
    public static PairSummary join(java.util.List<PairSummary> parts) {
        java.util.List<PairSummary> sorted = new java.util.ArrayList<>(parts);
        sorted.sort(java.util.Comparator.comparingInt(PairSummary::firstLayerA));
        PairSummary f = sorted.get(0);
        int next = 0;
        for (PairSummary p : sorted) {
            if (p.nLayersA != f.nLayersA || p.dA != f.dA || p.nLayersB != f.nLayersB || p.dB != f.dB) {
                throw new InputException(p.file + ": shape a " + p.nLayersA + " x " + p.dA + ", b " + p.nLayersB + " x "
                        + p.dB + " differs from " + f.file + " (a " + f.nLayersA + " x " + f.dA + ", b " + f.nLayersB
                        + " x " + f.dB + ") for the same pair " + f.modelA + " vs " + f.modelB);
            }
            if (p.firstLayerA != next) {
                throw new InputException(p.file + ": covers layers " + p.firstLayerA + "-" + p.lastLayerA + " of "
                        + f.modelA + " vs " + f.modelB + ", but " + (p.firstLayerA < next ? "layers up to " + (next - 1)
                        + " are already covered by another summary" : "layers " + next + "-" + (p.firstLayerA - 1)
                        + " are covered by no summary"));
            }
            if (!p.baselineKind.equals(f.baselineKind)) {
                throw new IllegalStateException("baseline kinds differ");
            }
            next = p.lastLayerA + 1;
        }
        if (next != f.nLayersA) {
            throw new InputException(sorted.get(sorted.size() - 1).file + ": summaries of " + f.modelA + " vs " + f.modelB
                    + " end at layer " + (next - 1) + ", but " + f.modelA + " has " + f.nLayersA + " layers");
        }
        if (sorted.size() == 1) {
            return f;
        }
        int rows = f.nLayersA * f.dA;
        double[] maxCorr = new double[rows];
        int[] maxLayer = new int[rows];
        int[] maxNeuron = new int[rows];
        double[] baseline = new double[rows];
        for (PairSummary p : sorted) {
            int at = p.firstLayerA * p.dA;
            System.arraycopy(p.maxCorr, 0, maxCorr, at, p.rows());
            System.arraycopy(p.maxLayer, 0, maxLayer, at, p.rows());
            System.arraycopy(p.maxNeuron, 0, maxNeuron, at, p.rows());
            System.arraycopy(p.baseline, 0, baseline, at, p.rows());
            if (p.baselineSeed != f.baselineSeed || p.baselineSamples != f.baselineSamples) {
                throw new InputException(p.file + ": baseline seed " + p.baselineSeed + " / " + p.baselineSamples
                        + " samples differ from " + f.file + " (" + f.baselineSeed + " / " + f.baselineSamples
                        + ") for the same pair");
            }
        }
        return new PairSummary(f.file, f.modelA, f.modelB, f.nLayersA, f.dA, 0, f.nLayersA - 1, f.nLayersB, f.dB,
                maxCorr, maxLayer, maxNeuron, baseline, f.baselineKind, f.baselineSeed, f.baselineSamples);
    }
}
