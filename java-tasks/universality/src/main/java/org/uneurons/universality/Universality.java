package org.uneurons.universality;

import java.util.List;

import org.uneurons.core.cli.InputException;
import org.uneurons.formats.NeuronTable;
import org.uneurons.formats.PairSummary;

/**
 * Excess correlation and the universality flag (METHOD 3.3 and 4). For anchor neuron i and the other models m:
 * max_corr, mean_corr and min_corr are the max, mean and min over m of max_j rho^{a,m}_ij (j over every neuron of
 * every layer of m); max_baseline, mean_baseline and min_baseline are the same over the baseline maxima;
 * excess_corr = mean_corr - mean_baseline; is_universal = excess_corr > threshold (strictly), and never for a dead
 * neuron (constant on the analysed tokens: no correlation at all, so every column 0, partners -1, and excess 0, which
 * no threshold in [0, 1) exceeds anyway); {@code dead} is 1 for them.
 */
public final class Universality {
    private Universality() {
    }

    /**
     * The correlation columns of the neuron table of {@code anchor}: one summary per other model, each already
     * covering every layer of the anchor ({@link PairSummary#join}), in the order the columns should appear.
     */
    public static NeuronTable compute(String anchor, List<PairSummary> others, double threshold) {
        if (others.isEmpty()) {
            throw new InputException(anchor + ": no summaries with it as model_a");
        }
        PairSummary first = others.get(0);
        int rows = first.nLayersA() * first.dA();
        checkSameAnchor(anchor, others);
        int m = others.size();
        double[] maxCorr = new double[rows];
        double[] meanCorr = new double[rows];
        double[] minCorr = new double[rows];
        double[] maxBase = new double[rows];
        double[] meanBase = new double[rows];
        double[] minBase = new double[rows];
        double[] excess = new double[rows];
        int[] universal = new int[rows];
        int[] dead = new int[rows];
        for (int r = 0; r < rows; r++) {
            double hi = Double.NEGATIVE_INFINITY, lo = Double.POSITIVE_INFINITY, sum = 0;
            double bhi = Double.NEGATIVE_INFINITY, blo = Double.POSITIVE_INFINITY, bsum = 0;
            for (PairSummary p : others) {
                double c = p.maxCorr()[r];
                double b = p.baseline()[r];
                hi = Math.max(hi, c);
                lo = Math.min(lo, c);
                sum += c;
                bhi = Math.max(bhi, b);
                blo = Math.min(blo, b);
                bsum += b;
            }
            maxCorr[r] = hi;
            minCorr[r] = lo;
            meanCorr[r] = sum / m;
            maxBase[r] = bhi;
            minBase[r] = blo;
            meanBase[r] = bsum / m;
            excess[r] = meanCorr[r] - meanBase[r];
            for (PairSummary p : others) {
                dead[r] |= p.deadA()[r] ? 1 : 0; // the same tokens in every pair: dead in one is dead in all
            }
            universal[r] = dead[r] == 0 && excess[r] > threshold ? 1 : 0;
        }
        NeuronTable t = new NeuronTable(anchor, first.nLayersA(), first.dA());
        t.put("max_corr", maxCorr);
        t.put("mean_corr", meanCorr);
        t.put("min_corr", minCorr);
        t.put("max_baseline", maxBase);
        t.put("mean_baseline", meanBase);
        t.put("min_baseline", minBase);
        t.put("excess_corr", excess);
        t.put("is_universal", universal);
        t.put("dead", dead);
        for (PairSummary p : others) {
            t.put("partner_layer_" + p.modelB(), p.maxLayer());
            t.put("partner_neuron_" + p.modelB(), p.maxNeuron());
            t.put("corr_" + p.modelB(), p.maxCorr());
            t.put("baseline_" + p.modelB(), p.baseline());
        }
        return t;
    }

    /** Every summary is of {@code anchor}, with the anchor's shape of the first. */
    private static void checkSameAnchor(String anchor, List<PairSummary> others) {
        PairSummary first = others.get(0);
        for (PairSummary p : others) {
            if (!p.modelA().equals(anchor)) {
                throw new IllegalArgumentException(p.file() + " is not a summary of " + anchor);
            }
            if (p.nLayersA() != first.nLayersA() || p.dA() != first.dA()) {
                throw new InputException(p.file() + ": " + anchor + " is " + p.nLayersA() + " x " + p.dA()
                        + " here but " + first.nLayersA() + " x " + first.dA() + " in " + first.file());
            }
        }
    }

    /** Per layer: n_neurons, n_universal, fraction (of the layer's neurons). */
    public static NeuronTable.Fractions layerFractions(NeuronTable t) {
        int[] u = t.ints("is_universal");
        int[] n = new int[t.nLayers()];
        int[] k = new int[t.nLayers()];
        for (int r = 0; r < t.rows(); r++) {
            n[r / t.dMlp()]++;
            k[r / t.dMlp()] += u[r];
        }
        return new NeuronTable.Fractions(n, k);
    }
}
