package org.uneurons.accumulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.stats.Gemm;
import org.uneurons.core.stats.MomentShape;
import org.uneurons.core.stats.PairMoments;
import org.uneurons.core.stats.PlainGemm;
import org.uneurons.core.stats.Synthetic;
import org.uneurons.core.stats.TokenFilter;
import org.uneurons.formats.TokenShard;
import org.uneurons.models.Checkpoints;
import org.uneurons.models.ForwardResult;
import org.uneurons.models.Hook;
import org.uneurons.models.ThreeModels;
import org.uneurons.models.TransformerModel;

/**
 * The device path (activations filtered, checked and centred on the device, shared by pairs) against the heap path
 * on the same activations: float64 products agree to 1e-9 of each value's natural scale (MomentsDiff's criterion).
 * On DJL's CPU device always; the same code on a GPU when there is one.
 */
class DeviceBatchTest {
    private static final Gemm PLAIN = new PlainGemm();
    private static final TokenFilter FILTER = new TokenFilter(0, 1);
    private static final int SEQ = 25;

    @TempDir
    Path dir;

    /** Token ids 0..19 with about 15% filtered (0 and 1); batch 2 keeps every row, batch 4 drops every row. */
    private static int[] ids(int tokens, long seed) {
        Random r = new Random(seed);
        int[] ids = new int[tokens];
        for (int t = 0; t < tokens; t++) {
            int batch = t / 100;
            ids[t] = batch == 4 ? 0 : batch == 2 ? 2 + r.nextInt(18) : r.nextInt(13);
        }
        return ids;
    }

    /** Rows from..to-1 of every layer as [sequences, SEQ, d] float32 arrays on {@code m}'s device. */
    private static List<NDArray> layers(NDManager m, float[][] x, int d, int from, int to) {
        List<NDArray> out = new ArrayList<>();
        for (float[] layer : x) {
            float[] part = java.util.Arrays.copyOfRange(layer, from * d, to * d);
            out.add(m.create(part, new Shape((to - from) / SEQ, SEQ, d)));
        }
        return out;
    }

    private static float[][] selected(float[][] x, int d, int from, int to, int[] keep, int firstLayer, int lastLayer) {
        float[][] out = new float[lastLayer - firstLayer + 1][];
        for (int l = firstLayer; l <= lastLayer; l++) {
            out[l - firstLayer] = TokenFilter.select(Synthetic.rows(x, d, from, to)[l], d, keep);
        }
        return out;
    }

    private static PairMoments devicePath(Device device, Synthetic s, int[] ids, MomentShape shape, Gemm.Precision p) {
        try (DeviceMoments m = new DeviceMoments(shape, device, p); NDManager nd = NDManager.newBaseManager(device)) {
            for (int t = 0; t < s.tokens; t += 100) {
                try (KeptRows keep = KeptRows.of(device, ids, t, t + 100, FILTER);
                     DeviceBatch a = DeviceBatch.of(layers(nd, s.a, s.dA, t, t + 100), keep, p, origin("a", t));
                     DeviceBatch b = DeviceBatch.of(layers(nd, s.b, s.dB, t, t + 100), keep, p, origin("b", t))) {
                    m.update(a, b);
                }
            }
            return m.totals();
        }
    }

    private static DeviceBatch.Origin origin(String model, int firstRow) {
        return new DeviceBatch.Origin(model, "mlp_post", firstRow / SEQ, SEQ);
    }

    private static PairMoments heapPath(Synthetic s, int[] ids, MomentShape shape) {
        PairMoments m = new PairMoments(shape);
        for (int t = 0; t < s.tokens; t += 100) {
            int[] keep = FILTER.keptRows(ids, t, t + 100);
            m.update(selected(s.a, s.dA, t, t + 100, keep, shape.firstLayerA(), shape.lastLayerA()),
                    selected(s.b, s.dB, t, t + 100, keep, 0, s.layersB - 1), keep.length, PLAIN, Gemm.Precision.FLOAT64);
        }
        return m;
    }

    @Test
    void deviceBatchesEqualTheHeapPath() {
        Synthetic s = Synthetic.adversarial(11, 600, 3, 6, 2, 5);
        int[] ids = ids(s.tokens, 3);
        MomentShape shape = new MomentShape(3, 6, 1, 2, 2, 5);
        PairMoments heap = heapPath(s, ids, shape);
        PairMoments device = devicePath(Device.cpu(), s, ids, shape, Gemm.Precision.FLOAT64);
        assertEquals(heap.count(), device.count());
        assertTrue(device.count() < 500 && device.count() > 300, "filtered count " + device.count());
        double d = DeviceMomentsTest.maxScaledDifference(heap, device);
        System.out.printf(Locale.ROOT, "device batches (filtered and centred on cpu) vs heap path, float64 products:"
                + " max |d|/scale %.2e%n", d);
        assertTrue(d <= 1e-9, "device vs heap " + d);
        PairMoments device32 = devicePath(Device.cpu(), s, ids, shape, Gemm.Precision.FLOAT32);
        double d32 = DeviceMomentsTest.maxScaledDifference(heap, device32);
        System.out.printf(Locale.ROOT, "device batches, float32 products, vs heap float64: max |d|/scale %.2e%n", d32);
        assertTrue(d32 <= 1e-5, "float32 device vs heap " + d32);
    }

    @Test
    void aSharedBatchFeedsEveryPairAsSeparateUploadsWould() {
        Synthetic xy = Synthetic.adversarial(21, 300, 2, 6, 2, 5);
        Synthetic z = Synthetic.adversarial(22, 300, 3, 4, 1, 1);
        float[][][] acts = {xy.a, xy.b, z.a};
        int[] dims = {6, 5, 4};
        int[][] pairs = {{0, 1}, {0, 2}, {1, 2}};
        int[] ids = ids(300, 5);
        for (Gemm.Precision p : Gemm.Precision.values()) {
            List<DeviceMoments> shared = new ArrayList<>();
            List<DeviceMoments> separate = new ArrayList<>();
            try (NDManager nd = NDManager.newBaseManager(Device.cpu())) {
                for (int[] pair : pairs) {
                    MomentShape sh = MomentShape.full(acts[pair[0]].length, dims[pair[0]], acts[pair[1]].length, dims[pair[1]]);
                    shared.add(new DeviceMoments(sh, Device.cpu(), p));
                    separate.add(new DeviceMoments(sh, Device.cpu(), p));
                }
                for (int t = 0; t < 300; t += 100) {
                    feedBatch(nd, acts, dims, pairs, ids, t, p, shared, separate);
                }
                for (int i = 0; i < pairs.length; i++) {
                    double d = DeviceMomentsTest.maxScaledDifference(separate.get(i).totals(), shared.get(i).totals());
                    assertTrue(d <= 1e-12, p + " pair " + i + ": shared vs separate " + d);
                }
            } finally {
                shared.forEach(DeviceMoments::close);
                separate.forEach(DeviceMoments::close);
            }
        }
    }

    private static void feedBatch(NDManager nd, float[][][] acts, int[] dims, int[][] pairs, int[] ids, int t,
                                  Gemm.Precision p, List<DeviceMoments> shared, List<DeviceMoments> separate) {
        int[] keep = FILTER.keptRows(ids, t, t + 100);
        DeviceBatch[] batches = new DeviceBatch[acts.length];
        try (KeptRows kept = KeptRows.of(Device.cpu(), ids, t, t + 100, FILTER)) {
            for (int m = 0; m < acts.length; m++) {
                batches[m] = DeviceBatch.of(layers(nd, acts[m], dims[m], t, t + 100), kept, p, origin("m" + m, t));
            }
            for (int i = 0; i < pairs.length; i++) {
                int a = pairs[i][0], b = pairs[i][1];
                shared.get(i).update(batches[a], batches[b]);
                separate.get(i).update(selected(acts[a], dims[a], t, t + 100, keep, 0, acts[a].length - 1),
                        selected(acts[b], dims[b], t, t + 100, keep, 0, acts[b].length - 1), keep.length);
            }
        } finally {
            for (DeviceBatch batch : batches) {
                if (batch != null) {
                    batch.close();
                }
            }
        }
    }

    @Test
    void aNonFiniteActivationIsNamedExactly() {
        try (NDManager nd = NDManager.newBaseManager(Device.cpu())) {
            float[] layer0 = new float[2 * 5 * 4];
            float[] layer1 = new float[2 * 5 * 4];
            int[] ids = {0, 3, 4, 5, 6, 0, 7, 8, 9, 1};
            layer1[(5 + 3) * 4 + 2] = Float.NaN; // sequence 1, position 3, neuron 2
            checkMessage(nd, layer0, layer1, ids, "checkpoint m: mlp_post of layer 1 is NaN at sequence 8,"
                    + " position 3, neuron 2 (the weights produce non-finite activations)");
            layer1[(5 + 3) * 4 + 2] = 0;
            layer0[5 * 4 + 1] = Float.NEGATIVE_INFINITY; // sequence 1, position 0: a filtered row, still refused
            checkMessage(nd, layer0, layer1, ids, "checkpoint m: mlp_post of layer 0 is -Infinity at sequence 8,"
                    + " position 0, neuron 1 (the weights produce non-finite activations)");
            layer0[5 * 4 + 1] = Float.POSITIVE_INFINITY;
            checkMessage(nd, layer0, layer1, ids, "checkpoint m: mlp_post of layer 0 is Infinity at sequence 8,"
                    + " position 0, neuron 1 (the weights produce non-finite activations)");
        }
    }

    private static void checkMessage(NDManager nd, float[] l0, float[] l1, int[] ids, String expected) {
        List<NDArray> layers = List.of(nd.create(l0, new Shape(2, 5, 4)), nd.create(l1, new Shape(2, 5, 4)));
        try (KeptRows keep = KeptRows.of(Device.cpu(), ids, 0, 10, FILTER)) {
            InputException e = assertThrows(InputException.class, () -> DeviceBatch.of(layers, keep,
                    Gemm.Precision.FLOAT64, new DeviceBatch.Origin("m", "mlp_post", 7, 5)).close());
            assertEquals(expected, e.getMessage());
        }
    }

    /** The library's batch step on real forward passes against the heap path fed from the same forward passes. */
    @Test
    void devicePassOnRealModelsEqualsTheHeapPath() {
        comparePasses(Device.cpu(), "cpu");
    }

    @Test
    void devicePassOnGpuEqualsTheHeapPath() {
        Assumptions.assumeTrue(Engine.getEngine("PyTorch").getGpuCount() > 0, "no GPU visible to PyTorch: skipped");
        comparePasses(Device.gpu(), "gpu:0");
    }

    private void comparePasses(Device device, String label) {
        ThreeModels fx = ThreeModels.write(dir);
        TokenShard shard = TokenShard.read(fx.shard());
        List<TransformerModel> models = new ArrayList<>();
        List<int[]> pairs = List.of(new int[] {0, 1}, new int[] {0, 2}, new int[] {1, 2});
        List<DeviceMoments> moments = new ArrayList<>();
        try {
            for (Path c : fx.checkpoints()) {
                models.add(Checkpoints.load(c, device));
            }
            for (int[] p : pairs) {
                moments.add(new DeviceMoments(shapeOf(models.get(p[0]), models.get(p[1])), device, Gemm.Precision.FLOAT64));
            }
            DevicePass pass = new DevicePass(models, List.of("m1", "m2", "m3"), pairs, moments, shard.filter(),
                    Hook.MLP_POST);
            List<PairMoments> heap = heapPass(models, pairs, shard.tokens(), shard.filter());
            int[][] tokens = shard.tokens();
            for (int s = 0; s < tokens.length; s += 2) {
                pass.step(java.util.Arrays.copyOfRange(tokens, s, Math.min(tokens.length, s + 2)), s);
            }
            for (int i = 0; i < pairs.size(); i++) {
                double d = DeviceMomentsTest.maxScaledDifference(heap.get(i), moments.get(i).totals());
                System.out.printf(Locale.ROOT, "device pass on %s vs heap path, pair %d, float64: max |d|/scale %.2e%n",
                        label, i, d);
                assertTrue(d <= 1e-9, "pair " + i + " " + d);
            }
        } finally {
            moments.forEach(DeviceMoments::close);
            models.forEach(TransformerModel::close);
        }
    }

    static MomentShape shapeOf(TransformerModel a, TransformerModel b) {
        return MomentShape.full(a.config().nLayers, a.config().dMlp, b.config().nLayers, b.config().dMlp);
    }

    /** What FusedRun's heap loop does: forward, copy to the heap, filter, PairMoments.update. */
    private static List<PairMoments> heapPass(List<TransformerModel> models, List<int[]> pairs, int[][] tokens,
                                              TokenFilter filter) {
        List<PairMoments> out = new ArrayList<>();
        for (int[] p : pairs) {
            out.add(new PairMoments(shapeOf(models.get(p[0]), models.get(p[1]))));
        }
        for (int s = 0; s < tokens.length; s += 2) {
            int[][] batch = java.util.Arrays.copyOfRange(tokens, s, Math.min(tokens.length, s + 2));
            int ctx = batch[0].length;
            int[] ids = new int[batch.length * ctx];
            for (int q = 0; q < batch.length; q++) {
                System.arraycopy(batch[q], 0, ids, q * ctx, ctx);
            }
            int[] keep = filter.keptRows(ids, 0, ids.length);
            float[][][] acts = new float[models.size()][][];
            for (int m = 0; m < models.size(); m++) {
                try (ForwardResult r = models.get(m).forward(batch, EnumSet.of(Hook.MLP_POST))) {
                    acts[m] = new float[models.get(m).config().nLayers][];
                    for (int l = 0; l < acts[m].length; l++) {
                        acts[m][l] = TokenFilter.select(ForwardResult.floats(r.mlpPost(l)), models.get(m).config().dMlp, keep);
                    }
                }
            }
            for (int i = 0; i < pairs.size(); i++) {
                out.get(i).update(acts[pairs.get(i)[0]], acts[pairs.get(i)[1]], keep.length, PLAIN, Gemm.Precision.FLOAT64);
            }
        }
        return out;
    }
}
