package org.uneurons.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.DatasetCreationOptions;
import io.jhdf.api.WritableGroup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.io.HalfFloats;
import org.uneurons.core.io.Hdf5;

class ActivationFileTest {
    @TempDir
    Path tmp;

    static final int LAYERS = 3;
    static final int D = 7;
    static final int CTX = 4;
    static final int[] BATCH_SEQS = {2, 1, 3};

    /** values[hook][layer] for all tokens, with adversarial entries; written batch by batch. */
    private static float[][][] values(int nTokens, long seed) {
        Random rnd = new Random(seed);
        float[][][] v = new float[2][LAYERS][nTokens * D];
        for (float[][] hook : v) {
            for (float[] layer : hook) {
                for (int i = 0; i < layer.length; i++) {
                    layer[i] = (float) (rnd.nextGaussian() * 3);
                }
                layer[0] = -0.0f;
                layer[1] = Float.NaN;
                layer[2] = Float.POSITIVE_INFINITY;
                layer[3] = 1e-7f;   // a float16 subnormal
                layer[4] = 65519f;  // the largest float that float16 still holds (as 65504)
            }
        }
        return v;
    }

    private Path write(ActivationFile.Precision precision, List<String> hooks, float[][][] v) {
        Path out = tmp.resolve("acts/model.shard0.h5");
        ActivationFile.Spec spec = new ActivationFile.Spec("gpt2-tiny", "shard.00000.h5", LAYERS, D, precision, hooks);
        try (ActivationFile.Writer w = ActivationFile.Writer.create(out, spec)) {
            w.attribute("dtype", precision.toString());
            int seq = 0;
            for (int b : BATCH_SEQS) {
                int[] ids = new int[b * CTX];
                int[] pos = new int[b * CTX];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = 1000 * (seq + i / CTX) + i % CTX;
                    pos[i] = i % CTX;
                }
                w.appendTokens(ids, pos);
                int row0 = seq * CTX;
                // layers arrive in any order, as hooks fire
                for (int l = LAYERS - 1; l >= 0; l--) {
                    for (String hook : hooks) {
                        float[] all = v[hook.equals(ActivationFile.MLP_POST) ? 0 : 1][l];
                        if (l == 1) {
                            w.append(hook, l, all, row0 * D, b * CTX);
                        } else {
                            w.append(hook, l, Arrays.copyOfRange(all, row0 * D, (row0 + b * CTX) * D));
                        }
                    }
                }
                seq += b;
            }
            assertEquals(6 * CTX, w.nTokens());
            w.finish();
        }
        return out;
    }

    @Test
    void float32RoundTripBatchByBatch() throws IOException {
        int n = 6 * CTX;
        float[][][] v = values(n, 3);
        Path f = write(ActivationFile.Precision.FLOAT32, List.of("mlp_post", "mlp_pre"), v);
        try (Stream<Path> files = Files.list(f.getParent())) {
            assertEquals(List.of(f), files.toList(), "spill files and temporary names are gone");
        }
        try (ActivationFile.Reader r = ActivationFile.Reader.open(f)) {
            assertEquals("gpt2-tiny", r.model());
            assertEquals("shard.00000.h5", r.shard());
            assertEquals(LAYERS, r.nLayers());
            assertEquals(D, r.dMlp());
            assertEquals(n, r.nTokens());
            assertEquals(List.of("mlp_post", "mlp_pre"), r.hooks());
            assertEquals("float32", r.precision("mlp_post", 0));
            assertEquals("float32", r.attribute("dtype"));
            int[] ids = r.tokenIds();
            int[] pos = r.positions();
            for (int i = 0; i < n; i++) {
                assertEquals(1000 * (i / CTX) + i % CTX, ids[i]);
                assertEquals(i % CTX, pos[i]);
            }
            for (int l = 0; l < LAYERS; l++) {
                assertBitsEqual(v[0][l], r.layer("mlp_post", l));
                assertBitsEqual(v[1][l], r.layer("mlp_pre", l));
                assertBitsEqual(Arrays.copyOfRange(v[0][l], 5 * D, 16 * D), r.rows("mlp_post", l, 5, 11));
            }
            float[] buf = new float[3 + 2 * D];
            r.rows("mlp_pre", 2, n - 2, 2, buf, 3);
            assertBitsEqual(Arrays.copyOfRange(v[1][2], (n - 2) * D, n * D), Arrays.copyOfRange(buf, 3, buf.length));
            assertEquals(f + ": no layer 3 (n_layers is 3)",
                    assertThrows(InputException.class, () -> r.layer("mlp_post", 3)).getMessage());
        }
        // each layer's dataset names its TransformerLens hook, for Python users (docs/python.md)
        try (org.uneurons.core.io.Hdf5Reader h = org.uneurons.core.io.Hdf5Reader.open(f)) {
            for (int l = 0; l < LAYERS; l++) {
                assertEquals("blocks." + l + ".mlp.hook_post", h.attribute("/mlp_post/" + l, ActivationFile.HOOK_NAME));
                assertEquals("blocks." + l + ".mlp.hook_pre", h.attribute("/mlp_pre/" + l, ActivationFile.HOOK_NAME));
            }
        }
    }

    /** A small activation file whose token ids are {@code ids}, with a filter and an unknown id recorded. */
    private Path withIds(String name, int[] ids, org.uneurons.core.stats.TokenFilter filter, int unkId, float[][] pre,
                         float[][] post) {
        Path out = tmp.resolve(name);
        ActivationFile.Spec spec = new ActivationFile.Spec("m", name, 2, D, ActivationFile.Precision.FLOAT32,
                List.of("mlp_post", "mlp_pre"));
        try (ActivationFile.Writer w = ActivationFile.Writer.create(out, spec)) {
            w.filter(filter).unkId(unkId);
            w.appendTokens(ids, new int[ids.length]);
            for (int l = 0; l < 2; l++) {
                w.append("mlp_post", l, post[l]);
                w.append("mlp_pre", l, pre[l]);
            }
            w.finish();
        }
        return out;
    }

    /**
     * The unknown id travels in the file; statistics read through {@link ActivationFile.Reader#addTo} leave its rows
     * out when filter_ids drops it (over batch boundaries), keep them otherwise, and top activations name the file's
     * own rows.
     */
    @Test
    void statisticsLeaveOutTheUnknownIdTheFilterDrops() {
        int n = 37, unk = 9;
        Random rnd = new Random(4);
        int[] ids = new int[n];
        float[][] pre = new float[2][n * D], post = new float[2][n * D];
        for (int t = 0; t < n; t++) {
            ids[t] = t % 3 == 1 || t == n - 1 ? unk : t % 5;
            for (int l = 0; l < 2; l++) {
                for (int j = 0; j < D; j++) {
                    pre[l][t * D + j] = (float) rnd.nextGaussian();
                    // unknown rows carry the largest post-activations: they must not reach the top
                    post[l][t * D + j] = ids[t] == unk ? 100 + t : Math.max(0, pre[l][t * D + j]);
                }
            }
        }
        org.uneurons.core.stats.TokenFilter drops = new org.uneurons.core.stats.TokenFilter(0, unk);
        Path skipping = withIds("skip.h5", ids, drops, unk, pre, post);
        Path keeping = withIds("keep.h5", ids, new org.uneurons.core.stats.TokenFilter(0), unk, pre, post);
        Path noUnk = withIds("none.h5", ids, drops, -1, pre, post);
        org.uneurons.core.stats.ActivationStats skip = new org.uneurons.core.stats.ActivationStats("m", 2, D, 2);
        try (ActivationFile.Reader r = ActivationFile.Reader.open(skipping)) {
            assertEquals(unk, r.unkId());
            r.addTo(skip, 8, null);
        }
        int[] kept = java.util.stream.IntStream.range(0, n).filter(t -> ids[t] != unk).toArray();
        assertEquals(kept.length, skip.tokens());
        assertEquals(n - kept.length, skip.skippedUnknown());
        // the same statistics from the kept rows alone, packed, with their rows mapped back
        org.uneurons.core.stats.ActivationStats want = new org.uneurons.core.stats.ActivationStats("m", 2, D, 2);
        int src = want.beginShard("skip.h5", "test");
        for (int l = 0; l < 2; l++) {
            want.addPre(l, org.uneurons.core.stats.TokenFilter.select(pre[l], D, kept), kept.length);
            for (int t : kept) {
                want.addPost(l, Arrays.copyOfRange(post[l], t * D, (t + 1) * D), 1, src, t, "test");
            }
        }
        assertArrayEquals(want.preHist(), skip.preHist());
        assertArrayEquals(want.countPaper(), skip.countPaper());
        assertArrayEquals(want.postMax(), skip.postMax(), 0);
        for (int l = 0; l < 2; l++) {
            assertArrayEquals(want.pre(l).mean(), skip.pre(l).mean(), 1e-15);
        }
        long[][] rows = skip.top().sorted().rows();
        assertTrue(Arrays.stream(rows).flatMapToLong(Arrays::stream).allMatch(r -> r >= 0 && ids[(int) r] != unk));
        assertArrayEquals(want.top().sorted().rows(), rows);
        // the shard keeps its unknown id, or has none: every token counts
        for (Path f : List.of(keeping, noUnk)) {
            org.uneurons.core.stats.ActivationStats all = new org.uneurons.core.stats.ActivationStats("m", 2, D, 2);
            try (ActivationFile.Reader r = ActivationFile.Reader.open(f)) {
                r.addTo(all, 8, null);
            }
            assertEquals(n, all.tokens(), f.toString());
            assertEquals(0, all.skippedUnknown());
        }
        try (ActivationFile.Reader r = ActivationFile.Reader.open(noUnk)) {
            assertEquals(-1, r.unkId());
            assertEquals(null, r.attribute(TokenShard.UNK_ID));
        }
    }

    @Test
    void batchesLargerThanTheWriteBufferRoundTrip() {
        int n = 300;
        int d = 1000; // 300k values, more than the writer's 1 MB buffer holds
        Random rnd = new Random(8);
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        for (ActivationFile.Precision p : ActivationFile.Precision.values()) {
            Path f = tmp.resolve("big-" + p + ".h5");
            try (ActivationFile.Writer w = ActivationFile.Writer.create(f,
                    new ActivationFile.Spec("m", "s", 1, d, p, List.of("mlp_post")))) {
                w.appendTokens(new int[n], new int[n]);
                w.append("mlp_post", 0, x);
                w.finish();
            }
            try (ActivationFile.Reader r = ActivationFile.Reader.open(f)) {
                float[] got = r.layer("mlp_post", 0);
                for (int i = 0; i < x.length; i++) {
                    float want = p == ActivationFile.Precision.FLOAT32 ? x[i]
                            : HalfFloats.halfToFloat(HalfFloats.floatToHalf(x[i]));
                    assertEquals(want, got[i], p + " element " + i);
                }
            }
        }
    }

    @Test
    void piecewiseMappingGivesTheSameRows() {
        int n = 6 * CTX;
        float[][][] v = values(n, 6);
        for (ActivationFile.Precision p : ActivationFile.Precision.values()) {
            Path f = write(p, List.of("mlp_post"), v);
            long saved = Hdf5.setMapChunk(1L << 30);
            try (ActivationFile.Reader r = ActivationFile.Reader.open(f)) {
                float[] whole = r.layer("mlp_post", 1);
                Hdf5.setMapChunk(6); // 4 bytes of float32, 6 of float16 per mapping
                assertBitsEqual(whole, r.layer("mlp_post", 1));
                assertBitsEqual(Arrays.copyOfRange(whole, 3 * D, 9 * D), r.rows("mlp_post", 1, 3, 6));
            } finally {
                Hdf5.setMapChunk(saved);
            }
        }
    }

    @Test
    void float16IsStoredAsHalfAndReadsBackRounded() {
        int n = 6 * CTX;
        float[][][] v = values(n, 4);
        Path f = write(ActivationFile.Precision.FLOAT16, List.of("mlp_post"), v);
        try (ActivationFile.Reader r = ActivationFile.Reader.open(f)) {
            assertEquals(List.of("mlp_post"), r.hooks());
            assertFalse(r.hasHook("mlp_pre"));
            assertEquals("float16", r.precision("mlp_post", 1));
            for (int l = 0; l < LAYERS; l++) {
                float[] got = r.layer("mlp_post", l);
                float[] want = new float[v[0][l].length];
                for (int i = 0; i < want.length; i++) {
                    want[i] = HalfFloats.halfToFloat(HalfFloats.floatToHalf(v[0][l][i]));
                }
                assertBitsEqual(want, got);
                assertEquals(65504f, got[4], "65519 rounds to float16's largest value");
            }
            // jhdf's own float16 decoding agrees with ours
            float[][] viaJhdf;
            try (io.jhdf.HdfFile h = new io.jhdf.HdfFile(f)) {
                viaJhdf = (float[][]) h.getDatasetByPath("/mlp_post/2").getData();
            }
            float[] flat = r.layer("mlp_post", 2);
            for (int i = 5; i < n * D; i++) {
                assertEquals(Float.floatToIntBits(flat[i]), Float.floatToIntBits(viaJhdf[i / D][i % D]), "element " + i);
            }
        }
    }

    @Test
    void float16RefusesAValueItWouldTurnIntoInfinity() {
        Path out = tmp.resolve("big/out.h5");
        ActivationFile.Spec spec = new ActivationFile.Spec("m", "s", 1, 3, ActivationFile.Precision.FLOAT16,
                List.of("mlp_post"));
        try (ActivationFile.Writer w = ActivationFile.Writer.create(out, spec)) {
            w.appendTokens(new int[] {1, 2}, new int[] {0, 1});
            InputException e = assertThrows(InputException.class,
                    () -> w.append("mlp_post", 0, new float[] {1f, 2f, 3f, 4f, -65520f, 6f}, 0, 2));
            assertEquals(out + ": mlp_post/0 row 1 neuron 1 is -65520.0, beyond float16's range (65504): store float32"
                    + " (--dtype float32)", e.getMessage());
        }
        assertFalse(Files.exists(out), "nothing published");
    }

    @Test
    void writerChecksRowCountsAndPublishesNothingWithoutFinish() throws IOException {
        Path out = tmp.resolve("w/out.h5");
        ActivationFile.Spec spec = new ActivationFile.Spec("m", "s", 2, 3, ActivationFile.Precision.FLOAT32,
                List.of("mlp_post"));
        try (ActivationFile.Writer w = ActivationFile.Writer.create(out, spec)) {
            w.appendTokens(new int[] {1, 2}, new int[] {0, 1});
            w.append("mlp_post", 0, new float[6]);
            IllegalStateException e = assertThrows(IllegalStateException.class, w::finish);
            assertEquals(out + ": mlp_post/1 has 0 rows but 2 tokens were appended", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> w.append("mlp_post", 0, new float[5]));
            assertThrows(IllegalArgumentException.class, () -> w.append("mlp_pre", 0, new float[3]));
            assertThrows(IllegalArgumentException.class, () -> w.append("mlp_post", 2, new float[3]));
        }
        try (Stream<Path> files = Files.list(out.getParent())) {
            assertEquals(List.of(), files.toList());
        }
        try (ActivationFile.Writer w = ActivationFile.Writer.create(out, spec)) {
            assertEquals(out + ": no tokens were appended",
                    assertThrows(IllegalStateException.class, w::finish).getMessage());
        }
        assertTrue(Files.notExists(out));
    }

    // ---- files written by hand with jhdf ----

    private static float[][] rowsOf(int n, int d) {
        float[][] x = new float[n][d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                x[i][j] = i * 100 + j;
            }
        }
        return x;
    }

    /** A valid 2-layer, d_mlp 3, 4-token file, with {@code tweak} applied before closing. */
    private Path handMade(Consumer<WritableHdfFile> tweak, String... skip) {
        Path f = tmp.resolve("hand.h5");
        List<String> s = List.of(skip);
        try (WritableHdfFile h = HdfFile.write(f)) {
            h.putAttribute("model", "m");
            h.putAttribute("shard", "s");
            if (!s.contains("n_layers")) {
                h.putAttribute("n_layers", 2);
            }
            h.putAttribute("d_mlp", 3);
            if (!s.contains("token_ids")) {
                h.putDataset("token_ids", new int[] {5, 6, 7, 8});
            }
            if (!s.contains("positions")) {
                h.putDataset("positions", new int[] {0, 1, 0, 1});
            }
            if (!s.contains("mlp_post")) {
                WritableGroup g = h.putGroup("mlp_post");
                g.putDataset("0", rowsOf(4, 3));
                if (!s.contains("layer1")) {
                    g.putDataset("1", rowsOf(4, 3));
                }
            }
            tweak.accept(h);
        }
        return f;
    }

    private String openError(Path f) {
        return assertThrows(InputException.class, () -> ActivationFile.Reader.open(f).close()).getMessage();
    }

    @Test
    void handMadeValidFileAndChunkedCompressedDatasetsAreRead() {
        Path f = handMade(h -> {
            WritableGroup g = h.putGroup("mlp_pre");
            g.putDataset("0", rowsOf(4, 3), DatasetCreationOptions.builder().chunkDimensions(2, 3).deflate().build());
            g.putDataset("1", new double[][] {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}, {10, 11, 12}});
        });
        try (ActivationFile.Reader r = ActivationFile.Reader.open(f)) {
            assertArrayEquals(new float[] {100, 101, 102, 200, 201, 202}, r.rows("mlp_post", 1, 1, 2));
            assertArrayEquals(new float[] {100, 101, 102, 200, 201, 202, 300, 301, 302}, r.rows("mlp_pre", 0, 1, 3));
            assertArrayEquals(new float[] {4, 5, 6}, r.rows("mlp_pre", 1, 1, 1));
            assertArrayEquals(new int[] {5, 6, 7, 8}, r.tokenIds());
        }
    }

    @Test
    void layersDisagreeWithNLayers() {
        Path f = handMade(h -> h.putAttribute("n_layers", 3), "n_layers");
        assertEquals(f + ": /mlp_post has 2 layers but n_layers is 3", openError(f));
        f = handMade(h -> ((WritableGroup) h.getChild("mlp_post")).putDataset("2", rowsOf(4, 3)), "layer1");
        assertEquals(f + ": no /mlp_post/1 dataset (n_layers is 2)", openError(f));
    }

    @Test
    void layerShapeDisagreesWithDMlpOrTokens() {
        Path f = handMade(h -> {
            WritableGroup g = h.putGroup("mlp_pre");
            g.putDataset("0", rowsOf(4, 3));
            g.putDataset("1", rowsOf(4, 5));
        });
        assertEquals(f + ": /mlp_pre/1 has shape [4, 5], expected [4, 3] (n_tokens from /token_ids, d_mlp attribute)",
                openError(f));
        f = handMade(h -> ((WritableGroup) h.getChild("mlp_post")).putDataset("1", rowsOf(3, 3)), "layer1");
        assertEquals(f + ": /mlp_post/1 has shape [3, 3], expected [4, 3] (n_tokens from /token_ids, d_mlp attribute)",
                openError(f));
        f = handMade(h -> ((WritableGroup) h.getChild("mlp_post")).putDataset("1", new int[4][3]), "layer1");
        assertEquals(f + ": /mlp_post/1 is int32, expected float32 or float16", openError(f));
    }

    @Test
    void missingPiecesAreNamed() {
        Path f = handMade(h -> { }, "token_ids");
        assertEquals(f + ": no /token_ids dataset (activation file)", openError(f));
        f = handMade(h -> h.putDataset("positions", new int[] {0, 1, 2}), "positions");
        assertEquals(f + ": /positions has shape [3], expected [4]", openError(f));
        f = handMade(h -> { }, "mlp_post");
        assertEquals(f + ": no /mlp_post group (activation file)", openError(f));
        f = handMade(h -> { }, "n_layers");
        assertEquals(f + ": missing attribute 'n_layers' (activation file)", openError(f));
        f = handMade(h -> h.putDataset("token_ids", new float[] {1, 2, 3, 4}), "token_ids");
        assertEquals(f + ": /token_ids is float32, expected int32", openError(f));
    }

    private static void assertBitsEqual(float[] want, float[] got) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]), "element " + i);
        }
    }
}
