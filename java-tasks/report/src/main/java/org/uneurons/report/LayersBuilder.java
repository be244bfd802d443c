package org.uneurons.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.uneurons.formats.CsvTable;
import org.uneurons.report.ReportModel.LayerCell;
import org.uneurons.report.ReportModel.LayerRow;
import org.uneurons.report.ReportModel.Layers;
import org.uneurons.report.ReportModel.Share;
import org.uneurons.report.ReportModel.UniversalInLayer;

/**
 * The per-layer part of the {@link ReportModel}: per layer and group the is_universal fraction, the fractions above
 * lower thresholds and the distribution of excess. Small models have few or no neurons past the paper's 0.5, so the
 * lower thresholds and the distributions are what show their depth profile.
 */
final class LayersBuilder {
    /** Excess thresholds counted beside is_universal: the paper's 0.5 and lower ones. */
    static final double[] THRESHOLDS = {0.5, 0.3, 0.2, 0.1};

    private LayersBuilder() {
    }

    static Layers build(List<NeuronGroup> groups, double runThreshold, CsvTable layerFractions) {
        // the run's threshold is what is_universal counts: a second column for it would repeat that one
        List<Double> thresholds = Arrays.stream(THRESHOLDS).filter(t -> Math.abs(t - runThreshold) > 1e-9).boxed().toList();
        int maxLayers = groups.stream().mapToInt(g -> g.nLayers).max().orElse(0);
        List<double[][]> excessByLayer = groups.stream().map(LayersBuilder::excessByLayer).toList();
        List<Analysis.LayerCounts> counts = groups.stream().map(Analysis::layerCounts).toList();
        boolean[] anyAbove = new boolean[thresholds.size()];
        boolean anyUniversal = false;
        List<LayerRow> rows = new ArrayList<>();
        for (int l = 0; l < maxLayers; l++) {
            List<LayerCell> cells = new ArrayList<>();
            for (int g = 0; g < groups.size(); g++) {
                LayerCell c = cell(excessByLayer.get(g), counts.get(g), l, thresholds);
                cells.add(c);
                anyUniversal |= c.universal() != null && c.universal().universal() > 0;
                for (int t = 0; t < c.above().size(); t++) {
                    anyAbove[t] |= c.above().get(t).count() > 0;
                }
            }
            rows.add(new LayerRow(l, List.copyOf(cells)));
        }
        List<Boolean> above = new ArrayList<>();
        for (boolean b : anyAbove) {
            above.add(b);
        }
        return new Layers(thresholds, List.copyOf(rows), anyUniversal, List.copyOf(above),
                layerFractions == null ? null : layerFractions.file().getFileName().toString());
    }

    private static LayerCell cell(double[][] excessByLayer, Analysis.LayerCounts c, int layer, List<Double> thresholds) {
        UniversalInLayer universal = layer < c.total().length
                ? new UniversalInLayer(c.universal()[layer], c.total()[layer], c.fraction(layer)) : null;
        double[] e = layer < excessByLayer.length ? excessByLayer[layer] : new double[0];
        if (e.length == 0) {
            return new LayerCell(universal, List.of(), Double.NaN, null);
        }
        List<Share> above = new ArrayList<>();
        for (double t : thresholds) {
            above.add(ModelBuilder.share(Analysis.countAbove(e, t), e.length));
        }
        return new LayerCell(universal, List.copyOf(above), Analysis.mean(e), Analysis.box(e));
    }

    /** The excess of each layer's neurons, in row order. */
    private static double[][] excessByLayer(NeuronGroup g) {
        int[] n = Analysis.layerCounts(g).total();
        double[][] out = new double[g.nLayers][];
        int[] fill = new int[g.nLayers];
        for (int l = 0; l < g.nLayers; l++) {
            out[l] = new double[n[l]];
        }
        for (int r = 0; r < g.size(); r++) {
            out[g.layer[r]][fill[g.layer[r]]++] = g.excess[r];
        }
        return out;
    }
}
