package org.uneurons.core.stats;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.uneurons.core.cli.InputException;

/**
 * Activation statistics of every neuron of one model over the tokens of one or more shards (METHOD 5.3), mergeable
 * across shards: central moments of the pre-activation up to order 4, how often the pre-activation is above 0 and
 * above the paper's histogram edge, the paper's histogram of the pre-activation ({@link PaperHistogram}), the sum
 * and max of the post-activation, and the k tokens with the largest post-activation (shard and row). Neurons are
 * flat, layer-major: {@code layer * d_mlp + neuron}. Tokens of the unknown id that a shard's filter drops are left
 * out ({@link #statisticsFilter}) and counted ({@link #skippedUnknown}).
 */
public final class ActivationStats {
    /**
     * The paper's activation frequency counts pre-activations in histogram bins from index 102 of
     * searchsorted(linspace(-10, 15, 256), x) (left side), i.e. x above edge 101 of torch's float32 linspace,
     * -0.09803905 ({@link PaperHistogram}).
     */
    public static final double PAPER_EDGE = PaperHistogram.edges()[PaperHistogram.FIRST_ACTIVE_BIN - 1];
    /** The same float32 value: a float compares with it as with the double. */
    private static final float PAPER_EDGE_32 = (float) PAPER_EDGE;

    private final String model;
    /** The content hash of the model's weights (WeightsDigest), or null when not known (files of older versions). */
    private String modelSha256;
    private final int nLayers;
    private final int dMlp;
    private final List<String> shards = new ArrayList<>();
    /** Per shard, the content hash of its tokens (TokenShard), "" when not known. */
    private final List<String> shardSha256 = new ArrayList<>();
    /** per layer, over its d_mlp neurons. */
    private final CentralMoments[] pre;
    private final long[] countPos;
    private final long[] countPaper;
    /** [N * 257]: neuron i's counts at {@code i * 257 + bin}. */
    private final long[] preHist;
    private final double[] postSum;
    private final double[] postMax;
    private final TopK top;
    private long skippedUnknown;

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
        preHist = new long[Math.multiplyExact(n, PaperHistogram.BINS)];
        postSum = new double[n];
        postMax = new double[n];
        Arrays.fill(postMax, Double.NEGATIVE_INFINITY);
        top = new TopK(n, k);
    }

    /** Fresh statistics of the model whose weights hash to {@code modelSha256} (null: not known). */
    public ActivationStats(String model, String modelSha256, int nLayers, int dMlp, int k) {
        this(model, nLayers, dMlp, k);
        this.modelSha256 = modelSha256;
    }

    /**
     * Statistics as stored (partial statistics files); the arrays are taken, not copied. {@code shardSha256} has one
     * entry per shard ("" where not known), {@code modelSha256} may be null.
     */
    public ActivationStats(String model, String modelSha256, int nLayers, int dMlp, List<String> shards,
                           List<String> shardSha256, CentralMoments[] pre, long[] countPos, long[] countPaper,
                           long[] preHist, double[] postSum, double[] postMax, TopK top, long skippedUnknown) {
        if (shardSha256.size() != shards.size()) {
            throw new IllegalArgumentException(shards.size() + " shards but " + shardSha256.size() + " shard hashes");
        }
        if (preHist.length != (long) nLayers * dMlp * PaperHistogram.BINS) {
            throw new IllegalArgumentException("histogram of " + preHist.length + " counts, expected " + nLayers + " x "
                    + dMlp + " x " + PaperHistogram.BINS);
        }
        this.model = model;
        this.modelSha256 = modelSha256;
        this.nLayers = nLayers;
        this.dMlp = dMlp;
        this.shards.addAll(shards);
        this.shardSha256.addAll(shardSha256);
        this.pre = pre;
        this.countPos = countPos;
        this.countPaper = countPaper;
        this.preHist = preHist;
        this.postSum = postSum;
        this.postMax = postMax;
        this.top = top;
        this.skippedUnknown = skippedUnknown;
    }

    /**
     * What statistics leave out of a shard: its unknown id, when the shard's recorded filter drops it (the one
     * decision about that id, made when the shard was made); nothing otherwise. BOS, EOS and newline stay in, as the
     * paper's statistics kept them (METHOD 5.3). {@code recorded} may be null (a file without filter_ids), {@code
     * unkId} -1 (no unknown id).
     */
    public static TokenFilter statisticsFilter(TokenFilter recorded, int unkId) {
        return unkId >= 0 && recorded != null && recorded.drops(unkId) ? new TokenFilter(unkId) : TokenFilter.none();
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

    /** The content hash of each shard's tokens, in the order of {@link #shards()}; "" where not known. */
    public List<String> shardSha256() {
        return List.copyOf(shardSha256);
    }

    /** The content hash of the model's weights, or null when not known. */
    public String modelSha256() {
        return modelSha256;
    }

    /** Tokens counted (the unknown ones left out). */
    public long tokens() {
        return pre[0].count();
    }

    /** Tokens of the unknown id left out ({@link #statisticsFilter}). */
    public long skippedUnknown() {
        return skippedUnknown;
    }

    public int k() {
        return top.k();
    }

    /** "" or ", N tokens of the unknown id left out", for the tools' summary lines. */
    public String describeSkipped() {
        return skippedUnknown == 0 ? ""
                : String.format(java.util.Locale.ROOT, ", %,d tokens of the unknown id left out", skippedUnknown);
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

    /** The paper's histogram, [N * 257] flat: neuron i's count of bin b at {@code i * 257 + b}. */
    public long[] preHist() {
        return preHist;
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

    /** {@link #beginShard(String, String, String)} of a shard whose content hash is not known. */
    public int beginShard(String shard, String where) {
        return beginShard(shard, null, where);
    }

    /**
     * Starts the tokens of another shard, named {@code shard}, whose tokens hash to {@code sha256} (TokenShard; null
     * when not known); returns its index in {@link #shards()} (the source recorded with top activations). A shard
     * already in these statistics, by content (or by name where the content is not known), is an error: its tokens
     * would count twice; so is another shard of the same name (top activations point into shards by name).
     * {@code where} names the input in errors.
     */
    public int beginShard(String shard, String sha256, String where) {
        String h = sha256 == null ? "" : sha256;
        for (int i = 0; i < shards.size(); i++) {
            String other = shardSha256.get(i);
            boolean sameName = shards.get(i).equals(shard);
            if (sameName && (h.isEmpty() || other.isEmpty() || h.equals(other))) {
                throw new InputException(where + ": shard '" + shard + "' is already in these statistics");
            }
            if (sameName) {
                throw new InputException(where + ": shard '" + shard + "' is already in these statistics with other"
                        + " tokens (sha256 " + abbreviate(other) + " there, " + abbreviate(h) + " here); shards of one"
                        + " model's statistics must have distinct names");
            }
            if (!h.isEmpty() && h.equals(other)) {
                throw new InputException(where + ": shard '" + shard + "' holds the same tokens as shard '" + shards.get(i)
                        + "' (sha256 " + abbreviate(h) + "), already in these statistics; its tokens would count twice");
            }
        }
        shards.add(shard);
        shardSha256.add(h);
        return shards.size() - 1;
    }

    /**
     * Activations of weights that hash to {@code sha256} (null: not known) join these statistics: refused when these
     * are of other weights (another checkpoint under the same model name); the first known hash is kept.
     */
    public void checkModel(String sha256, String where) {
        if (sha256 == null) {
            return;
        }
        if (modelSha256 == null) {
            modelSha256 = sha256;
        } else if (!modelSha256.equals(sha256)) {
            throw new InputException(where + ": activations of " + model + " with weights sha256 " + abbreviate(sha256)
                    + ", but these statistics are of weights " + abbreviate(modelSha256) + "; statistics of one model"
                    + " must come from one checkpoint");
        }
    }

    /** The first 12 hex digits of a content hash, as messages show it. */
    public static String abbreviate(String sha256) {
        return sha256 == null || sha256.length() <= 12 ? String.valueOf(sha256) : sha256.substring(0, 12);
    }

    /** Records tokens left out as unknown (once per token, not per layer). */
    public void skipUnknown(long tokens) {
        skippedUnknown += tokens;
    }

    /** Folds in {@code rows} pre-activation rows of one layer ([rows x d_mlp] row-major from offset 0). */
    public void addPre(int layer, float[] buf, int rows) {
        pre[layer].addRows(buf, 0, rows);
        int base = layer * dMlp;
        for (int t = 0; t < rows; t++) {
            int at = t * dMlp;
            int h = base * PaperHistogram.BINS;
            for (int j = 0; j < dMlp; j++, h += PaperHistogram.BINS) {
                float x = buf[at + j];
                // no branches on the data: a count of (x > 0) half the time mispredicts
                countPos[base + j] += x > 0 ? 1 : 0;
                countPaper[base + j] += x > PAPER_EDGE_32 ? 1 : 0;
                preHist[h + PaperHistogram.bin(x)]++;
            }
        }
    }

    /**
     * Folds in the rows {@code keep} (ascending) of a [rows x d_mlp] pre-activation buffer and leaves the others out;
     * the kept rows are moved to the front of {@code buf}, which is the caller's scratch.
     */
    public void addPre(int layer, float[] buf, int[] keep) {
        for (int r = 0; r < keep.length; r++) {
            if (keep[r] != r) {
                System.arraycopy(buf, keep[r] * dMlp, buf, r * dMlp, dMlp);
            }
        }
        addPre(layer, buf, keep.length);
    }

    /**
     * Folds in {@code rows} post-activation rows of one layer, rows {@code firstRow..} of shard {@code src};
     * {@code where} names the input in the error for a non-finite value.
     */
    public void addPost(int layer, float[] buf, int rows, int src, long firstRow, String where) {
        for (int t = 0; t < rows; t++) {
            addPostRow(layer, buf, t, src, firstRow + t, where);
        }
    }

    /**
     * Folds in the rows {@code keep} (ascending) of a post-activation buffer whose row 0 is row {@code firstRow} of
     * shard {@code src}: top activations keep pointing at the shard's own rows.
     */
    public void addPost(int layer, float[] buf, int[] keep, int src, long firstRow, String where) {
        for (int t : keep) {
            addPostRow(layer, buf, t, src, firstRow + t, where);
        }
    }

    private void addPostRow(int layer, float[] buf, int t, int src, long row, String where) {
        int base = layer * dMlp;
        int at = t * dMlp;
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

    /**
     * Folds statistics of other shards of the same model in: the same name, shapes and top-k, and the same weights
     * where both know their hash; no shard twice ({@link #beginShard}).
     */
    public void merge(ActivationStats o, String where) {
        if (!o.model.equals(model) || o.nLayers != nLayers || o.dMlp != dMlp || o.k() != k()) {
            throw new InputException(where + ": statistics of " + o.model + " (" + o.nLayers + " x " + o.dMlp + ", top-k "
                    + o.k() + "), expected " + model + " (" + nLayers + " x " + dMlp + ", top-k " + k() + ")");
        }
        checkModel(o.modelSha256, where);
        int[] map = new int[o.shards.size()];
        for (int i = 0; i < map.length; i++) {
            map[i] = beginShard(o.shards.get(i), o.shardSha256.get(i), where);
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
        for (int i = 0; i < preHist.length; i++) {
            preHist[i] += o.preHist[i];
        }
        skippedUnknown += o.skippedUnknown;
        top.merge(o.top, map);
    }

    /**
     * Per-neuron columns: mean, var, skew, kurt, act_freq, act_freq_paper (exact, from every value), mean_binned,
     * var_binned, skew_binned, kurt_binned, act_freq_binned (the paper's, from its histogram), post_mean, post_max.
     * Statistics of no token at all (every token unknown) are an error.
     */
    public Map<String, double[]> columns() {
        long tokens = tokens();
        if (tokens == 0) {
            throw new InputException("statistics of " + model + " over shards " + String.join(",", shards)
                    + " hold no token: " + (skippedUnknown > 0 ? "all " + skippedUnknown
                    + " were the unknown id, which the shards' filter_ids drop" : "the shards are empty"));
        }
        int n = nLayers * dMlp;
        Map<String, double[]> c = new LinkedHashMap<>();
        for (String name : List.of("mean", "var", "skew", "kurt", "act_freq", "act_freq_paper", "mean_binned",
                "var_binned", "skew_binned", "kurt_binned", "act_freq_binned", "post_mean", "post_max")) {
            c.put(name, new double[n]);
        }
        for (int l = 0; l < nLayers; l++) {
            for (int j = 0; j < dMlp; j++) {
                int i = l * dMlp + j;
                c.get("mean")[i] = pre[l].mean()[j];
                c.get("var")[i] = pre[l].variance(j);
                c.get("skew")[i] = pre[l].skew(j);
                c.get("kurt")[i] = pre[l].kurtosis(j);
            }
        }
        for (int i = 0; i < n; i++) {
            c.get("act_freq")[i] = countPos[i] / (double) tokens;
            c.get("act_freq_paper")[i] = countPaper[i] / (double) tokens;
            double[] binned = PaperHistogram.moments(preHist, i * PaperHistogram.BINS);
            c.get("mean_binned")[i] = binned[0];
            c.get("var_binned")[i] = binned[1];
            c.get("skew_binned")[i] = binned[2];
            c.get("kurt_binned")[i] = binned[3];
            c.get("act_freq_binned")[i] = PaperHistogram.activeFraction(preHist, i * PaperHistogram.BINS);
            c.get("post_mean")[i] = postSum[i] / tokens;
            c.get("post_max")[i] = postMax[i];
        }
        return c;
    }
}
