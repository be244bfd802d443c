package org.uneurons.core.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import org.uneurons.core.cli.InputException;

/**
 * The weights of a Hugging Face checkpoint directory, in whichever of its four layouts it comes, tried in the order
 * transformers tries them: {@code model.safetensors}; shards {@code model-0000X-of-0000Y.safetensors} listed by
 * {@code model.safetensors.index.json}; {@code pytorch_model.bin} (torch.save's zip archive, {@link TorchFile}); shards
 * listed by {@code pytorch_model.bin.index.json}. Safetensors win when both are there. An index's {@code weight_map}
 * maps each tensor name to its shard file; shards are opened and cross-checked against the index up front, so a missing
 * shard or a tensor the index promises but its shard lacks fails at open, naming both. Opening reads headers (the
 * safetensors JSON header, the zip directory and pickle) only.
 */
public final class CheckpointWeights implements TensorSource {
    public static final String SAFETENSORS = "model.safetensors";
    public static final String SAFETENSORS_INDEX = "model.safetensors.index.json";
    public static final String PYTORCH = "pytorch_model.bin";
    public static final String PYTORCH_INDEX = "pytorch_model.bin.index.json";

    /** The file format of the weights. */
    public enum Format {
        SAFETENSORS, PYTORCH;

        /** "safetensors" or "pytorch" (as the checkpoint check prints it). */
        public String lowerName() {
            return name().toLowerCase(Locale.ROOT);
        }

        TensorSource open(Path file) {
            return this == SAFETENSORS ? Safetensors.open(file) : TorchFile.open(file);
        }
    }

    private final Path dir;
    private final Path origin;
    private final Format format;
    private final List<TensorSource> files;
    /** tensor name -> the open file that holds it */
    private final Map<String, TensorSource> byName;
    private final Map<String, String> metadata;

    private CheckpointWeights(Path dir, Path origin, Format format, List<TensorSource> files,
                              Map<String, TensorSource> byName, Map<String, String> metadata) {
        this.dir = dir;
        this.origin = origin;
        this.format = format;
        this.files = files;
        this.byName = byName;
        this.metadata = metadata;
    }

    /**
     * Opens a checkpoint directory (the first layout present, see above), or one weights file given directly
     * ({@code .safetensors}, or a torch.save archive such as {@code .bin}, {@code .pt}, {@code .pth}).
     */
    public static CheckpointWeights open(Path dirOrFile) {
        if (Files.isRegularFile(dirOrFile)) {
            Path dir = dirOrFile.getParent() == null ? Path.of(".") : dirOrFile.getParent();
            boolean st = dirOrFile.getFileName().toString().endsWith(".safetensors");
            return single(dir, dirOrFile, st ? Format.SAFETENSORS : Format.PYTORCH);
        }
        if (!Files.isDirectory(dirOrFile)) {
            throw new InputException(dirOrFile + ": no such checkpoint directory");
        }
        Object[][] layouts = {{SAFETENSORS, Format.SAFETENSORS, false}, {SAFETENSORS_INDEX, Format.SAFETENSORS, true},
            {PYTORCH, Format.PYTORCH, false}, {PYTORCH_INDEX, Format.PYTORCH, true}};
        for (Object[] l : layouts) {
            Path f = dirOrFile.resolve((String) l[0]);
            if (Files.isRegularFile(f)) {
                return (Boolean) l[2] ? sharded(dirOrFile, f, (Format) l[1]) : single(dirOrFile, f, (Format) l[1]);
            }
        }
        throw new InputException(dirOrFile + ": no " + SAFETENSORS + ", " + SAFETENSORS_INDEX + ", " + PYTORCH + " or "
                + PYTORCH_INDEX + " in the checkpoint directory");
    }

    private static CheckpointWeights single(Path dir, Path file, Format format) {
        TensorSource src = format.open(file);
        Map<String, TensorSource> byName = new TreeMap<>();
        for (String n : src.names()) {
            byName.put(n, src);
        }
        return new CheckpointWeights(dir, file, format, List.of(src), Collections.unmodifiableMap(byName), src.metadata());
    }

    private static CheckpointWeights sharded(Path dir, Path index, Format format) {
        JsonObject root = readIndex(index);
        JsonElement wm = root.get("weight_map");
        if (wm == null || !wm.isJsonObject() || wm.getAsJsonObject().isEmpty()) {
            throw new InputException(index + ": no \"weight_map\" object (tensor name -> shard file)");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        JsonElement md = root.get("metadata");
        if (md != null && md.isJsonObject()) {
            for (Map.Entry<String, JsonElement> m : md.getAsJsonObject().entrySet()) {
                JsonElement x = m.getValue();
                metadata.put(m.getKey(), x.isJsonPrimitive() && x.getAsJsonPrimitive().isString() ? x.getAsString() : x.toString());
            }
        }
        Map<String, TensorSource> byName = new TreeMap<>();
        List<TensorSource> opened = new ArrayList<>();
        try {
            Map<String, TensorSource> shards = new TreeMap<>();
            for (Map.Entry<String, JsonElement> e : wm.getAsJsonObject().entrySet()) {
                byName.put(e.getKey(), shard(dir, index, e.getKey(), e.getValue(), shards, s -> {
                    TensorSource t = format.open(s);
                    opened.add(t);
                    return t;
                }));
            }
        } catch (RuntimeException e) {
            opened.forEach(TensorSource::close);
            throw e;
        }
        return new CheckpointWeights(dir, index, format, List.copyOf(opened), Collections.unmodifiableMap(byName),
                Collections.unmodifiableMap(metadata));
    }

    private static JsonObject readIndex(Path index) {
        JsonObject root;
        try {
            JsonElement e = JsonParser.parseString(Files.readString(index, StandardCharsets.UTF_8));
            root = e.isJsonObject() ? e.getAsJsonObject() : null;
        } catch (JsonParseException | IllegalStateException e) {
            root = null;
        } catch (IOException e) {
            throw new UncheckedIOException(index + ": cannot read", e);
        }
        if (root == null) {
            throw new InputException(index + ": not a JSON object");
        }
        return root;
    }

    /** The open shard that holds {@code tensor} (opened on first use), checked to hold it. */
    private static TensorSource shard(Path dir, Path index, String tensor, JsonElement f, Map<String, TensorSource> shards,
                                      Function<Path, TensorSource> open) {
        if (!f.isJsonPrimitive() || !f.getAsJsonPrimitive().isString()) {
            throw new InputException(index + ": weight_map entry for tensor '" + tensor + "' is not a file name");
        }
        String shardName = f.getAsString();
        TensorSource st = shards.get(shardName);
        if (st == null) {
            Path shardPath = dir.resolve(shardName);
            if (!Files.isRegularFile(shardPath)) {
                throw new InputException(index + ": shard " + shardName + " (listed for tensor '" + tensor
                        + "') does not exist");
            }
            st = open.apply(shardPath);
            shards.put(shardName, st);
        }
        if (!st.contains(tensor)) {
            throw new InputException(index + ": tensor '" + tensor + "' is listed in shard " + shardName
                    + ", but " + st.origin() + " has no such tensor");
        }
        return st;
    }

    public Path dir() {
        return dir;
    }

    /** safetensors or pytorch_model.bin. */
    public Format format() {
        return format;
    }

    /** The weights file, or the index of a sharded checkpoint. */
    @Override
    public Path origin() {
        return origin;
    }

    /** The open files (one, or one per shard). */
    public List<TensorSource> files() {
        return files;
    }

    @Override
    public Set<String> names() {
        return byName.keySet();
    }

    @Override
    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    private TensorSource holder(String name) {
        TensorSource st = byName.get(name);
        if (st == null) {
            throw new InputException(origin + ": no tensor '" + name + "' (has " + byName.size() + " tensors)");
        }
        return st;
    }

    @Override
    public TensorInfo info(String name) {
        return holder(name).info(name);
    }

    @Override
    public float[] floats(String name) {
        return holder(name).floats(name);
    }

    @Override
    public long[] longs(String name) {
        return holder(name).longs(name);
    }

    @Override
    public int[] ints(String name) {
        return holder(name).ints(name);
    }

    @Override
    public byte[] digest(String name) {
        return holder(name).digest(name);
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public void close() {
        files.forEach(TensorSource::close);
    }

    @Override
    public String toString() {
        return dir + " (" + byName.size() + " tensors in " + files.size() + " " + format.lowerName() + " file"
                + (files.size() == 1 ? "" : "s") + ")";
    }
}
