package org.uneurons.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import org.uneurons.core.cli.InputException;

/** A model's shape from its Hugging Face config.json (GPT-2 or GPT-NeoX key names). */
record ModelConfig(String name, String type, int layers, int dModel, int heads, int dMlp, int ctx, int vocab) {
    static final String WHAT = "a Hugging Face config.json (GPT-2 or GPT-NeoX)";

    /** {@code path} is a checkpoint directory holding config.json, or the config.json itself. */
    static ModelConfig read(String name, Path path) {
        Path file = Files.isDirectory(path) ? path.resolve("config.json") : path;
        JsonObject o;
        try {
            JsonElement e = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            if (!e.isJsonObject()) {
                throw new InputException(file + ": not a JSON object, expected " + WHAT);
            }
            o = e.getAsJsonObject();
        } catch (java.nio.file.NoSuchFileException e) {
            throw new InputException(file + ": no such file (expected " + WHAT + ")");
        } catch (IOException e) {
            throw new InputException(file + ": cannot read (" + e.getMessage() + ")");
        } catch (JsonParseException e) {
            throw new InputException(file + ": not valid JSON, expected " + WHAT);
        }
        String type = o.has("model_type") ? o.get("model_type").getAsString() : "?";
        int layers = integer(o, file, "n_layer", "num_hidden_layers");
        int dModel = integer(o, file, "n_embd", "hidden_size");
        int heads = integer(o, file, "n_head", "num_attention_heads");
        int dMlp = o.has("n_inner") && !o.get("n_inner").isJsonNull() ? integer(o, file, "n_inner")
                : o.has("intermediate_size") ? integer(o, file, "intermediate_size") : 4 * dModel;
        int ctx = integer(o, file, "n_positions", "max_position_embeddings");
        int vocab = integer(o, file, "vocab_size");
        return new ModelConfig(name, type, layers, dModel, heads, dMlp, ctx, vocab);
    }

    private static int integer(JsonObject o, Path file, String... keys) {
        for (String k : keys) {
            if (o.has(k) && !o.get(k).isJsonNull()) {
                try {
                    return o.get(k).getAsInt();
                } catch (RuntimeException e) {
                    throw new InputException(file + ": '" + k + "' is " + o.get(k) + ", expected an integer");
                }
            }
        }
        throw new InputException(file + ": no '" + String.join("' or '", keys) + "' (expected " + WHAT + ")");
    }
}
