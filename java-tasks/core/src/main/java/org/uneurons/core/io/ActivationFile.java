package org.uneurons.core.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.api.WritableGroup;
import io.jhdf.exceptions.HdfException;
import io.jhdf.object.datatype.FixedPoint;
import io.jhdf.object.datatype.FloatingPoint;

import org.uneurons.core.cli.InputException;

/**
 * Activation files: HDF5 with {@code /mlp_post/{layer}} float32 or float16 [n_tokens, d_mlp], optionally
 * {@code /mlp_pre/{layer}} of the same shape, {@code /token_ids} and {@code /positions} int32 [n_tokens], and
 * attributes {@code model}, {@code shard} (strings), {@code n_layers}, {@code d_mlp} (ints). Rows are
 * sequence-major: token t of sequence s is row s*ctx+t. Nothing is filtered.
 */
public final class ActivationFile {
    public static final String MLP_POST = "mlp_post";
    public static final String MLP_PRE = "mlp_pre";
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
                this.ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            }
        }

        private Writer(Path output, Spec spec) throws IOException {
            this.output = output;
            this.spec = spec;
            Path abs = output.toAbsolutePath();
            Files.createDirectories(abs.getParent());
            this.spillDir = Files.createTempDirectory(abs.getParent(), abs.getFileName() + ".spill-");
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
                throw new UncheckedIOException(output + ": cannot create spill files beside the output", e);
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
                        buf.putShort(HalfFloats.floatToHalf(values[offset + i]));
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
                throw new UncheckedIOException(output + ": cannot write spill file " + s.file, e);
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
                throw new UncheckedIOException(output + ": cannot write spill file " + s.file, e);
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
                    try (WritableHdfFile h = HdfFile.write(out.temp())) {
                        h.putAttribute("model", spec.model());
                        h.putAttribute("shard", spec.shard());
                        h.putAttribute("n_layers", spec.nLayers());
                        h.putAttribute("d_mlp", spec.dMlp());
                        extraAttributes.forEach(h::putAttribute);
                        Hdf5.putStreamed(h, "token_ids", Hdf5.Element.INT32, new long[] {n},
                                Hdf5.fromFile(spills.get("token_ids").file));
                        Hdf5.putStreamed(h, "positions", Hdf5.Element.INT32, new long[] {n},
                                Hdf5.fromFile(spills.get("positions").file));
                        for (String hook : spec.hooks()) {
                            WritableGroup g = h.putGroup(hook);
                            for (int l = 0; l < spec.nLayers(); l++) {
                                Hdf5.putStreamed(g, Integer.toString(l), spec.precision().element,
                                        new long[] {n, spec.dMlp()}, Hdf5.fromFile(spills.get(hook + "/" + l).file));
                            }
                        }
                    }
                    out.commit();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(output + ": cannot write", e);
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
            if (Files.exists(spillDir)) {
                try (Stream<Path> files = Files.walk(spillDir)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                } catch (IOException ignored) {
                    // best effort: a leftover spill directory is never mistaken for a result
                }
            }
        }
    }

    /**
     * Reads an activation file, validating at open that every layer of every hook is [n_tokens, d_mlp] with
     * n_tokens the length of /token_ids and n_layers, d_mlp the attributes. Layers are read on demand; contiguous
     * float32/float16 data is memory-mapped, so reading rows never loads more than asked for.
     */
    public static final class Reader implements AutoCloseable {
        private final Path file;
        private final HdfFile h;
        private final FileChannel channel;
        private final String model;
        private final String shard;
        private final int nLayers;
        private final int dMlp;
        private final int nTokens;
        private final Map<String, Dataset[]> layers = new LinkedHashMap<>();
        private final Dataset tokenIds;
        private final Dataset positions;

        private Reader(Path file, HdfFile h, FileChannel channel) {
            this.file = file;
            this.h = h;
            this.channel = channel;
            this.model = Hdf5.stringAttribute(h, file, "model", WHAT);
            this.shard = Hdf5.stringAttribute(h, file, "shard", WHAT);
            this.nLayers = Hdf5.intAttribute(h, file, "n_layers", WHAT);
            this.dMlp = Hdf5.intAttribute(h, file, "d_mlp", WHAT);
            if (nLayers <= 0 || dMlp <= 0) {
                throw new InputException(file + ": n_layers " + nLayers + " and d_mlp " + dMlp + " must be positive");
            }
            this.tokenIds = vector("/token_ids", -1);
            this.nTokens = tokenIds.getDimensions()[0];
            if (nTokens == 0) {
                throw new InputException(file + ": /token_ids is empty; an activation file needs at least one token");
            }
            this.positions = vector("/positions", nTokens);
            for (String hook : List.of(MLP_POST, MLP_PRE)) {
                Node g = h.getChildren().get(hook);
                if (g == null) {
                    if (hook.equals(MLP_POST)) {
                        throw new InputException(file + ": no /mlp_post group (" + WHAT + ")");
                    }
                    continue;
                }
                if (!(g instanceof Group group)) {
                    throw new InputException(file + ": /" + hook + " is a dataset, expected a group of layers");
                }
                if (group.getChildren().size() != nLayers) {
                    throw new InputException(file + ": /" + hook + " has " + group.getChildren().size()
                            + " layers but n_layers is " + nLayers);
                }
                Dataset[] ds = new Dataset[nLayers];
                for (int l = 0; l < nLayers; l++) {
                    String path = "/" + hook + "/" + l;
                    Dataset d = Hdf5.dataset(h, file, path, "n_layers is " + nLayers);
                    int[] dims = d.getDimensions();
                    if (dims.length != 2 || dims[0] != nTokens || dims[1] != dMlp) {
                        throw new InputException(file + ": " + path + " has shape " + Arrays.toString(dims)
                                + ", expected [" + nTokens + ", " + dMlp + "] (n_tokens from /token_ids, d_mlp attribute)");
                    }
                    if (!(d.getDataType() instanceof FloatingPoint)) {
                        throw new InputException(file + ": " + path + " is " + Hdf5.typeName(d)
                                + ", expected float32 or float16");
                    }
                    ds[l] = d;
                }
                layers.put(hook, ds);
            }
        }

        private Dataset vector(String path, int expectLength) {
            Dataset d = Hdf5.dataset(h, file, path, WHAT);
            int[] dims = d.getDimensions();
            if (dims.length != 1 || (expectLength >= 0 && dims[0] != expectLength)) {
                throw new InputException(file + ": " + path + " has shape " + Arrays.toString(dims) + ", expected ["
                        + (expectLength >= 0 ? Integer.toString(expectLength) : "n_tokens") + "]");
            }
            if (!(d.getDataType() instanceof FixedPoint)) {
                throw new InputException(file + ": " + path + " is " + Hdf5.typeName(d) + ", expected int32");
            }
            return d;
        }

        public static Reader open(Path file) {
            HdfFile h = Hdf5.open(file);
            FileChannel ch = null;
            try {
                ch = FileChannel.open(file, StandardOpenOption.READ);
                return new Reader(file, h, ch);
            } catch (IOException e) {
                h.close();
                throw new UncheckedIOException(file + ": cannot open", e);
            } catch (HdfException e) {
                closeBoth(h, ch);
                throw new InputException(file + ": cannot read " + WHAT + " (" + e.getMessage() + ")");
            } catch (RuntimeException e) {
                closeBoth(h, ch);
                throw e;
            }
        }

        private static void closeBoth(HdfFile h, FileChannel ch) {
            h.close();
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // already failing
                }
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

        /** mlp_post, and mlp_pre if the file has it. */
        public List<String> hooks() {
            return new ArrayList<>(layers.keySet());
        }

        public boolean hasHook(String hook) {
            return layers.containsKey(hook);
        }

        /** float32 or float16: the on-disk type of one layer. */
        public String precision(String hook, int layer) {
            return Hdf5.typeName(dataset(hook, layer));
        }

        /** The underlying jhdf file, for attributes beyond the format's own. */
        public HdfFile hdf() {
            return h;
        }

        public int[] tokenIds() {
            return ints(tokenIds);
        }

        public int[] positions() {
            return ints(positions);
        }

        private int[] ints(Dataset d) {
            long[] v = Hdf5.longsFlat(d);
            int[] out = new int[v.length];
            for (int i = 0; i < v.length; i++) {
                out[i] = (int) v[i];
            }
            return out;
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
            Dataset d = dataset(hook, layer);
            if (fromRow < 0 || nRows < 0 || fromRow + nRows > nTokens) {
                throw new IndexOutOfBoundsException("rows [" + fromRow + ", " + (fromRow + nRows) + ") of " + nTokens);
            }
            if (nRows == 0) {
                return;
            }
            Hdf5.readFloatRows(h, channel, d, fromRow, nRows, dMlp, dst, dstOffset);
        }

        private Dataset dataset(String hook, int layer) {
            Dataset[] ds = layers.get(hook);
            if (ds == null) {
                throw new InputException(file + ": no /" + hook + " group (hooks in this file: " + hooks() + ")");
            }
            if (layer < 0 || layer >= nLayers) {
                throw new InputException(file + ": no layer " + layer + " (n_layers is " + nLayers + ")");
            }
            return ds[layer];
        }

        @Override
        public void close() {
            closeBoth(h, channel);
        }
    }
}
