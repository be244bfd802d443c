package org.uneurons.universality;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.uneurons.core.stats.Percentiles;
import org.uneurons.formats.NeuronTable;
import org.uneurons.formats.PercentilesFile;
import org.uneurons.formats.PercentilesFile.Row;

/**
 * What distinguishes universal neurons (METHOD 5.4): per metric, each universal neuron's percentile within its
 * layer (all neurons of the layer, universal ones included), as scipy.stats.percentileofscore(layer_values, v)
 * with its default kind='rank'; then the median of those percentiles per layer and over all layers.
 */
final class LayerPercentiles {
    private LayerPercentiles() {
    }

    /** Rows for every metric present in the table (absent metrics are skipped); layers without universal neurons give no row. */
    public static List<Row> compute(NeuronTable t) {
        int[] u = t.ints("is_universal");
        List<Row> out = new ArrayList<>();
        for (String metric : PercentilesFile.METRICS) {
            if (!t.has(metric)) {
                continue;
            }
            double[] v = t.doubles(metric);
            List<Double> all = new ArrayList<>();
            for (int l = 0; l < t.nLayers(); l++) {
                int from = l * t.dMlp();
                double[] layer = Arrays.copyOfRange(v, from, from + t.dMlp());
                Arrays.sort(layer);
                List<Double> ps = new ArrayList<>();
                for (int r = from; r < from + t.dMlp(); r++) {
                    if (u[r] == 1) {
                        ps.add(Percentiles.percentileOfScore(layer, v[r]));
                    }
                }
                if (!ps.isEmpty()) {
                    out.add(new Row(metric, l, Percentiles.median(ps), ps.size()));
                    all.addAll(ps);
                }
            }
            if (!all.isEmpty()) {
                out.add(new Row(metric, -1, Percentiles.median(all), all.size()));
            }
        }
        return out;
    }
}
