package org.uneurons.formats;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.uneurons.core.io.AtomicOutput;
import org.uneurons.core.io.OutputSet;

/**
 * percentiles.csv of the universality tool: {@code metric,layer,median_percentile,n_universal}, where layer is a
 * layer index or {@code all} (METHOD 5.4).
 */
public final class PercentilesFile {
    static final String WHAT = "a percentiles.csv (columns metric, layer, median_percentile, n_universal)";

    /** The metrics of the paper's figure, as neuron table columns (rows for those the table has). */
    public static final List<String> METRICS = List.of("act_freq", "mean", "skew", "kurt", "input_bias", "in_out_sim",
            "l2_penalty", "vocab_kurt");

    /** One row; {@code layer} is -1 for the row over all layers. */
    public record Row(String metric, int layer, double medianPercentile, int count) {
    }

    private PercentilesFile() {
    }

    public static void write(List<Row> rows, Path target) {
        AtomicOutput.write(target, content(rows));
    }

    /** The file's content, for an {@link OutputSet}. */
    public static OutputSet.Body content(List<Row> rows) {
        return AtomicOutput.text(w -> {
            w.write("metric,layer,median_percentile,n_universal\n");
            for (Row r : rows) {
                w.write(r.metric() + "," + (r.layer() < 0 ? "all" : Integer.toString(r.layer())) + ","
                        + NeuronTableFile.number(r.medianPercentile(), "median_percentile", 0) + "," + r.count() + "\n");
            }
        });
    }

    public static List<Row> read(Path file) {
        CsvTable t = CsvTable.read(file, WHAT, ',');
        t.require("metric", "layer", "median_percentile", "n_universal");
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < t.rows(); r++) {
            String layer = t.string(r, "layer");
            rows.add(new Row(t.string(r, "metric"), layer.equals("all") ? -1 : t.integer(r, "layer"),
                    t.number(r, "median_percentile"), t.integer(r, "n_universal")));
        }
        return rows;
    }
}
