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
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import org.uneurons.core.cli.InputException;

/**
 * The weights of a Hugging Face checkpoint directory: either {@code model.safetensors}, or shards
 * {@code model-0000X-of-0000Y.safetensors} listed by {@code model.safetensors.index.json} ({@code weight_map}:
 * tensor name to shard file). Shards are opened and cross-checked against the index up front, so a missing shard
 * or a tensor the index promises but its shard lacks fails at open, naming both.
 */
public final class SafetensorsCheckpoint implements TensorSource {
    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    private final Path dir;
    private final List<Safetensors> files;
    /** tensor name -> the open file that holds it */
    private final Map<String, Safetensors> byName;
    private final Map<String, String> metadata;

    private SafetensorsCheckpoint(Path dir, List<Safetensors> files, Map<String, Safetensors> byName,
                                  Map<String, String> metadata) {
        this.dir = dir;
        this.files = files;
        this.byName = byName;
        this.metadata = metadata;
    }

    /**
     * Opens a checkpoint directory (sharded if it has an index, else model.safetensors), or a single
     * .safetensors file given directly.
     */
    public static SafetensorsCheckpoint open(Path dirOrFile) {
        if (Files.isRegularFile(dirOrFile)) {
            return single(dirOrFile.getParent() == null ? Path.of(".") : dirOrFile.getParent(), dirOrFile);
        }
        if (!Files.isDirectory(dirOrFile)) {
            throw new InputException(dirOrFile + ": no such checkpoint directory");
        }
        Path index = dirOrFile.resolve(INDEX);
        if (Files.isRegularFile(index)) {
            return sharded(dirOrFile, index);
        }
        Path single = dirOrFile.resolve(SINGLE);
        if (Files.isRegularFile(single)) {
            return single(dirOrFile, single);
        }
        throw new InputException(dirOrFile + ": no " + SINGLE + " or " + INDEX + " in the checkpoint directory");
    }

    private static SafetensorsCheckpoint single(Path dir, Path file) {
        Safetensors st = Safetensors.open(file);
        Map<String, Safetensors> byName = new TreeMap<>();
        for (String n : st.names()) {
            byName.put(n, st);
        }
        return new SafetensorsCheckpoint(dir, List.of(st), Collections.unmodifiableMap(byName), st.metadata());
    }

    private static SafetensorsCheckpoint sharded(Path dir, Path index) {
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
        Map<String, Safetensors> shards = new TreeMap<>();
        Map<String, Safetensors> byName = new TreeMap<>();
        List<Safetensors> opened = new ArrayList<>();
        try {
            for (Map.Entry<String, JsonElement> e : wm.getAsJsonObject().entrySet()) {
                String tensor = e.getKey();
                JsonElement f = e.getValue();
                if (!f.isJsonPrimitive() || !f.getAsJsonPrimitive().isString()) {
                    throw new InputException(index + ": weight_map entry for tensor '" + tensor + "' is not a file name");
                }
                String shardName = f.getAsString();
                Safetensors st = shards.get(shardName);
                if (st == null) {
                    Path shardPath = dir.resolve(shardName);
                    if (!Files.isRegularFile(shardPath)) {
                        throw new InputException(index + ": shard " + shardName + " (listed for tensor '" + tensor
                                + "') does not exist");
                    }
                    st = Safetensors.open(shardPath);
                    opened.add(st);
                    shards.put(shardName, st);
                }
                if (!st.contains(tensor)) {
                    throw new InputException(index + ": tensor '" + tensor + "' is listed in shard " + shardName
                            + ", but " + st.file() + " has no such tensor");
                }
                byName.put(tensor, st);
            }
        } catch (RuntimeException e) {
            opened.forEach(Safetensors::close);
            throw e;
        }
        return new SafetensorsCheckpoint(dir, List.copyOf(opened), Collections.unmodifiableMap(byName),
                Collections.unmodifiableMap(metadata));
    }

    public Path dir() {
        return dir;
    }

    /** The open files (one, or one per shard). */
    public List<Safetensors> files() {
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

    private Safetensors holder(String name) {
        Safetensors st = byName.get(name);
        if (st == null) {
            String where = files.size() == 1 ? files.get(0).file().toString() : dir.resolve(INDEX).toString();
            throw new InputException(where + ": no tensor '" + name + "' (has " + byName.size() + " tensors)");
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
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public void close() {
        files.forEach(Safetensors::close);
    }

    @Override
    public String toString() {
        return dir + " (" + byName.size() + " tensors in " + files.size() + " file" + (files.size() == 1 ? "" : "s") + ")";
    }
}
