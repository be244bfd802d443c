package org.uneurons.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.uneurons.report.ReportModel.ListedNeuron;
import org.uneurons.report.ReportModel.NeuronList;
import org.uneurons.report.ReportModel.Reference;
import org.uneurons.report.ReportModel.ReferenceLayer;
import org.uneurons.report.ReportModel.Scatter;

/**
 * The reference comparison of the {@link ReportModel}: the anchor's neuron table against a reference table of the
 * same model shape ({@link ReferenceTable#checkShape}). Neurons are matched by (layer, neuron). A reference that
 * lists only some neurons (the paper's universal.csv) counts the others as not universal and leaves them out of
 * the correlations.
 */
final class ReferenceBuilder {
    /** Neurons listed per "universal in only one table" list. */
    static final int LISTED = 50;

    private ReferenceBuilder() {
    }

    static Reference build(NeuronGroup anchor, ReferenceTable ref) {
        int d = anchor.dMlp;
        Grid ours = Grid.of(anchor.layer, anchor.neuron, anchor.excess, anchor.universal, anchor.nLayers, d);
        Grid theirs = Grid.of(ref.layer, ref.neuron, ref.excess, ref.universal, anchor.nLayers, d);
        int both = 0;
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (int k = 0; k < ours.excess.length; k++) {
            both += ours.universal[k] && theirs.universal[k] ? 1 : 0;
            if (!Double.isNaN(ours.excess[k]) && !Double.isNaN(theirs.excess[k])) {
                xs.add(ours.excess[k]);
                ys.add(theirs.excess[k]);
            }
        }
        int anchorUniversal = ours.count();
        int referenceUniversal = theirs.count();
        int either = anchorUniversal + referenceUniversal - both;
        double[] x = xs.stream().mapToDouble(Double::doubleValue).toArray();
        double[] y = ys.stream().mapToDouble(Double::doubleValue).toArray();
        return new Reference(ref.label, anchor.label, ref.file.getFileName().toString(), ref.size(), ref.complete,
                ref.flagged, anchor.nLayers, d, anchorUniversal, referenceUniversal, both,
                either == 0 ? Double.NaN : both / (double) either, x.length, Correlations.pearson(x, y),
                Correlations.spearman(x, y), byLayer(ours, theirs, Analysis.layerCounts(anchor).total(), d),
                new Scatter(List.copyOf(xs), List.copyOf(ys)), onlyIn(ours, theirs, ours, theirs, d),
                onlyIn(theirs, ours, ours, theirs, d), LISTED);
    }

    /** Universal neurons of each table per layer, as shares of the anchor's layer sizes. */
    private static List<ReferenceLayer> byLayer(Grid ours, Grid theirs, int[] layerSize, int d) {
        List<ReferenceLayer> out = new ArrayList<>();
        for (int l = 0; l < layerSize.length; l++) {
            int a = 0;
            int b = 0;
            for (int k = l * d; k < (l + 1) * d; k++) {
                a += ours.universal[k] ? 1 : 0;
                b += theirs.universal[k] ? 1 : 0;
            }
            out.add(new ReferenceLayer(l, layerSize[l], ModelBuilder.share(a, layerSize[l]),
                    ModelBuilder.share(b, layerSize[l])));
        }
        return List.copyOf(out);
    }

    /** Neurons universal in {@code in} but not in {@code notIn}: the first {@link #LISTED} in layer order, and all. */
    private static NeuronList onlyIn(Grid in, Grid notIn, Grid ours, Grid theirs, int d) {
        List<ListedNeuron> listed = new ArrayList<>();
        int total = 0;
        for (int k = 0; k < in.universal.length; k++) {
            if (in.universal[k] && !notIn.universal[k]) {
                if (listed.size() < LISTED) {
                    listed.add(new ListedNeuron(k / d, k % d, ours.excess[k], theirs.excess[k]));
                }
                total++;
            }
        }
        return new NeuronList(List.copyOf(listed), total);
    }

    /** A table on the anchor's grid, index layer * d + neuron: excess (NaN where it has no row) and universality. */
    private record Grid(double[] excess, boolean[] universal) {
        static Grid of(int[] layer, int[] neuron, double[] excess, boolean[] universal, int layers, int d) {
            double[] e = new double[layers * d];
            boolean[] u = new boolean[layers * d];
            Arrays.fill(e, Double.NaN);
            for (int r = 0; r < layer.length; r++) {
                e[layer[r] * d + neuron[r]] = excess[r];
                u[layer[r] * d + neuron[r]] = universal[r];
            }
            return new Grid(e, u);
        }

        int count() {
            int c = 0;
            for (boolean b : universal) {
                c += b ? 1 : 0;
            }
            return c;
        }
    }
}
