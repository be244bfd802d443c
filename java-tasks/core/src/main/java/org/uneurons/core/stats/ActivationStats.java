package org.uneurons.core.stats;

import java.util.ArrayList;
import java.util.List;

import org.uneurons.core.cli.InputException;

/**
 * Activation statistics of every neuron of one model over the tokens of one or more shards (METHOD 5.3), mergeable
 * across shards: central moments of the pre-activation up to order 4, how often the pre-activation is above 0 and
 * above the paper's histogram edge, the sum and max of the post-activation, and the k tokens with the largest
 * post-activation (shard and row). Neurons are flat, layer-major: {@code layer * d_mlp + neuron}.
 */
public final class ActivationStats {
    /**
     * The paper's activation frequency counts pre-activations in histogram bins from index 102 of
     * searchsorted(linspace(-10, 15, 256), x) (left side), i.e. x above edge 101 = -10 + 101 * 25/255 = -0.098.
     */
    public static final double PAPER_EDGE = -10 + 101 * (25.0 / 255.0);

    private final String model;
    private final int nLayers;
    private final int dMlp;
    private final List<String> shards = new ArrayList<>();
    /** per layer, over its d_mlp neurons. */
    private final CentralMoments[] pre;
    private final long[] countPos;
    private final long[] countPaper;
    private final double[] postSum;
    private final double[] postMax;
    private final TopK top;

    public ActivationStats(String model, int nLayers, int dMlp, int k) {
        this.model = model;
        this.nLayers = nLayers;
        this.dMlp = dMlp;
        this.pre = new CentralMoments[nLayers];
        for (int l = 0; l < nLayers; l++) {
            pre[l] = new CentralMoments(dMlp);
        }
        int n = nLayers * dMlp;
        countPos = new long[n];
        countPaper = new long[n];
        postSum = new double[n];
        postMax = new double[n];
        java.util.Arrays.fill(postMax, Double.NEGATIVE_INFINITY);
        top = new TopK(n, k);
    }

    /** Statistics as stored (partial statistics files); the arrays are taken, not copied. */
    public ActivationStats(String model, int nLayers, int dMlp, List<String> shards, CentralMoments[] pre, long[] countPos,
                           long[] countPaper, double[] postSum, double[] postMax, TopK top) {
        this.model = model;
        this.nLayers = nLayers;
        this.dMlp = dMlp;
        this.shards.addAll(shards);
        this.pre = pre;
        this.countPos = countPos;
        this.countPaper = countPaper;
        this.postSum = postSum;
        this.postMax = postMax;
        this.top = top;
    }

    public String model() {
        return model;
    }

    public int nLayers() {
        return nLayers;
    }

    public int dMlp() {
        return dMlp;
    }

    public List<String> shards() {
        return List.copyOf(shards);
    }

    public long tokens() {
        return pre[0].count();
    }

    public int k() {
        return top.k();
    }

    /** Pre-activation moments of one layer (over its d_mlp neurons). */
    public CentralMoments pre(int layer) {
        return pre[layer];
    }

    /** Per neuron (layer-major): tokens with pre-activation > 0. */
    public long[] countPos() {
        return countPos;
    }

    /** Per neuron: tokens with pre-activation above {@link #PAPER_EDGE}. */
    public long[] countPaper() {
        return countPaper;
    }

    public double[] postSum() {
        return postSum;
    }

    public double[] postMax() {
        return postMax;
    }

    public TopK top() {
        return top;
    }

    /**
     * Starts the tokens of another shard; returns its index in {@link #shards()} (the source recorded with top
     * activations). {@code where} names the input in errors.
     */
    public int beginShard(String shard, String where) {
        if (shards.contains(shard)) {
            throw new InputException(where + ": shard '" + shard + "' is already in these statistics");
        }
        shards.add(shard);
        return shards.size() - 1;
    }

    /** Folds in {@code rows} pre-activation rows of one layer ([rows x d_mlp] row-major from offset 0). */
    public void addPre(int layer, float[] buf, int rows) {
        pre[layer].addRows(buf, 0, rows);
        int base = layer * dMlp;
        for (int t = 0; t < rows; t++) {
            int at = t * dMlp;
            for (int j = 0; j < dMlp; j++) {
                float x = buf[at + j];
                if (x > 0) {
                    countPos[base + j]++;
                }
                if (x > PAPER_EDGE) {
                    countPaper[base + j]++;
                }
            }
        }
    }

    /**
     * Folds in {@code rows} post-activation rows of one layer, rows {@code firstRow..} of shard {@code src};
     * {@code where} names the input in the error for a non-finite value.
     */
    public void addPost(int layer, float[] buf, int rows, int src, long firstRow, String where) {
        int base = layer * dMlp;
        for (int t = 0; t < rows; t++) {
            int at = t * dMlp;
            long row = firstRow + t;
            for (int j = 0; j < dMlp; j++) {
                float x = buf[at + j];
                if (!(x == x) || Float.isInfinite(x)) {
                    throw new InputException(where + ": /mlp_post/" + layer + " row " + row + " neuron " + j
                            + " is " + x + "; activations must be finite");
                }
                postSum[base + j] += x;
                if (x > postMax[base + j]) {
                    postMax[base + j] = x;
                }
                if (x > top.threshold(base + j)) { // equal values keep the earlier row
                    top.offer(base + j, x, src, row);
                }
            }
        }
    }

    /** After a layer's pre-activations: every neuron's moments must be finite. */
    public void checkFinite(int layer, String where) {
        double[] mean = pre[layer].mean();
        for (int j = 0; j < dMlp; j++) {
            if (!Double.isFinite(mean[j]) || !Double.isFinite(pre[layer].m4()[j])) {
                throw new InputException(where + ": /mlp_pre/" + layer + " neuron " + j
                        + " has non-finite values (NaN or infinity, or overflow of its 4th moment)");
            }
        }
    }

    /** Folds statistics of other shards of the same model in. */
    public void merge(ActivationStats o, String where) {
        if (!o.model.equals(model) || o.nLayers != nLayers || o.dMlp != dMlp || o.k() != k()) {
            throw new InputException(where + ": statistics of " + o.model + " (" + o.nLayers + " x " + o.dMlp + ", top-k "
                    + o.k() + "), expected " + model + " (" + nLayers + " x " + dMlp + ", top-k " + k() + ")");
        }
        int[] map = new int[o.shards.size()];
        for (int i = 0; i < map.length; i++) {
            String s = o.shards.get(i);
            if (shards.contains(s)) {
                throw new InputException(where + ": shard '" + s + "' is already in these statistics");
            }
            map[i] = shards.size();
            shards.add(s);
        }
        for (int l = 0; l < nLayers; l++) {
            pre[l].merge(o.pre[l]);
        }
        for (int i = 0; i < countPos.length; i++) {
            countPos[i] += o.countPos[i];
            countPaper[i] += o.countPaper[i];
            postSum[i] += o.postSum[i];
            postMax[i] = Math.max(postMax[i], o.postMax[i]);
        }
        top.merge(o.top, map);
    }

    /** Per-neuron columns: mean, var, skew, kurt, act_freq, act_freq_paper, post_mean, post_max. */
    public java.util.Map<String, double[]> columns() {
        int n = nLayers * dMlp;
        double[] mean = new double[n], var = new double[n], skew = new double[n], kurt = new double[n];
        double[] freq = new double[n], freqPaper = new double[n], postMean = new double[n], max = new double[n];
        double tokens = tokens();
        for (int l = 0; l < nLayers; l++) {
            for (int j = 0; j < dMlp; j++) {
                int i = l * dMlp + j;
                mean[i] = pre[l].mean()[j];
                var[i] = pre[l].variance(j);
                skew[i] = pre[l].skew(j);
                kurt[i] = pre[l].kurtosis(j);
            }
        }
        for (int i = 0; i < n; i++) {
            freq[i] = countPos[i] / tokens;
            freqPaper[i] = countPaper[i] / tokens;
            postMean[i] = postSum[i] / tokens;
            max[i] = postMax[i];
        }
        java.util.Map<String, double[]> c = new java.util.LinkedHashMap<>();
        c.put("mean", mean);
        c.put("var", var);
        c.put("skew", skew);
        c.put("kurt", kurt);
        c.put("act_freq", freq);
        c.put("act_freq_paper", freqPaper);
        c.put("post_mean", postMean);
        c.put("post_max", max);
        return c;
    }
}
