package org.uneurons.formats;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.uneurons.core.io.AtomicOutput;
import org.uneurons.core.io.Hdf5Writer;
import org.uneurons.core.io.OutputSet;

/**
 * The neuron table of the universality tool, written atomically as neurons.csv (header row, one row per neuron,
 * numbers only, no index column, never NaN) and neurons.h5 ({@code uneurons-neuron-table/1}: one dataset per column,
 * provenance as root attributes). Small CSV outputs beside it: {@link LayerFractionsFile}, {@link PercentilesFile}.
 */
public final class NeuronTableFile {
    public static final String FORMAT = "uneurons-neuron-table/1";

    private NeuronTableFile() {
    }

    public static void csv(NeuronTable t, Path target) {
        AtomicOutput.write(target, csvContent(t));
    }

    /** neurons.csv's content, for an {@link OutputSet}. */
    public static OutputSet.Body csvContent(NeuronTable t) {
        List<String> names = t.names();
        Object[] cols = names.stream().map(t::column).toArray();
        return AtomicOutput.text(w -> {
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
        AtomicOutput.write(target, hdf5Content(t, attributes));
    }

    /** neurons.h5's content, for an {@link OutputSet}. */
    public static OutputSet.Body hdf5Content(NeuronTable t, Map<String, Object> attributes) {
        return file -> {
            try (Hdf5Writer f = Hdf5Writer.create(file)) {
                f.attribute("format", FORMAT)
                        .attribute("model", t.model())
                        .attribute("n_layers", t.nLayers())
                        .attribute("d_mlp", t.dMlp())
                        .attribute("columns", String.join(",", t.names()));
                attributes.forEach((k, v) -> f.attribute(k,
                        v instanceof String || v instanceof Double || v instanceof Integer || v instanceof Long
                                ? v : String.valueOf(v)));
                for (String name : t.names()) {
                    f.dataset(name, t.column(name));
                }
            }
        };
    }
}
