package org.uneurons.correlatefused;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.function.Function;

import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.Progress;
import org.uneurons.core.stats.MomentShape;
import org.uneurons.core.stats.PairMoments;
import org.uneurons.core.stats.TokenFilter;
import org.uneurons.models.ForwardResult;
import org.uneurons.models.Hook;
import org.uneurons.models.TransformerModel;
import org.uneurons.accumulate.MomentAccumulator;

/**
 * Fused mode's engine: every model runs once per batch of sequences, its MLP activations are copied into
 * reusable Java buffers, filtered once, and every requested pair's {@link PairMoments} is updated from those
 * buffers. Nothing is written per batch. One forward per model per batch feeds all pairs the model is in, which
 * is why this does not go through {@link ActivationSource} (one source per side of one pair).
 *
 * <p>The activations are exactly those extract computes (same model code, same batching by sequences); the
 * moment update is the staged one. The totals live where the {@link MomentAccumulator}s given to the constructor
 * keep them: on the Java heap, or on the device that runs the models ({@link DeviceMoments}).
 */
public final class FusedRun {
    private final List<TransformerModel> models;
    private final List<String> names;
    private final int[][] tokens;
    private final List<ModelPairs.Pair> pairs;
    private final List<MomentShape> shapes = new ArrayList<>();
    private final TokenFilter filter;
    private final Function<MomentShape, MomentAccumulator> accumulators;
    private final int batchSeqs;
    private final Hook hook;

    /**
     * {@code models} and {@code names} are indexed as the pairs are; a model in no pair may be null. Pair i
     * covers layers {@code layersA.get(i)[0] .. layersA.get(i)[1]} of its a (checked by the caller).
     */
    public FusedRun(List<TransformerModel> models, List<String> names, int[][] tokens, List<ModelPairs.Pair> pairs,
                    List<int[]> layersA, TokenFilter filter, Function<MomentShape, MomentAccumulator> accumulators,
                    int batchSeqs, Hook hook) {
        this.models = models;
        this.names = names;
        this.tokens = tokens;
        this.pairs = pairs;
        this.filter = filter;
        this.accumulators = accumulators;
        this.batchSeqs = batchSeqs;
        this.hook = hook;
        for (int i = 0; i < pairs.size(); i++) {
            TransformerModel a = models.get(pairs.get(i).a());
            TransformerModel b = models.get(pairs.get(i).b());
            shapes.add(new MomentShape(a.config().nLayers, a.config().dMlp, layersA.get(i)[0], layersA.get(i)[1],
                    b.config().nLayers, b.config().dMlp));
        }
    }

    public List<MomentShape> shapes() {
        return shapes;
    }

    public long tokensTotal() {
        return (long) tokens.length * tokens[0].length;
    }

    /** One pass over the tokens; the moments in the order of the pairs. */
    public List<PairMoments> run(Progress progress) {
        int ctx = tokens[0].length;
        int maxRows = Math.min(batchSeqs, tokens.length) * ctx;
        // Per model that takes part, one buffer per layer, reused by every batch: [rows x d_mlp] row-major.
        float[][][] buffers = new float[models.size()][][];
        for (ModelPairs.Pair p : pairs) {
            for (int m : new int[] {p.a(), p.b()}) {
                if (buffers[m] == null) {
                    TransformerModel model = models.get(m);
                    buffers[m] = new float[model.config().nLayers][Math.multiplyExact(maxRows, model.config().dMlp)];
                }
            }
        }
        List<MomentAccumulator> moments = new ArrayList<>();
        try {
            for (MomentShape s : shapes) {
                moments.add(accumulators.apply(s));
            }
            pass(progress, ctx, maxRows, buffers, moments);
            List<PairMoments> totals = new ArrayList<>();
            for (MomentAccumulator m : moments) {
                totals.add(m.totals());
            }
            return totals;
        } finally {
            for (MomentAccumulator m : moments) {
                m.close();
            }
        }
    }

    private void pass(Progress progress, int ctx, int maxRows, float[][][] buffers, List<MomentAccumulator> moments) {
        EnumSet<Hook> hooks = EnumSet.of(hook);
        int[] ids = new int[maxRows];
        for (int start = 0; start < tokens.length; start += batchSeqs) {
            int n = Math.min(batchSeqs, tokens.length - start);
            int rows = n * ctx;
            int[][] batch = Arrays.copyOfRange(tokens, start, start + n);
            for (int s = 0; s < n; s++) {
                System.arraycopy(batch[s], 0, ids, s * ctx, ctx);
            }
            int[] keep = filter.keptRows(ids, 0, rows);
            for (int m = 0; m < models.size(); m++) {
                if (buffers[m] != null) {
                    forward(m, batch, hooks, buffers[m], start, ctx, keep, rows);
                }
            }
            for (int i = 0; i < pairs.size(); i++) {
                ModelPairs.Pair p = pairs.get(i);
                MomentShape s = shapes.get(i);
                float[][] xa = Arrays.copyOfRange(buffers[p.a()], s.firstLayerA(), s.lastLayerA() + 1);
                moments.get(i).update(xa, buffers[p.b()], keep.length);
            }
            if (progress != null) {
                progress.advance(rows);
            }
        }
    }

    /** Runs model {@code m} on the batch and leaves the kept rows of each layer at the front of its buffer. */
    private void forward(int m, int[][] batch, EnumSet<Hook> hooks, float[][] layers, int firstSeq, int ctx,
                         int[] keep, int rows) {
        TransformerModel model = models.get(m);
        int d = model.config().dMlp;
        // closing the result frees the batch's arrays (its own NDManager scope), so device memory does not grow
        try (ForwardResult r = model.forward(batch, hooks)) {
            for (int l = 0; l < layers.length; l++) {
                int count = ForwardResult.floats(hook == Hook.MLP_PRE ? r.mlpPre(l) : r.mlpPost(l), layers[l]);
                checkFinite(layers[l], count, names.get(m), l, firstSeq, ctx, d);
                if (keep.length < rows) {
                    compact(layers[l], d, keep);
                }
            }
        }
    }

    /** Moves the kept rows (ascending) to the front, in place. */
    static void compact(float[] x, int d, int[] keep) {
        for (int r = 0; r < keep.length; r++) {
            if (keep[r] != r) {
                System.arraycopy(x, keep[r] * d, x, r * d, d);
            }
        }
    }

    private void checkFinite(float[] v, int count, String model, int layer, int firstSeq, int ctx, int dMlp) {
        for (int i = 0; i < count; i++) {
            if (!Float.isFinite(v[i])) {
                int row = i / dMlp;
                throw new InputException("checkpoint " + model + ": " + hook.lowerName() + " of layer " + layer + " is "
                        + v[i] + " at sequence " + (firstSeq + row / ctx) + ", position " + (row % ctx) + ", neuron "
                        + (i % dMlp) + " (the weights produce non-finite activations)");
            }
        }
    }
}
