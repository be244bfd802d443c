package org.uneurons.formats;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.Progress;
import org.uneurons.core.io.AtomicOutput;
import org.uneurons.core.io.HalfFloats;
import org.uneurons.core.io.Hdf5;
import org.uneurons.core.io.Hdf5Reader;
import org.uneurons.core.io.Hdf5Writer;
import org.uneurons.core.io.PathIOException;
import org.uneurons.core.io.TempNames;
import org.uneurons.core.io.TempRegistry;
import org.uneurons.core.stats.ActivationStats;
import org.uneurons.core.stats.TokenFilter;

/**
 * Activation files: HDF5 with {@code /mlp_post/{layer}} float32 or float16 [n_tokens, d_mlp], optionally
 * {@code /mlp_pre/{layer}} of the same shape, {@code /token_ids} and {@code /positions} int32 [n_tokens], and
 * attributes {@code model}, {@code shard} (strings), {@code n_layers}, {@code d_mlp} (ints), {@code filter_ids}
 * (the token shard's filter, copied by extract so that correlate needs no shard) and optionally {@code unk_id} (the
 * shard's unknown id, which statistics leave out when filter_ids drops it). Provenance: {@code model_sha256}, the
 * content hash of the checkpoint's weights (org.uneurons.core.io.WeightsDigest), and {@code shard_sha256}, the
 * identity of the tokens ({@link TokenShard#contentSha256(int)}), which every file made from the activations carries
 * on; files of earlier versions lack both. Rows are sequence-major: token t of sequence s is row s*ctx+t. Nothing is
 * filtered.
 */
public final class ActivationFile {
    /** The attribute of each activation dataset naming its TransformerLens hook ("blocks.3.mlp.hook_post"). */
    public static final String HOOK_NAME = "hook_name";

    /** TransformerLens' name of layer {@code layer}'s hook {@code hook} (mlp_post or mlp_pre). */
    public static String hookName(String hook, int layer) {
        return "blocks." + layer + ".mlp." + (hook.equals(MLP_PRE) ? "hook_pre" : "hook_post");
    }

    public static final String MLP_POST = "mlp_post";
    public static final String MLP_PRE = "mlp_pre";
    /** Attribute: the token ids analyses drop, as the token shard records them ("198,50256" or "none"). */
    public static final String FILTER_IDS = "filter_ids";
    /** Attribute: the content hash of the checkpoint's weights. */
    public static final String MODEL_SHA256 = "model_sha256";
    /** Attribute: the identity of the tokens ({@link TokenShard#contentSha256(int)}). */
    public static final String SHARD_SHA256 = "shard_sha256";
    static final String WHAT = "activation file";

    private ActivationFile() {
    }

    /** On-disk element type of the activation datasets. */
    public enum Precision {
        FLOAT32(Hdf5.Element.FLOAT32), FLOAT16(Hdf5.Element.FLOAT16);

        final Hdf5.Element element;

        Precision(Hdf5.Element element) {
            this.element = element;
        }

        /** "float32" or "float16" (the --dtype words). */
        public static Precision parse(String s) {
            return switch (s) {
                case "float32" -> FLOAT32;
                case "float16" -> FLOAT16;
                default -> throw new IllegalArgumentException("precision must be float32 or float16, got '" + s + "'");
            };
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What a writer writes: the attributes, the precision and the hooks (mlp_post, and optionally mlp_pre). */
    public record Spec(String model, String shard, int nLayers, int dMlp, Precision precision, List<String> hooks) {
        public Spec {
            if (nLayers <= 0 || dMlp <= 0) {
                throw new IllegalArgumentException("n_layers and d_mlp must be positive");
            }
            hooks = List.copyOf(hooks);
            for (String h : hooks) {
                if (!h.equals(MLP_POST) && !h.equals(MLP_PRE)) {
                    throw new IllegalArgumentException("unknown hook '" + h + "' (mlp_post, mlp_pre)");
                }
            }
            if (!hooks.contains(MLP_POST)) {
                throw new IllegalArgumentException("an activation file always has mlp_post");
            }
        }
    }

    /**
     * Writes an activation file batch by batch with bounded memory: each dataset's rows go to a spill file in a
     * directory beside the output as they arrive, and {@link #finish} builds the HDF5 file from them (jhdf has no
     * append and would otherwise hold every array until close). Memory is about 1 MB of buffers per dataset plus
     * the token ids; disk is twice the output size during {@link #finish}. Not thread-safe.
     *
     * <pre>
     * try (ActivationFile.Writer w = ActivationFile.Writer.create(out, spec)) {
     *     for (batch ...) {
     *         w.appendTokens(ids, positions);
     *         for (layer ...) w.append(MLP_POST, layer, values);   // values: [batch_tokens * d_mlp]
     *     }
     *     w.finish();   // publishes; closing without finish() publishes nothing
     * }
     * </pre>
     */
    public static final class Writer implements AutoCloseable {
        private static final int BUFFER = 1 << 20;

        private final Path output;
        private final Spec spec;
        private final Path spillDir;
        private final Map<String, Spill> spills = new LinkedHashMap<>();
        private final Map<String, Object> extraAttributes = new LinkedHashMap<>();
        private final ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
        private boolean finished;

        private static final class Spill {
            final Path file;
            final FileChannel ch;
            long rows;

            Spill(Path file) throws IOException {
                this.file = file;
                this.ch = TempRegistry.open(file, f -> FileChannel.open(f, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE));
            }
        }

        private Writer(Path output, Spec spec) throws IOException {
            this.output = output;
            this.spec = spec;
            Path abs = output.toAbsolutePath();
            Files.createDirectories(abs.getParent());
            this.spillDir = TempRegistry.createDirectory(abs, TempNames.SPILL, false);
            try {
                spills.put("token_ids", new Spill(spillDir.resolve("token_ids")));
                spills.put("positions", new Spill(spillDir.resolve("positions")));
                for (String hook : spec.hooks()) {
                    for (int l = 0; l < spec.nLayers(); l++) {
                        spills.put(hook + "/" + l, new Spill(spillDir.resolve(hook + "." + l)));
                    }
                }
            } catch (IOException | RuntimeException e) {
                close();
                throw e;
            }
        }

        public static Writer create(Path output, Spec spec) {
            try {
                return new Writer(output, spec);
            } catch (IOException e) {
                throw new PathIOException(output, "cannot create spill files beside the output", e);
            }
        }

        /** An extra root attribute (String, Integer, Long or Double), e.g. the checkpoint or the dtype used. */
        public Writer attribute(String name, Object value) {
            if (List.of("model", "shard", "n_layers", "d_mlp").contains(name)) {
                throw new IllegalArgumentException(name + " is set from the spec");
            }
            extraAttributes.put(name, value);
            return this;
        }

        /** Records the token shard's filter ({@link TokenShard#filter}) with the activations. */
        public Writer filter(TokenFilter filter) {
            extraAttributes.put(FILTER_IDS, FilterChoice.describe(filter));
            return this;
        }

        /**
         * Records where the activations come from: the content hash of the checkpoint's weights and the identity of
         * the tokens ({@link TokenShard#contentSha256(int)} of the sequences written).
         */
        public Writer provenance(String modelSha256, String shardSha256) {
            extraAttributes.put(MODEL_SHA256, Provenance.checkSha256(modelSha256, "model_sha256"));
            extraAttributes.put(SHARD_SHA256, Provenance.checkSha256(shardSha256, "shard_sha256"));
            return this;
        }

        /** Records the token shard's unknown id ({@link TokenShard#unkId}); -1 records nothing. */
        public Writer unkId(int unkId) {
            if (unkId >= 0) {
                extraAttributes.put(TokenShard.UNK_ID, unkId);
            }
            return this;
        }

        /** Appends the ids and in-sequence positions of the next tokens (rows). */
        public void appendTokens(int[] tokenIds, int[] positions) {
            if (tokenIds.length != positions.length) {
                throw new IllegalArgumentException(tokenIds.length + " token ids but " + positions.length + " positions");
            }
            writeInts(spills.get("token_ids"), tokenIds);
            writeInts(spills.get("positions"), positions);
        }

        /** Appends rows to one layer of one hook: {@code values} holds whole rows of d_mlp, row-major. */
        public void append(String hook, int layer, float[] values) {
            if (values.length % spec.dMlp() != 0) {
                throw new IllegalArgumentException(hook + "/" + layer + ": " + values.length
                        + " values are not whole rows of d_mlp " + spec.dMlp());
            }
            append(hook, layer, values, 0, values.length / spec.dMlp());
        }

        /** Appends {@code nRows} rows starting at {@code offset} in {@code values}. */
        public void append(String hook, int layer, float[] values, int offset, int nRows) {
            Spill s = spills.get(hook + "/" + layer);
            if (s == null) {
                throw new IllegalArgumentException("no dataset " + hook + "/" + layer + " in this file (hooks "
                        + spec.hooks() + ", " + spec.nLayers() + " layers)");
            }
            int n = Math.multiplyExact(nRows, spec.dMlp());
            if (offset < 0 || offset + n > values.length) {
                throw new IllegalArgumentException(hook + "/" + layer + ": rows out of range of the array");
            }
            ensureOpen();
            boolean half = spec.precision() == Precision.FLOAT16;
            int size = half ? 2 : 4;
            try {
                buf.clear();
                if (half) {
                    for (int i = 0; i < n; i++) {
                        if (buf.remaining() < size) {
                            drain(s.ch);
                        }
                        float v = values[offset + i];
                        if (HalfFloats.overflows(v)) {
                            throw new InputException(output + ": " + hook + "/" + layer + " row " + (s.rows + i / spec.dMlp())
                                    + " neuron " + (i % spec.dMlp()) + " is " + v + ", beyond float16's range ("
                                    + (int) HalfFloats.MAX + "): store float32 (--dtype float32)");
                        }
                        buf.putShort(HalfFloats.floatToHalf(v));
                    }
                } else {
                    // bulk copies through a float view of the (little-endian) buffer
                    for (int done = 0; done < n; ) {
                        int k = Math.min(n - done, buf.capacity() / 4);
                        buf.asFloatBuffer().put(values, offset + done, k);
                        buf.position(4 * k);
                        drain(s.ch);
                        done += k;
                    }
                }
                drain(s.ch);
            } catch (IOException e) {
                throw new PathIOException(output, "cannot write spill file " + s.file, e);
            }
            s.rows += nRows;
        }

        private void writeInts(Spill s, int[] values) {
            ensureOpen();
            try {
                buf.clear();
                for (int v : values) {
                    if (buf.remaining() < 4) {
                        drain(s.ch);
                    }
                    buf.putInt(v);
                }
                drain(s.ch);
            } catch (IOException e) {
                throw new PathIOException(output, "cannot write spill file " + s.file, e);
            }
            s.rows += values.length;
        }

        private void drain(FileChannel ch) throws IOException {
            buf.flip();
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            buf.clear();
        }

        private void ensureOpen() {
            if (finished) {
                throw new IllegalStateException(output + ": writer already finished or closed");
            }
        }

        /** Tokens appended so far. */
        public long nTokens() {
            return spills.get("token_ids").rows;
        }

        /**
         * Checks that every dataset has one row per token, writes the HDF5 file and publishes it atomically.
         * Throws IllegalStateException naming the first dataset whose row count differs.
         */
        public void finish() {
            ensureOpen();
            long n = nTokens();
            if (n == 0) {
                throw new IllegalStateException(output + ": no tokens were appended");
            }
            for (Map.Entry<String, Spill> e : spills.entrySet()) {
                if (e.getValue().rows != n) {
                    throw new IllegalStateException(output + ": " + e.getKey() + " has " + e.getValue().rows
                            + " rows but " + n + " tokens were appended");
                }
            }
            finished = true;
            try {
                for (Spill s : spills.values()) {
                    s.ch.close();
                }
                try (AtomicOutput out = AtomicOutput.create(output)) {
                    try (Hdf5Writer h = Hdf5Writer.create(out.temp())) {
                        h.attribute("model", spec.model())
                                .attribute("shard", spec.shard())
                                .attribute("n_layers", spec.nLayers())
                                .attribute("d_mlp", spec.dMlp());
                        extraAttributes.forEach(h::attribute);
                        h.streamed("token_ids", Hdf5.Element.INT32, new long[] {n},
                                Hdf5.fromFile(spills.get("token_ids").file));
                        h.streamed("positions", Hdf5.Element.INT32, new long[] {n},
                                Hdf5.fromFile(spills.get("positions").file));
                        for (String hook : spec.hooks()) {
                            Hdf5Writer.Group g = h.group(hook);
                            for (int l = 0; l < spec.nLayers(); l++) {
                                g.streamed(Integer.toString(l), spec.precision().element,
                                        new long[] {n, spec.dMlp()}, Hdf5.fromFile(spills.get(hook + "/" + l).file),
                                        java.util.Map.of(HOOK_NAME, hookName(hook, l)));
                            }
                        }
                    }
                    out.commit();
                }
            } catch (IOException e) {
                throw new PathIOException(output, "cannot write", e);
            } finally {
                deleteSpills();
            }
        }

        /** Releases the spill files; if {@link #finish} was not called nothing is published. */
        @Override
        public void close() {
            finished = true;
            deleteSpills();
        }

        private void deleteSpills() {
            for (Spill s : spills.values()) {
                try {
                    s.ch.close();
                } catch (IOException ignored) {
                    // deleting next
                }
            }
            TempRegistry.delete(spillDir);
        }
    }

    /**
     * Reads an activation file, validating at open that every layer of every hook is [n_tokens, d_mlp] with
     * n_tokens the length of /token_ids and n_layers, d_mlp the attributes. Layers are read on demand; contiguous
     * float32/float16 data is memory-mapped, so reading rows never loads more than asked for.
     */
    public static final class Reader implements AutoCloseable {
        private final Path file;
        private final Hdf5Reader h;
        private final String model;
        private final String shard;
        private final int nLayers;
        private final int dMlp;
        private final int nTokens;
        private final TokenFilter filter;
        private final int unkId;
        private final String modelSha256;
        private final String shardSha256;
        private final List<String> hooks = new ArrayList<>();

        private Reader(Hdf5Reader h) {
            this.file = h.file();
            this.h = h;
            this.model = h.string("model", WHAT);
            this.shard = h.string("shard", WHAT);
            this.nLayers = h.integer("n_layers", WHAT);
            this.dMlp = h.integer("d_mlp", WHAT);
            if (nLayers <= 0 || dMlp <= 0) {
                throw new InputException(file + ": n_layers " + nLayers + " and d_mlp " + dMlp + " must be positive");
            }
            this.nTokens = vector("/token_ids", -1);
            if (nTokens == 0) {
                throw new InputException(file + ": /token_ids is empty; an activation file needs at least one token");
            }
            vector("/positions", nTokens);
            String recorded = h.optionalString(FILTER_IDS);
            this.filter = recorded == null ? null : FilterChoice.parse(recorded, file + ": attribute " + FILTER_IDS);
            this.unkId = TokenShard.unkId(h, -1);
            this.modelSha256 = Provenance.readSha256(h, MODEL_SHA256);
            this.shardSha256 = Provenance.readSha256(h, SHARD_SHA256);
            for (String hook : List.of(MLP_POST, MLP_PRE)) {
                if (checkHook(hook)) {
                    hooks.add(hook);
                }
            }
        }

        /** Validates /hook's layers; false when the file has no such group (mlp_pre is optional). */
        private boolean checkHook(String hook) {
            if (!h.exists("/" + hook)) {
                if (hook.equals(MLP_POST)) {
                    throw new InputException(file + ": no /mlp_post group (" + WHAT + ")");
                }
                return false;
            }
            if (!h.isGroup("/" + hook)) {
                throw new InputException(file + ": /" + hook + " is a dataset, expected a group of layers");
            }
            int found = h.children("/" + hook, WHAT).size();
            if (found != nLayers) {
                throw new InputException(file + ": /" + hook + " has " + found + " layers but n_layers is " + nLayers);
            }
            for (int l = 0; l < nLayers; l++) {
                String path = "/" + hook + "/" + l;
                int[] dims = h.shape(path, "n_layers is " + nLayers);
                if (dims.length != 2 || dims[0] != nTokens || dims[1] != dMlp) {
                    throw new InputException(file + ": " + path + " has shape " + Arrays.toString(dims)
                            + ", expected [" + nTokens + ", " + dMlp + "] (n_tokens from /token_ids, d_mlp attribute)");
                }
                if (!h.isFloating(path, WHAT)) {
                    throw new InputException(file + ": " + path + " is " + h.typeName(path, WHAT)
                            + ", expected float32 or float16");
                }
            }
            return true;
        }

        /** The length of an int32 vector dataset, checked against {@code expectLength} unless it is negative. */
        private int vector(String path, int expectLength) {
            int[] dims = h.shape(path, WHAT);
            if (dims.length != 1 || (expectLength >= 0 && dims[0] != expectLength)) {
                throw new InputException(file + ": " + path + " has shape " + Arrays.toString(dims) + ", expected ["
                        + (expectLength >= 0 ? Integer.toString(expectLength) : "n_tokens") + "]");
            }
            if (!h.isInteger(path, WHAT)) {
                throw new InputException(file + ": " + path + " is " + h.typeName(path, WHAT) + ", expected int32");
            }
            return dims[0];
        }

        public static Reader open(Path file) {
            Hdf5Reader h = Hdf5Reader.open(file);
            try {
                return new Reader(h);
            } catch (RuntimeException e) {
                h.close();
                throw e;
            }
        }

        public Path file() {
            return file;
        }

        public String model() {
            return model;
        }

        public String shard() {
            return shard;
        }

        public int nLayers() {
            return nLayers;
        }

        public int dMlp() {
            return dMlp;
        }

        public int nTokens() {
            return nTokens;
        }

        /** The token shard's filter recorded by extract, or null for files written without one. */
        public TokenFilter filter() {
            return filter;
        }

        /** The token shard's unknown id recorded by extract, or -1. */
        public int unkId() {
            return unkId;
        }

        /** The content hash of the checkpoint's weights, or null for a file of an earlier version. */
        public String modelSha256() {
            return modelSha256;
        }

        /** The identity of the tokens ({@link TokenShard#contentSha256(int)}), or null for a file of an earlier version. */
        public String shardSha256() {
            return shardSha256;
        }

        /**
         * Folds this file's tokens into {@code stats} (its /mlp_pre and /mlp_post), {@code batchRows} tokens at a time,
         * leaving out what {@link ActivationStats#statisticsFilter} says (the unknown id, when filter_ids drops it);
         * {@code progress} (may be null) advances by tokens per layer.
         */
        public void addTo(ActivationStats stats, int batchRows, Progress progress) {
            if (!model.equals(stats.model()) || nLayers != stats.nLayers() || dMlp != stats.dMlp()) {
                throw new InputException(file + ": activations of " + model + " (" + nLayers + " x " + dMlp
                        + "), expected " + stats.model() + " (" + stats.nLayers() + " x " + stats.dMlp() + ")");
            }
            stats.checkModel(modelSha256, file.toString());
            if (!hasHook(MLP_PRE)) {
                throw new InputException(file + ": no /mlp_pre datasets; statistics need pre-activations"
                        + " (extract with --hooks mlp_post,mlp_pre)");
            }
            int src = stats.beginShard(shard, shardSha256, file.toString());
            TokenFilter skip = ActivationStats.statisticsFilter(filter, unkId);
            int[] ids = skip.ids().length == 0 ? null : tokenIds();
            if (ids != null) {
                stats.skipUnknown(nTokens - skip.keptRows(ids, 0, nTokens).length);
            }
            float[] buf = new float[Math.min(batchRows, nTokens) * dMlp];
            for (int l = 0; l < nLayers; l++) {
                for (int from = 0; from < nTokens; from += batchRows) {
                    int rows = Math.min(batchRows, nTokens - from);
                    int[] keep = ids == null ? null : skip.keptRows(ids, from, from + rows);
                    rows(MLP_PRE, l, from, rows, buf, 0);
                    if (keep == null || keep.length == rows) {
                        stats.addPre(l, buf, rows);
                        rows(MLP_POST, l, from, rows, buf, 0);
                        stats.addPost(l, buf, rows, src, from, file.toString());
                    } else {
                        stats.addPre(l, buf, keep);
                        rows(MLP_POST, l, from, rows, buf, 0);
                        stats.addPost(l, buf, keep, src, from, file.toString());
                    }
                    if (progress != null) {
                        progress.advance(rows);
                    }
                }
                stats.checkFinite(l, file.toString());
            }
        }

        /** mlp_post, and mlp_pre if the file has it. */
        public List<String> hooks() {
            return new ArrayList<>(hooks);
        }

        public boolean hasHook(String hook) {
            return hooks.contains(hook);
        }

        /** float32 or float16: the on-disk type of one layer. */
        public String precision(String hook, int layer) {
            return h.typeName(dataset(hook, layer), WHAT);
        }

        /** An attribute beyond the format's own (e.g. ctx, dtype), or null. */
        public Object attribute(String name) {
            return h.attribute("/", name);
        }

        public int[] tokenIds() {
            return h.ints("/token_ids", nTokens, WHAT);
        }

        public int[] positions() {
            return h.ints("/positions", nTokens, WHAT);
        }

        /** A whole layer, [n_tokens * d_mlp] row-major. */
        public float[] layer(String hook, int layer) {
            long n = (long) nTokens * dMlp;
            if (n > Integer.MAX_VALUE - 8) {
                throw new InputException(file + ": /" + hook + "/" + layer + " has " + n
                        + " values, too many for one Java array; read it in row ranges");
            }
            return rows(hook, layer, 0, nTokens);
        }

        /** Rows [fromRow, fromRow + nRows) of a layer, [nRows * d_mlp] row-major. */
        public float[] rows(String hook, int layer, long fromRow, int nRows) {
            float[] out = new float[Math.multiplyExact(nRows, dMlp)];
            rows(hook, layer, fromRow, nRows, out, 0);
            return out;
        }

        /** Reads rows into a caller's buffer (reuse it across batches). */
        public void rows(String hook, int layer, long fromRow, int nRows, float[] dst, int dstOffset) {
            String path = dataset(hook, layer);
            if (fromRow < 0 || nRows < 0 || fromRow + nRows > nTokens) {
                throw new IndexOutOfBoundsException("rows [" + fromRow + ", " + (fromRow + nRows) + ") of " + nTokens);
            }
            if (nRows == 0) {
                return;
            }
            h.floatRows(path, fromRow, nRows, dMlp, dst, dstOffset);
        }

        private String dataset(String hook, int layer) {
            if (!hooks.contains(hook)) {
                throw new InputException(file + ": no /" + hook + " group (hooks in this file: " + hooks() + ")");
            }
            if (layer < 0 || layer >= nLayers) {
                throw new InputException(file + ": no layer " + layer + " (n_layers is " + nLayers + ")");
            }
            return "/" + hook + "/" + layer;
        }

        @Override
        public void close() {
            h.close();
        }
    }
}
