package org.uneurons.universality;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import org.uneurons.core.io.AtomicOutput;

/**
 * Writes the universality outputs, each atomically: neurons.csv (header row, one row per neuron, numbers only, no
 * index column, never NaN), neurons.h5 (one dataset per column, provenance as root attributes),
 * layer_fractions.csv and percentiles.csv.
 */
public final class TableWriter {
    public static final String FORMAT = "uneurons-neuron-table/1";

    private TableWriter() {
    }

    public static void csv(NeuronTable t, Path target) {
        List<String> names = t.names();
        Object[] cols = names.stream().map(t::column).toArray();
        write(target, w -> {
            w.write(String.join(",", names));
            w.write('\n');
            StringBuilder sb = new StringBuilder();
            for (int r = 0; r < t.rows(); r++) {
                sb.setLength(0);
                for (int c = 0; c < cols.length; c++) {
                    if (c > 0) {
                        sb.append(',');
                    }
                    if (cols[c] instanceof int[] iv) {
                        sb.append(iv[r]);
                    } else {
                        sb.append(number(((double[]) cols[c])[r], names.get(c), r));
                    }
                }
                sb.append('\n');
                w.write(sb.toString());
            }
        });
    }

    /** The shortest decimal that reads back as the same double (Java's Double.toString, e.g. 0.25, 1.0E-5). */
    static String number(double v, String column, int row) {
        if (!Double.isFinite(v)) {
            throw new IllegalStateException(column + " of row " + row + " is " + v + "; the table never holds NaN or infinity");
        }
        return Double.toString(v);
    }

    public static void hdf5(NeuronTable t, Path target, Map<String, Object> attributes) {
        try (AtomicOutput out = AtomicOutput.create(target)) {
            try (WritableHdfFile f = HdfFile.write(out.temp())) {
                f.putAttribute("format", FORMAT);
                f.putAttribute("model", t.model());
                f.putAttribute("n_layers", t.nLayers());
                f.putAttribute("d_mlp", t.dMlp());
                f.putAttribute("columns", String.join(",", t.names()));
                attributes.forEach((k, v) -> {
                    if (v instanceof String s) {
                        f.putAttribute(k, s);
                    } else if (v instanceof Double d) {
                        f.putAttribute(k, d.doubleValue());
                    } else if (v instanceof Integer i) {
                        f.putAttribute(k, i.intValue());
                    } else if (v instanceof Long l) {
                        f.putAttribute(k, l.longValue());
                    } else {
                        f.putAttribute(k, String.valueOf(v));
                    }
                });
                for (String name : t.names()) {
                    f.putDataset(name, t.column(name));
                }
            }
            out.commit();
        }
    }

    public static void layerFractions(NeuronTable t, Path target) {
        NeuronTable.Fractions fr = Universality.layerFractions(t);
        write(target, w -> {
            w.write("layer,n_neurons,n_universal,fraction\n");
            for (int l = 0; l < t.nLayers(); l++) {
                w.write(l + "," + fr.nNeurons()[l] + "," + fr.nUniversal()[l] + "," + Double.toString(fr.fraction(l)) + "\n");
            }
        });
    }

    public static void percentiles(List<Percentiles.Row> rows, Path target) {
        write(target, w -> {
            w.write("metric,layer,median_percentile,n_universal\n");
            for (Percentiles.Row r : rows) {
                w.write(r.metric() + "," + (r.layer() < 0 ? "all" : Integer.toString(r.layer())) + ","
                        + number(r.medianPercentile(), "median_percentile", 0) + "," + r.count() + "\n");
            }
        });
    }

    public static void text(Path target, String content) {
        write(target, w -> w.write(content));
    }

    interface Body {
        void write(BufferedWriter w) throws IOException;
    }

    static void write(Path target, Body body) {
        try (AtomicOutput out = AtomicOutput.create(target)) {
            try (BufferedWriter w = Files.newBufferedWriter(out.temp(), StandardCharsets.UTF_8)) {
                body.write(w);
            } catch (IOException e) {
                throw new UncheckedIOException(target + ": cannot write", e);
            }
            out.commit();
        }
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.6g", v);
    }
}
