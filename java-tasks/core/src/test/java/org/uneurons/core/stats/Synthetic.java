package org.uneurons.core.stats;

import java.util.SplittableRandom;

/**
 * Adversarial activations for tests: per layer [tokens x d] row-major float32. Model a mixes large means with tiny
 * variances (mean ~1e3, variance ~1e-2), dead (constant) neurons, Cauchy and lognormal tails; model b is a noisy
 * linear mix of a's neurons (so correlations span -1..1) with its own dead neurons and offsets.
 */
public final class Synthetic {
    public final int tokens;
    public final int layersA, dA, layersB, dB;
    public final float[][] a;
    public final float[][] b;

    private Synthetic(int tokens, int layersA, int dA, int layersB, int dB, float[][] a, float[][] b) {
        this.tokens = tokens;
        this.layersA = layersA;
        this.dA = dA;
        this.layersB = layersB;
        this.dB = dB;
        this.a = a;
        this.b = b;
    }

    public static Synthetic adversarial(long seed, int tokens, int layersA, int dA, int layersB, int dB) {
        SplittableRandom rng = new SplittableRandom(seed);
        int na = layersA * dA;
        double[][] x = new double[tokens][na];
        double[] offset = new double[na];
        double[] scale = new double[na];
        int[] kind = new int[na];
        for (int i = 0; i < na; i++) {
            kind[i] = i % 5;
            offset[i] = kind[i] == 0 ? 1e3 * (1 + rng.nextDouble()) : rng.nextDouble(-2, 2);
            scale[i] = kind[i] == 0 ? 0.1 : 1;
        }
        // A shared latent per token gives real correlations between neurons.
        for (int t = 0; t < tokens; t++) {
            double latent = rng.nextGaussian();
            for (int i = 0; i < na; i++) {
                double z = 0.6 * latent + 0.8 * rng.nextGaussian();
                double v = switch (kind[i]) {
                    case 0 -> offset[i] + scale[i] * z;                        // mean 1e3, variance 1e-2
                    case 1 -> i % 7 == 1 ? 3.25 : z;                           // some dead neurons
                    case 2 -> Math.tan(Math.PI * (rng.nextDouble() - 0.5)) + 0.3 * z; // Cauchy tails
                    case 3 -> Math.exp(1.5 * z);                               // lognormal
                    default -> gelu(offset[i] + z);                            // GELU-like, mostly near 0
                };
                x[t][i] = v;
            }
        }
        int nb = layersB * dB;
        int[][] src = new int[nb][3];
        double[][] w = new double[nb][3];
        double[] bOffset = new double[nb];
        for (int j = 0; j < nb; j++) {
            for (int q = 0; q < 3; q++) {
                src[j][q] = rng.nextInt(na);
                w[j][q] = rng.nextGaussian();
            }
            bOffset[j] = j % 4 == 0 ? 2e3 : rng.nextDouble(-1, 1);
        }
        float[][] a = new float[layersA][tokens * dA];
        float[][] b = new float[layersB][tokens * dB];
        for (int t = 0; t < tokens; t++) {
            for (int i = 0; i < na; i++) {
                a[i / dA][t * dA + i % dA] = (float) x[t][i];
            }
            for (int j = 0; j < nb; j++) {
                double v;
                if (j % 9 == 4) {
                    v = -7.5; // dead in b
                } else {
                    double s = 0;
                    for (int q = 0; q < 3; q++) {
                        double xi = x[t][src[j][q]];
                        // standardise the big-mean neurons so they matter
                        s += w[j][q] * (kind[src[j][q]] == 0 ? (xi - offset[src[j][q]]) * 10 : xi);
                    }
                    v = bOffset[j] + (j % 4 == 0 ? 0.01 : 1) * (s + 0.5 * rng.nextGaussian());
                }
                b[j / dB][t * dB + j % dB] = (float) v;
            }
        }
        return new Synthetic(tokens, layersA, dA, layersB, dB, a, b);
    }

    /** Independent standard normal activations for a and b. */
    public static Synthetic independent(long seed, int tokens, int layersA, int dA, int layersB, int dB) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[][] a = new float[layersA][tokens * dA];
        float[][] b = new float[layersB][tokens * dB];
        for (float[] l : a) {
            for (int i = 0; i < l.length; i++) {
                l[i] = (float) rng.nextGaussian();
            }
        }
        for (float[] l : b) {
            for (int i = 0; i < l.length; i++) {
                l[i] = (float) rng.nextGaussian();
            }
        }
        return new Synthetic(tokens, layersA, dA, layersB, dB, a, b);
    }

    /** Given activations ([tokens x d] per layer). */
    public static Synthetic of(float[][] a, int dA, float[][] b, int dB, int tokens) {
        return new Synthetic(tokens, a.length, dA, b.length, dB, a, b);
    }

    static double gelu(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    public MomentShape shape() {
        return MomentShape.full(layersA, dA, layersB, dB);
    }

    /** Rows from..to-1 of every layer. */
    public static float[][] rows(float[][] layers, int d, int from, int to) {
        float[][] out = new float[layers.length][];
        for (int l = 0; l < layers.length; l++) {
            out[l] = java.util.Arrays.copyOfRange(layers[l], from * d, to * d);
        }
        return out;
    }

    /** Streams tokens from..to-1 into {@code m} in batches of {@code batch} rows. */
    public void feed(PairMoments m, int from, int to, int batch, Gemm gemm, Gemm.Precision p) {
        for (int s = from; s < to; s += batch) {
            int e = Math.min(to, s + batch);
            m.update(rows(a, dA, s, e), rows(b, dB, s, e), e - s, gemm, p);
        }
    }
}
