package org.uneurons.accumulate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import org.uneurons.core.stats.Gemm;
import org.uneurons.core.stats.TokenFilter;
import org.uneurons.models.ForwardResult;
import org.uneurons.models.Hook;
import org.uneurons.models.TransformerModel;

/**
 * Fused mode's batch step with the activations kept on the device: per batch of sequences, the kept-rows index is
 * built and uploaded once; each model in a pair runs once, its hooked layers become a {@link DeviceBatch}
 * (filtered, checked finite, centred) and its forward result is freed at once; every pair's {@link DeviceMoments}
 * is updated from the two batches. Pairs are visited in order, a model's batch is made when its first pair needs it
 * and freed after its last pair, so the anchor's batch is kept while each other model comes and goes: with the
 * anchor pairs, at most two models' batches live on the device at once. Nothing crosses to the host per batch but
 * the token ids (up), the kept-rows index (up) and the finite check's 2 x layers floats per model (down).
 *
 * <p>The correlate-fused task calls {@link #step} for each batch in place of its heap loop; the benchmark times it.
 */
public final class DevicePass {
    private final List<TransformerModel> models;
    private final List<String> names;
    private final List<int[]> pairs;
    private final List<DeviceMoments> moments;
    private final TokenFilter filter;
    private final Hook hook;
    private final Gemm.Precision precision;
    private final Device device;
    private final int[] lastPair;
    private final ForwardListener listener;
    private boolean float16;

    /**
     * Sees a model's forward result before it is freed, with the extra hooks it asked for: fused mode's activation
     * statistics copy their layers to the host there, so the statistics model does not run twice.
     */
    public interface ForwardListener {
        /** Hooks model {@code m} must also produce (empty for none). */
        Set<Hook> hooks(int m);

        void forwarded(int m, ForwardResult result, int firstSequence);
    }

    /**
     * {@code models} and {@code names} are indexed as in {@code pairs} ({@code {a, b}} per pair; a model in no pair
     * may be null); {@code moments.get(i)} holds pair i's totals, on the models' device, all in one precision (the
     * batches are prepared in it). {@code hook} is {@link Hook#MLP_POST} or {@link Hook#MLP_PRE}.
     */
    public DevicePass(List<TransformerModel> models, List<String> names, List<int[]> pairs, List<DeviceMoments> moments,
                      TokenFilter filter, Hook hook) {
        this(models, names, pairs, moments, filter, hook, null);
    }

    /** As above, with a listener (may be null) that sees each forward result. */
    public DevicePass(List<TransformerModel> models, List<String> names, List<int[]> pairs, List<DeviceMoments> moments,
                      TokenFilter filter, Hook hook, ForwardListener listener) {
        if (pairs.size() != moments.size() || pairs.isEmpty()) {
            throw new IllegalArgumentException(pairs.size() + " pairs, " + moments.size() + " accumulators");
        }
        this.models = models;
        this.names = names;
        this.pairs = pairs;
        this.moments = moments;
        this.filter = filter;
        this.hook = hook;
        this.listener = listener;
        this.precision = moments.get(0).precision();
        this.device = models.get(pairs.get(0)[0]).device();
        this.lastPair = new int[models.size()];
        Arrays.fill(lastPair, -1);
        for (int i = 0; i < pairs.size(); i++) {
            for (int m : pairs.get(i)) {
                lastPair[m] = i;
                if (!models.get(m).device().equals(device) || !moments.get(i).device().equals(device)
                        || moments.get(i).precision() != precision) {
                    throw new IllegalArgumentException("every model and every pair's totals must be on " + device
                            + ", every pair's products in " + precision.optionName());
                }
            }
        }
    }

    /**
     * Rounds every activation to float16 before it is filtered and centred, as staged mode's activation files
     * store them at {@code --dtype float16}; set before the first {@link #step}. Returns this pass.
     */
    public DevicePass storedAsFloat16(boolean yes) {
        this.float16 = yes;
        return this;
    }

    /**
     * One batch: {@code sequences} are rows {@code firstSequence..} of the shard, all of one length. Returns the
     * number of rows kept by the filter (the tokens added to every pair).
     */
    public int step(int[][] sequences, int firstSequence) {
        int ctx = sequences[0].length;
        int rows = sequences.length * ctx;
        int[] ids = new int[rows];
        for (int s = 0; s < sequences.length; s++) {
            System.arraycopy(sequences[s], 0, ids, s * ctx, ctx);
        }
        DeviceBatch[] batches = new DeviceBatch[models.size()];
        try (KeptRows keep = KeptRows.of(device, ids, 0, rows, filter)) {
            for (int i = 0; i < pairs.size(); i++) {
                int a = pairs.get(i)[0], b = pairs.get(i)[1];
                for (int m : new int[] {a, b}) {
                    if (batches[m] == null) {
                        batches[m] = prepare(m, sequences, keep, firstSequence, ctx);
                    }
                }
                moments.get(i).update(batches[a], batches[b]);
                for (int m : new int[] {a, b}) {
                    if (lastPair[m] == i && batches[m] != null) {
                        batches[m].close();
                        batches[m] = null;
                    }
                }
            }
            return keep.kept();
        } finally {
            for (DeviceBatch batch : batches) {
                if (batch != null) {
                    batch.close();
                }
            }
        }
    }

    /** Runs model m once and prepares its batch; the forward result (raw activations) is freed before returning. */
    private DeviceBatch prepare(int m, int[][] sequences, KeptRows keep, int firstSequence, int ctx) {
        TransformerModel model = models.get(m);
        EnumSet<Hook> hooks = EnumSet.of(hook);
        if (listener != null) {
            hooks.addAll(listener.hooks(m));
        }
        try (ForwardResult r = model.forward(sequences, hooks)) {
            if (listener != null) {
                listener.forwarded(m, r, firstSequence);
            }
            List<NDArray> layers = new ArrayList<>();
            for (int l = 0; l < model.config().nLayers; l++) {
                layers.add(hook == Hook.MLP_PRE ? r.mlpPre(l) : r.mlpPost(l));
            }
            return DeviceBatch.of(layers, keep, precision,
                    new DeviceBatch.Origin(names.get(m), hook.lowerName(), firstSequence, ctx), float16);
        }
    }
}
