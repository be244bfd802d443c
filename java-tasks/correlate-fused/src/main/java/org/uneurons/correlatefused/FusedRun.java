package org.uneurons.correlatefused;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import org.uneurons.accumulate.DeviceMoments;
import org.uneurons.accumulate.DevicePass;
import org.uneurons.accumulate.MomentAccumulator;
import org.uneurons.core.cli.Progress;
import org.uneurons.core.stats.ActivationStats;
import org.uneurons.core.stats.MomentShape;
import org.uneurons.core.stats.TokenFilter;
import org.uneurons.formats.ActivationFile;
import org.uneurons.formats.TokenShard;
import org.uneurons.models.ActivationCheck;
import org.uneurons.models.ForwardResult;
import org.uneurons.models.Hook;
import org.uneurons.models.TransformerModel;

/**
 * Fused mode's engine over a chunk of token shards: every model runs once per batch of sequences, its MLP
 * activations are filtered once, and every requested pair's totals are updated from them; the totals stay resident for the whole chunk and nothing is written per batch or per shard.
 * The activation statistics of the models named for it ({@code statsModels}) accumulate in the same pass, over
 * every token (BOS included) but the unknown id the shard's filter drops, as stats-partial counts them
 * ({@link ActivationStats#statisticsFilter}), so a checkpoint run needs no activation files.
 *
 * <p>The activations are exactly those extract computes (same model code, same batching by sequences); the
 * moment update is the staged one. The totals live where the {@link MomentAccumulator}s keep them: on the Java
 * heap (activations copied to reusable Java buffers, OpenBLAS products), or on the device that runs the models,
 * where {@link DevicePass} keeps the activations on the device from the forward pass to the products.
 */
public final class FusedRun {
    private final List<TransformerModel> models;
    private final List<String> names;
    private final List<ModelPairs.Pair> pairs;
    private final List<MomentShape> shapes = new ArrayList<>();
    private final TokenFilter filter;
    private final int batchSeqs;
    private final Hook hook;
    /** FLOAT16: every activation is rounded to float16 first, as staged mode's activation files would store it. */
    private final boolean float16;
    /** Model index -> its statistics over the chunk; the models named with --stats-model. */
    private final Map<Integer, ActivationStats> stats = new LinkedHashMap<>();

    /**
     * {@code models} and {@code names} are indexed as the pairs are; a model in no pair and not in
     * {@code statsModels} may be null. Pair i covers layers {@code layersA.get(i)[0] .. [1]} of its a.
     */
    public FusedRun(List<TransformerModel> models, List<String> names, List<ModelPairs.Pair> pairs, List<int[]> layersA,
                    TokenFilter filter, int batchSeqs, Hook hook, List<Integer> statsModels, int statsTopK,
                    ActivationFile.Precision stored) {
        this.models = models;
        this.names = names;
        this.pairs = pairs;
        this.filter = filter;
        this.batchSeqs = batchSeqs;
        this.hook = hook;
        this.float16 = stored == ActivationFile.Precision.FLOAT16;
        for (int i = 0; i < pairs.size(); i++) {
            TransformerModel a = models.get(pairs.get(i).a());
            TransformerModel b = models.get(pairs.get(i).b());
            shapes.add(new MomentShape(a.config().nLayers, a.config().dMlp, layersA.get(i)[0], layersA.get(i)[1],
                    b.config().nLayers, b.config().dMlp));
        }
        for (int m : statsModels) {
            TransformerModel model = models.get(m);
            stats.put(m, new ActivationStats(names.get(m), model.weightsSha256(), model.config().nLayers,
                    model.config().dMlp, statsTopK));
        }
    }

    public List<MomentShape> shapes() {
        return shapes;
    }

    /** The statistics of the models named for them, by model name (filled by {@link #run}). */
    public Map<String, ActivationStats> stats() {
        Map<String, ActivationStats> out = new LinkedHashMap<>();
        stats.forEach((m, s) -> out.put(names.get(m), s));
        return out;
    }

    /** Fresh totals, one per pair in the pairs' order; the caller closes them. */
    public List<MomentAccumulator> accumulators(Function<MomentShape, MomentAccumulator> create) {
        List<MomentAccumulator> out = new ArrayList<>();
        try {
            for (MomentShape s : shapes) {
                out.add(create.apply(s));
            }
            return out;
        } catch (RuntimeException | Error e) {
            out.forEach(MomentAccumulator::close);
            throw e;
        }
    }

    /** One pass over every shard of the chunk, in order, into {@code moments} (one per pair) and the statistics. */
    public void run(List<Path> shards, List<MomentAccumulator> moments, Progress progress) {
        DevicePass pass = devicePass(moments);
        Buffers buffers = null;
        for (Path file : shards) {
            TokenShard shard = TokenShard.read(file);
            if (buffers == null || buffers.ctx != shard.ctx()) {
                buffers = new Buffers(shard.ctx(), pass == null);
            }
            String sha256 = stats.isEmpty() ? null : shard.contentSha256();
            for (Map.Entry<Integer, ActivationStats> e : stats.entrySet()) {
                buffers.sources[e.getKey()] = e.getValue().beginShard(file.getFileName().toString(), sha256,
                        file.toString());
            }
            TokenFilter statsSkip = ActivationStats.statisticsFilter(shard.filter(), shard.unkId());
            int[][] tokens = shard.tokens();
            for (int start = 0; start < tokens.length; start += batchSeqs) {
                int n = Math.min(batchSeqs, tokens.length - start);
                int[][] batch = Arrays.copyOfRange(tokens, start, start + n);
                buffers.statsKeep = statsKeep(statsSkip, batch);
                if (pass == null) {
                    batch(batch, start, shard.ctx(), buffers, moments);
                } else {
                    deviceBatch(pass, batch, start, shard.ctx(), buffers);
                }
                if (progress != null) {
                    progress.advance((long) n * shard.ctx());
                }
            }
        }
        for (Map.Entry<Integer, ActivationStats> e : stats.entrySet()) {
            for (int l = 0; l < models.get(e.getKey()).config().nLayers; l++) {
                e.getValue().checkFinite(l, "checkpoint " + names.get(e.getKey()));
            }
        }
    }

    /** The rows of a batch its statistics count, or null for all; records the rows left out. */
    private int[] statsKeep(TokenFilter skip, int[][] batch) {
        if (stats.isEmpty() || skip.ids().length == 0) {
            return null;
        }
        int ctx = batch[0].length;
        int[] ids = new int[batch.length * ctx];
        for (int s = 0; s < batch.length; s++) {
            System.arraycopy(batch[s], 0, ids, s * ctx, ctx);
        }
        int[] keep = skip.keptRows(ids, 0, ids.length);
        stats.values().forEach(st -> st.skipUnknown(ids.length - keep.length));
        return keep.length == ids.length ? null : keep;
    }

    /**
     * The device path when every pair's totals live on the models' device: activations stay there from the forward
     * pass to the products (filtered, checked and centred on the device); only the statistics models' layers come
     * to the host, read from the same forward result. Null when the totals are on the Java heap.
     */
    private DevicePass devicePass(List<MomentAccumulator> moments) {
        if (moments.isEmpty() || !moments.stream().allMatch(m -> m instanceof DeviceMoments)) {
            return null;
        }
        List<int[]> ab = pairs.stream().map(p -> new int[] {p.a(), p.b()}).toList();
        List<DeviceMoments> device = moments.stream().map(m -> (DeviceMoments) m).toList();
        DevicePass pass = new DevicePass(models, names, ab, device, filter, hook, new DevicePass.ForwardListener() {
            @Override
            public Set<Hook> hooks(int m) {
                return stats.containsKey(m) ? EnumSet.of(Hook.MLP_PRE, Hook.MLP_POST) : EnumSet.noneOf(Hook.class);
            }

            @Override
            public void forwarded(int m, ForwardResult r, int firstSequence) {
                if (stats.containsKey(m)) {
                    addStats(m, r, current, firstSequence);
                }
            }
        });
        return pass.storedAsFloat16(float16);
    }

    /** The buffers of the batch {@link DevicePass} is running (its listener has no other way to reach them). */
    private Buffers current;

    private void deviceBatch(DevicePass pass, int[][] batch, int firstSeq, int ctx, Buffers buffers) {
        current = buffers;
        pass.step(batch, firstSeq);
        for (int m : stats.keySet()) {
            if (!inAPair(m)) { // a statistics model no pair runs: its own forward pass
                try (ForwardResult r = models.get(m).forward(batch, EnumSet.of(Hook.MLP_PRE, Hook.MLP_POST))) {
                    addStats(m, r, buffers, firstSeq);
                }
            }
        }
    }

    /**
     * Per model that takes part: on the heap path one buffer per layer of the correlated hook ([rows x d_mlp],
     * reused by every batch); for a statistics model one scratch buffer and the index of the current shard.
     */
    private final class Buffers {
        final float[][][] layers = new float[models.size()][][];
        final float[][] scratch = new float[models.size()][];
        final int[] sources = new int[models.size()];
        /** The current batch's rows that the statistics count (the unknown id left out), or null for all. */
        int[] statsKeep;
        final int ctx;

        Buffers(int ctx, boolean onHeap) {
            this.ctx = ctx;
            int maxRows = batchSeqs * ctx;
            for (int m = 0; m < models.size(); m++) {
                TransformerModel model = models.get(m);
                if (onHeap && (inAPair(m) || stats.containsKey(m))) {
                    layers[m] = new float[model.config().nLayers][Math.multiplyExact(maxRows, model.config().dMlp)];
                }
                if (stats.containsKey(m)) {
                    scratch[m] = new float[Math.multiplyExact(maxRows, model.config().dMlp)];
                }
            }
        }
    }

    private boolean inAPair(int m) {
        return pairs.stream().anyMatch(p -> p.a() == m || p.b() == m);
    }

    private void batch(int[][] batch, int firstSeq, int ctx, Buffers buffers, List<MomentAccumulator> moments) {
        int rows = batch.length * ctx;
        int[] ids = new int[rows];
        for (int s = 0; s < batch.length; s++) {
            System.arraycopy(batch[s], 0, ids, s * ctx, ctx);
        }
        int[] keep = filter.keptRows(ids, 0, rows);
        for (int m = 0; m < models.size(); m++) {
            if (buffers.layers[m] != null) {
                forward(m, batch, buffers, firstSeq, ctx, keep);
            }
        }
        for (int i = 0; i < pairs.size(); i++) {
            ModelPairs.Pair p = pairs.get(i);
            MomentShape s = shapes.get(i);
            float[][] xa = Arrays.copyOfRange(buffers.layers[p.a()], s.firstLayerA(), s.lastLayerA() + 1);
            moments.get(i).update(xa, buffers.layers[p.b()], keep.length);
        }
    }

    /**
     * Runs model {@code m} on the batch: its statistics (if asked) from every row, then the kept rows of each layer
     * of the correlated hook at the front of its buffer.
     */
    private void forward(int m, int[][] batch, Buffers buffers, int firstSeq, int ctx, int[] keep) {
        TransformerModel model = models.get(m);
        int d = model.config().dMlp;
        int rows = batch.length * ctx;
        EnumSet<Hook> hooks = stats.containsKey(m) ? EnumSet.of(hook, Hook.MLP_PRE, Hook.MLP_POST) : EnumSet.of(hook);
        // closing the result frees the batch's arrays (its own NDManager scope), so device memory does not grow
        try (ForwardResult r = model.forward(batch, hooks)) {
            if (stats.containsKey(m)) {
                addStats(m, r, buffers, firstSeq);
            }
            for (int l = 0; l < buffers.layers[m].length; l++) {
                float[] layer = buffers.layers[m][l];
                int count = ForwardResult.floats(hook == Hook.MLP_PRE ? r.mlpPre(l) : r.mlpPost(l), layer);
                ActivationCheck.check(layer, count, names.get(m), hook.lowerName(), l, firstSeq, ctx, d, float16);
                if (keep.length < rows) {
                    compact(layer, d, keep);
                }
            }
        }
    }

    /**
     * Model m's statistics from the counted rows ({@link Buffers#statsKeep}) of a forward result holding both hooks
     * (copied to the host per layer).
     */
    private void addStats(int m, ForwardResult r, Buffers buffers, int firstSeq) {
        ActivationStats st = stats.get(m);
        float[] scratch = buffers.scratch[m];
        int[] keep = buffers.statsKeep;
        long firstRow = (long) firstSeq * buffers.ctx;
        String where = "checkpoint " + names.get(m);
        for (int l = 0; l < models.get(m).config().nLayers; l++) {
            int d = models.get(m).config().dMlp;
            int count = ForwardResult.floats(r.mlpPre(l), scratch);
            int rows = count / d;
            // every row is checked (and rounded with --dtype float16), as extract checks every row it stores
            ActivationCheck.check(scratch, count, names.get(m), Hook.MLP_PRE.lowerName(), l, firstSeq, buffers.ctx, d,
                    float16);
            if (keep == null) {
                st.addPre(l, scratch, rows);
            } else {
                st.addPre(l, scratch, keep);
            }
            count = ForwardResult.floats(r.mlpPost(l), scratch);
            ActivationCheck.check(scratch, count, names.get(m), Hook.MLP_POST.lowerName(), l, firstSeq, buffers.ctx, d,
                    float16);
            if (keep == null) {
                st.addPost(l, scratch, rows, buffers.sources[m], firstRow, where);
            } else {
                st.addPost(l, scratch, keep, buffers.sources[m], firstRow, where);
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
}
