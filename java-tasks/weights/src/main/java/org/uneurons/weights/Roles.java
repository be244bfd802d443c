package org.uneurons.weights;

import java.util.Arrays;
import java.util.Map;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.uneurons.models.ProcessedWeights;

/**
 * Functional roles read from processed weights (METHOD 7.1, 7.2): the prediction / suppression / partition rule on
 * the vocabulary moments, the fraction of a neuron's output norm in the bottom eigen-subspace of W_U W_U^T (the
 * bottom singular subspace of W_U) and the entropy-neuron candidate filter. Neurons flat, layer-major.
 */
public final class Roles {
    /** vocab_kurt above this: a prediction (skew &gt; 0) or suppression (skew &lt; 0) neuron (the notebooks' rule). */
    public static final double KURT = 10;
    /** vocab_var above this (and not prediction or suppression): a partition neuron (the notebook's threshold). */
    public static final double PARTITION_VAR = 0.005;

    private Roles() {
    }

    /** The role of one neuron from its vocabulary moments: prediction, suppression, partition or none. */
    public static String role(double vocabVar, double vocabSkew, double vocabKurt) {
        if (vocabKurt > KURT && vocabSkew > 0) {
            return "prediction";
        }
        if (vocabKurt > KURT && vocabSkew < 0) {
            return "suppression";
        }
        return vocabVar > PARTITION_VAR ? "partition" : "none";
    }

    /**
     * The paper's entropy-neuron candidate filters on weight columns (METHOD 7.2). The activation-kurtosis condition
     * (kurt &le; 10) needs activation statistics and is not applied here. The layer bound is the last two layers
     * (layer &ge; 10 of 12 for small, &ge; 22 of 24 for medium).
     */
    public enum EntropyFilter {
        /** layer &ge; n_layers - 2, l2_penalty &ge; 3, vocab_kurt &le; 10 (the small-model query). */
        SMALL(3, 10, Double.POSITIVE_INFINITY),
        /** layer &ge; n_layers - 2, l2_penalty &ge; 1, vocab_kurt &le; 8, vocab_var &le; 0.001 (the medium-model query). */
        MEDIUM(1, 8, 0.001);

        final double minL2, maxVocabKurt, maxVocabVar;

        EntropyFilter(double minL2, double maxVocabKurt, double maxVocabVar) {
            this.minL2 = minL2;
            this.maxVocabKurt = maxVocabKurt;
            this.maxVocabVar = maxVocabVar;
        }

        /** Medium for 24 layers or more, small otherwise. */
        public static EntropyFilter forLayers(int nLayers) {
            return nLayers >= 24 ? MEDIUM : SMALL;
        }

        public boolean passes(int layer, int nLayers, double l2, double vocabVar, double vocabKurt) {
            return layer >= nLayers - 2 && l2 >= minL2 && vocabKurt <= maxVocabKurt && vocabVar <= maxVocabVar;
        }
    }

    /**
     * The k eigenvectors of W_U W_U^T (d_model x d_model, float64) with the smallest eigenvalues, as rows
     * [k][d_model], and all eigenvalues ascending in {@code eigenvalues} (length d_model) when not null.
     */
    public static double[][] bottomSubspace(ProcessedWeights w, int k, double[] eigenvalues) {
        int d = w.dModel, V = w.vocab;
        if (k < 1 || k > d) {
            throw new IllegalArgumentException("k = " + k + " outside 1.." + d);
        }
        double[][] g = new double[d][d];
        for (int a = 0; a < d; a++) {
            for (int b = a; b < d; b++) {
                double s = 0;
                int ra = a * V, rb = b * V;
                for (int v = 0; v < V; v++) {
                    s += w.wU[ra + v] * w.wU[rb + v];
                }
                g[a][b] = s;
                g[b][a] = s;
            }
        }
        RealMatrix m = new Array2DRowRealMatrix(g, false);
        EigenDecomposition e = new EigenDecomposition(m);
        double[] values = e.getRealEigenvalues();
        Integer[] order = new Integer[d];
        for (int i = 0; i < d; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Double.compare(values[x], values[y]));
        if (eigenvalues != null) {
            for (int i = 0; i < d; i++) {
                eigenvalues[i] = values[order[i]];
            }
        }
        double[][] basis = new double[k][];
        for (int i = 0; i < k; i++) {
            basis[i] = e.getEigenvector(order[i]).toArray();
        }
        return basis;
    }

    /** Per neuron, ||P w_out||^2 / ||w_out||^2 for the orthonormal rows of {@code basis} (0 for a zero w_out). */
    public static double[] nullFraction(ProcessedWeights w, double[][] basis) {
        int m = w.dMlp, d = w.dModel;
        double[] f = new double[w.nLayers * m];
        for (int l = 0; l < w.nLayers; l++) {
            for (int j = 0; j < m; j++) {
                double all = 0;
                for (int r = 0; r < d; r++) {
                    double x = w.wOut[l][j * d + r];
                    all += x * x;
                }
                double in = 0;
                for (double[] b : basis) {
                    double p = 0;
                    for (int r = 0; r < d; r++) {
                        p += b[r] * w.wOut[l][j * d + r];
                    }
                    in += p * p;
                }
                f[l * m + j] = all > 0 ? Math.min(1, in / all) : 0;
            }
        }
        return f;
    }

    /** The role column from the vocabulary columns of {@code org.uneurons.models.WeightStats#vocab}. */
    public static String[] roles(Map<String, double[]> vocab) {
        double[] var = vocab.get("vocab_var"), skew = vocab.get("vocab_skew"), kurt = vocab.get("vocab_kurt");
        String[] r = new String[var.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = role(var[i], skew[i], kurt[i]);
        }
        return r;
    }
}
