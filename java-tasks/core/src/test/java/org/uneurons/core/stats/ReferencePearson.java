package org.uneurons.core.stats;

/**
 * The independent reference: two passes in float64 over all tokens at once (means first, then sums of products
 * of deviations), no streaming, no blocks, no GEMM. Dead neurons give 0.
 */
public final class ReferencePearson {
    private ReferencePearson() {
    }

    /** r[i][j] for a's neurons (all layers, flattened) against b's (all layers, flattened). */
    public static double[][] correlations(float[][] a, int dA, float[][] b, int dB, int tokens) {
        double[][] x = flatten(a, dA, tokens);
        double[][] y = flatten(b, dB, tokens);
        return correlations(x, y);
    }

    /** Columns are neurons: x [tokens][na], y [tokens][nb]. */
    public static double[][] correlations(double[][] x, double[][] y) {
        int tokens = x.length, na = x[0].length, nb = y[0].length;
        double[] mx = means(x), my = means(y);
        double[] sx = new double[na], sy = new double[nb];
        double[][] c = new double[na][nb];
        for (int t = 0; t < tokens; t++) {
            for (int i = 0; i < na; i++) {
                double dx = x[t][i] - mx[i];
                sx[i] += dx * dx;
                for (int j = 0; j < nb; j++) {
                    c[i][j] += dx * (y[t][j] - my[j]);
                }
            }
            for (int j = 0; j < nb; j++) {
                double dy = y[t][j] - my[j];
                sy[j] += dy * dy;
            }
        }
        for (int i = 0; i < na; i++) {
            for (int j = 0; j < nb; j++) {
                c[i][j] = sx[i] == 0 || sy[j] == 0 ? 0 : c[i][j] / Math.sqrt(sx[i] * sy[j]);
            }
        }
        return c;
    }

    /** [tokens][layers * d]. */
    public static double[][] flatten(float[][] layers, int d, int tokens) {
        double[][] x = new double[tokens][layers.length * d];
        for (int l = 0; l < layers.length; l++) {
            for (int t = 0; t < tokens; t++) {
                for (int i = 0; i < d; i++) {
                    x[t][l * d + i] = layers[l][t * d + i];
                }
            }
        }
        return x;
    }

    static double[] means(double[][] x) {
        double[] m = new double[x[0].length];
        for (double[] row : x) {
            for (int i = 0; i < m.length; i++) {
                m[i] += row[i];
            }
        }
        for (int i = 0; i < m.length; i++) {
            m[i] /= x.length;
        }
        return m;
    }

    /** The full matrix assembled from a {@link PairMoments}' blocks, as the engine finalises it. */
    public static double[][] fromMoments(PairMoments m) {
        MomentShape s = m.shape();
        double[][] r = new double[s.neuronsA()][s.neuronsB()];
        for (int la = 0; la < s.layersInRangeA(); la++) {
            for (int lb = 0; lb < s.nLayersB(); lb++) {
                double[][] blk = Pearson.block(m, la, lb);
                for (int i = 0; i < s.dA(); i++) {
                    System.arraycopy(blk[i], 0, r[la * s.dA() + i], lb * s.dB(), s.dB());
                }
            }
        }
        return r;
    }

    public static double maxAbsDiff(double[][] x, double[][] y) {
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[i].length; j++) {
                double d = Math.abs(x[i][j] - y[i][j]);
                if (!(d <= worst)) {
                    worst = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
                }
            }
        }
        return worst;
    }
}
