package org.uneurons.formats;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import org.uneurons.core.cli.InputException;

/**
 * The architecture hyperparameters of a Hugging Face checkpoint, read from its config.json. GPT-2 and GPT-NeoX
 * use different key names; both are mapped onto the same fields here, with Hugging Face's defaults for keys
 * that are absent. {@link #describe(String...)} quotes the original keys so error messages speak the file's own
 * language.
 */
public final class ModelConfig {
    public final Architecture architecture;
    public final int nLayers;
    public final int dModel;
    public final int nHeads;
    public final int dMlp;
    public final int nCtx;
    public final int vocabSize;
    public final double layerNormEps;
    public final MlpActivation activation;
    /** Unembedding shares the token embedding matrix (no separate lm_head / embed_out tensor needed). */
    public final boolean tiedUnembed;
    /** GPT-2: divide attention scores by sqrt(head_dim). NeoX always does. */
    public final boolean scaleAttnWeights;
    /** GPT-2: additionally divide attention scores of layer l by (l + 1). */
    public final boolean scaleAttnByInverseLayerIdx;
    /** NeoX: number of leading dimensions of each head that are rotated (0 for GPT-2). */
    public final int rotaryDim;
    /** NeoX: rotary base (theta). */
    public final double rotaryBase;
    /** NeoX: x + attn(ln1(x)) + mlp(ln2(x)) instead of two sequential residual updates. */
    public final boolean parallelResidual;
    /** NeoX: the attention projections carry biases (attention_bias). */
    public final boolean attentionBias;
    /**
     * The id the model's sequences start with (bos_token_id; transformers' defaults when absent: GPT-2 50256, NeoX 0;
     * an id outside the vocabulary becomes the last id).
     */
    public final int bosTokenId;
    /** The parsed file, quoted by error messages ("n_embd 48"). */
    private final JsonObject json;
    private final String source;

    private ModelConfig(Builder b, JsonObject json, String source) {
        this.architecture = b.architecture;
        this.nLayers = b.nLayers;
        this.dModel = b.dModel;
        this.nHeads = b.nHeads;
        this.dMlp = b.dMlp;
        this.nCtx = b.nCtx;
        this.vocabSize = b.vocabSize;
        this.layerNormEps = b.layerNormEps;
        this.bosTokenId = b.bosTokenId;
        this.activation = b.activation;
        this.tiedUnembed = b.tiedUnembed;
        this.scaleAttnWeights = b.scaleAttnWeights;
        this.scaleAttnByInverseLayerIdx = b.scaleAttnByInverseLayerIdx;
        this.rotaryDim = b.rotaryDim;
        this.rotaryBase = b.rotaryBase;
        this.parallelResidual = b.parallelResidual;
        this.attentionBias = b.attentionBias;
        this.json = json;
        this.source = source;
    }

    public int headDim() {
        return dModel / nHeads;
    }

    /**
     * Reads {@code dir/config.json} (or {@code dir} itself when it is a file); {@code name} prefixes error messages
     * ("checkpoint NAME: ...").
     */
    public static ModelConfig read(Path dir, String name) {
        Path file = Files.isRegularFile(dir) ? dir : dir.resolve("config.json");
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InputException("checkpoint " + name + ": no config.json in " + dir);
        } catch (IOException e) {
            throw new InputException("checkpoint " + name + ": cannot read " + file + ": " + e.getMessage(), e);
        }
        return parse(text, name);
    }

    /** Parses config.json text; {@code name} prefixes error messages. */
    public static ModelConfig parse(String text, String name) {
        String where = "checkpoint " + name + ": config.json";
        JsonObject o;
        try {
            JsonElement e = JsonParser.parseString(text);
            if (!e.isJsonObject()) {
                throw new InputException(where + " is not a JSON object");
            }
            o = e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new InputException(where + " is not valid JSON: " + e.getMessage(), e);
        }
        Reader r = new Reader(o, where);
        String type = r.string("model_type", null);
        if (type == null) {
            throw new InputException(where + " has no model_type (expected gpt2 or gpt_neox)");
        }
        Builder b;
        switch (type) {
            case "gpt2":
                b = gpt2(r);
                break;
            case "gpt_neox":
                b = neox(r);
                break;
            default:
                throw new InputException(where + ": model_type '" + type + "' is not supported (expected gpt2 or gpt_neox)");
        }
        check(where, b);
        return new ModelConfig(b, o, name);
    }

    private static Builder gpt2(Reader r) {
        Builder b = new Builder();
        b.architecture = Architecture.GPT2;
        b.nLayers = r.integer("n_layer", 12);
        b.dModel = r.integer("n_embd", 768);
        b.nHeads = r.integer("n_head", 12);
        Integer inner = r.optionalInteger("n_inner");
        b.dMlp = inner == null ? 4 * b.dModel : inner;
        b.nCtx = r.integer("n_positions", r.integer("n_ctx", 1024));
        b.vocabSize = r.integer("vocab_size", 50257);
        b.layerNormEps = r.number("layer_norm_epsilon", 1e-5);
        b.bosTokenId = bos(r, 50256, b.vocabSize);
        b.activation = r.activation("activation_function", "gelu_new");
        b.tiedUnembed = r.bool("tie_word_embeddings", true);
        b.scaleAttnWeights = r.bool("scale_attn_weights", true);
        b.scaleAttnByInverseLayerIdx = r.bool("scale_attn_by_inverse_layer_idx", false);
        b.rotaryDim = 0;
        b.parallelResidual = false;
        b.attentionBias = true;
        return b;
    }

    private static Builder neox(Reader r) {
        Builder b = new Builder();
        b.architecture = Architecture.GPT_NEOX;
        b.nLayers = r.integer("num_hidden_layers", 44);
        b.dModel = r.integer("hidden_size", 6144);
        b.nHeads = r.integer("num_attention_heads", 64);
        b.dMlp = r.integer("intermediate_size", 24576);
        b.nCtx = r.integer("max_position_embeddings", 2048);
        b.vocabSize = r.integer("vocab_size", 50432);
        b.layerNormEps = r.number("layer_norm_eps", 1e-5);
        b.bosTokenId = bos(r, 0, b.vocabSize);
        b.activation = r.activation("hidden_act", "gelu");
        b.tiedUnembed = r.bool("tie_word_embeddings", false);
        b.scaleAttnWeights = true;
        b.scaleAttnByInverseLayerIdx = false;
        b.parallelResidual = r.bool("use_parallel_residual", true);
        b.attentionBias = r.bool("attention_bias", true);
        // Two schemas: older transformers wrote rotary_pct / rotary_emb_base at top level; newer versions nest
        // them in rope_parameters as partial_rotary_factor / rope_theta.
        double pct;
        JsonObject rope = r.object("rope_parameters");
        if (rope != null) {
            Reader rr = new Reader(rope, r.where + " rope_parameters");
            String ropeType = rr.string("rope_type", "default");
            if (!ropeType.equals("default")) {
                throw new InputException(r.where + ": rope_parameters.rope_type '" + ropeType
                        + "' is not supported (expected default)");
            }
            pct = rr.number("partial_rotary_factor", r.number("rotary_pct", 0.25));
            b.rotaryBase = rr.number("rope_theta", r.number("rotary_emb_base", 10000));
        } else {
            // Some intermediate transformers versions wrote the new names at top level.
            pct = r.number("rotary_pct", r.number("partial_rotary_factor", 0.25));
            b.rotaryBase = r.number("rotary_emb_base", r.number("rope_theta", 10000));
        }
        JsonObject scaling = r.object("rope_scaling");
        if (scaling != null) {
            throw new InputException(r.where + ": rope_scaling is not supported (expected null)");
        }
        if (pct < 0 || pct > 1) {
            throw new InputException(r.where + ": rotary fraction " + pct + " is outside [0, 1]");
        }
        int headDim = b.nHeads > 0 ? b.dModel / b.nHeads : 0;
        // As transformers: int(head_size * rotary_pct), truncating.
        b.rotaryDim = (int) (headDim * pct);
        if (b.rotaryDim % 2 != 0) {
            throw new InputException(r.where + ": rotary dimension " + b.rotaryDim + " (head_dim " + headDim
                    + " x " + pct + ") is odd; rotary embeddings rotate pairs of dimensions");
        }
        return b;
    }

    /**
     * bos_token_id, or {@code dflt} when absent. An id outside the vocabulary (tiny test models keep GPT-2's 50256 with a
     * small vocabulary) becomes the last id, GPT-2's convention for its BOS/EOT token; nothing else reads this id.
     */
    private static int bos(Reader r, int dflt, int vocab) {
        Integer id = r.optionalInteger("bos_token_id");
        int v = id == null ? dflt : id;
        return v >= 0 && v < vocab ? v : Math.max(0, vocab - 1);
    }

    private static void check(String where, Builder b) {
        String[][] positive = {
            {"layers", String.valueOf(b.nLayers)}, {"model width", String.valueOf(b.dModel)},
            {"heads", String.valueOf(b.nHeads)}, {"MLP width", String.valueOf(b.dMlp)},
            {"context", String.valueOf(b.nCtx)}, {"vocabulary", String.valueOf(b.vocabSize)}};
        for (String[] p : positive) {
            if (Integer.parseInt(p[1]) <= 0) {
                throw new InputException(where + ": " + p[0] + " must be positive, got " + p[1]);
            }
        }
        if (b.dModel % b.nHeads != 0) {
            throw new InputException(where + ": model width " + b.dModel + " is not divisible by the number of heads "
                    + b.nHeads);
        }
        if (!(b.layerNormEps > 0)) {
            throw new InputException(where + ": layer norm epsilon must be positive, got " + b.layerNormEps);
        }
    }

    /** "n_embd 48, n_inner 192": the config.json keys (as written in the file, or their defaults) for messages. */
    public String describe(String... keys) {
        StringBuilder s = new StringBuilder();
        for (String k : keys) {
            if (s.length() > 0) {
                s.append(", ");
            }
            JsonElement e = json.get(k);
            String v;
            if (e == null || e.isJsonNull()) {
                // absent or null: the Hugging Face default applies (n_inner null means 4 * n_embd)
                v = e == null ? "default" : "null";
            } else {
                v = e.getAsJsonPrimitive().isNumber() ? e.getAsNumber().toString() : e.toString();
            }
            s.append(k).append(' ').append(v);
        }
        return s.toString();
    }

    /**
     * Every id of the first {@code nSeq} sequences inside this model's vocabulary and every sequence within its
     * context, before any compute; {@code shardFile} names the tokens in the error.
     */
    public void checkTokens(Path shardFile, int[][] tokens, int nSeq) {
        int ctx = tokens[0].length;
        if (ctx > nCtx) {
            throw new InputException(shardFile + ": sequences of " + ctx + " tokens exceed the context of checkpoint "
                    + name() + " (" + nCtx + " positions)");
        }
        for (int s = 0; s < nSeq; s++) {
            for (int t = 0; t < ctx; t++) {
                int id = tokens[s][t];
                if (id < 0 || id >= vocabSize) {
                    throw new InputException(shardFile + ": token id " + id + " at sequence " + s + ", position " + t
                            + " is outside the vocabulary of checkpoint " + name() + " [0, " + vocabSize + ")");
                }
            }
        }
    }

    /** {@code model_type} as config.json names it: gpt2 or gpt_neox. */
    public String modelType() {
        return architecture == Architecture.GPT2 ? "gpt2" : "gpt_neox";
    }

    /**
     * config.json of a GPT-2 of these shapes as Hugging Face writes it (the train tool's checkpoints): gelu_new, tied
     * unembedding, no dropout; a negative BOS or EOS id is written as null.
     */
    public static String gpt2Json(int nLayer, int dModel, int nHead, int dMlp, int nCtx, int vocabSize, int bosId,
                                  int eosId) {
        JsonObject c = new JsonObject();
        c.addProperty("activation_function", "gelu_new");
        JsonArray arch = new JsonArray();
        arch.add("GPT2LMHeadModel");
        c.add("architectures", arch);
        c.addProperty("attn_pdrop", 0.0);
        idOrNull(c, "bos_token_id", bosId);
        idOrNull(c, "eos_token_id", eosId);
        c.addProperty("embd_pdrop", 0.0);
        c.addProperty("initializer_range", 0.02);
        c.addProperty("layer_norm_epsilon", 1e-5);
        c.addProperty("model_type", "gpt2");
        c.addProperty("n_ctx", nCtx);
        c.addProperty("n_embd", dModel);
        c.addProperty("n_head", nHead);
        c.addProperty("n_inner", dMlp);
        c.addProperty("n_layer", nLayer);
        c.addProperty("n_positions", nCtx);
        c.addProperty("reorder_and_upcast_attn", false);
        c.addProperty("resid_pdrop", 0.0);
        c.addProperty("scale_attn_by_inverse_layer_idx", false);
        c.addProperty("scale_attn_weights", true);
        c.addProperty("tie_word_embeddings", true);
        c.addProperty("torch_dtype", "float32");
        c.addProperty("use_cache", true);
        c.addProperty("vocab_size", vocabSize);
        return new GsonBuilder().setPrettyPrinting().create().toJson(c) + "\n";
    }

    private static void idOrNull(JsonObject c, String key, int id) {
        if (id >= 0) {
            c.addProperty(key, id);
        } else {
            c.add(key, JsonNull.INSTANCE);
        }
    }

    /** The checkpoint name given when reading (used in messages). */
    public String name() {
        return source;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT,
                "%s: %d layers, d_model %d, %d heads, d_mlp %d, ctx %d, vocab %d, %s, %s unembed%s",
                architecture, nLayers, dModel, nHeads, dMlp, nCtx, vocabSize, activation,
                tiedUnembed ? "tied" : "untied",
                architecture == Architecture.GPT_NEOX
                        ? String.format(Locale.ROOT, ", rotary_dim %d, base %.0f, %s residual", rotaryDim, rotaryBase,
                                parallelResidual ? "parallel" : "sequential")
                        : "");
    }

    private static final class Builder {
        int bosTokenId;
        Architecture architecture;
        int nLayers;
        int dModel;
        int nHeads;
        int dMlp;
        int nCtx;
        int vocabSize;
        double layerNormEps;
        MlpActivation activation;
        boolean tiedUnembed;
        boolean scaleAttnWeights;
        boolean scaleAttnByInverseLayerIdx;
        int rotaryDim;
        double rotaryBase;
        boolean parallelResidual;
        boolean attentionBias;
    }

    /** Typed reads of config.json values with Hugging Face defaults; a wrongly typed value is an error. */
    private static final class Reader {
        final JsonObject o;
        final String where;

        Reader(JsonObject o, String where) {
            this.o = o;
            this.where = where;
        }

        private JsonElement get(String key) {
            JsonElement e = o.get(key);
            return e == null || e.isJsonNull() ? null : e;
        }

        Integer optionalInteger(String key) {
            JsonElement e = get(key);
            if (e == null) {
                return null;
            }
            try {
                double d = e.getAsDouble();
                if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
                    throw new NumberFormatException();
                }
                return (int) d;
            } catch (RuntimeException ex) {
                throw new InputException(where + ": " + key + " must be an integer, got " + e);
            }
        }

        int integer(String key, int dflt) {
            Integer v = optionalInteger(key);
            return v == null ? dflt : v;
        }

        double number(String key, double dflt) {
            JsonElement e = get(key);
            if (e == null) {
                return dflt;
            }
            try {
                return e.getAsDouble();
            } catch (RuntimeException ex) {
                throw new InputException(where + ": " + key + " must be a number, got " + e);
            }
        }

        boolean bool(String key, boolean dflt) {
            JsonElement e = get(key);
            if (e == null) {
                return dflt;
            }
            if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean()) {
                return e.getAsBoolean();
            }
            throw new InputException(where + ": " + key + " must be true or false, got " + e);
        }

        String string(String key, String dflt) {
            JsonElement e = get(key);
            if (e == null) {
                return dflt;
            }
            if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
                return e.getAsString();
            }
            throw new InputException(where + ": " + key + " must be a string, got " + e);
        }

        JsonObject object(String key) {
            JsonElement e = get(key);
            if (e == null) {
                return null;
            }
            if (e.isJsonObject()) {
                return e.getAsJsonObject();
            }
            throw new InputException(where + ": " + key + " must be an object, got " + e);
        }

        MlpActivation activation(String key, String dflt) {
            String v = string(key, dflt);
            MlpActivation a = MlpActivation.fromHfName(v);
            if (a == null) {
                throw new InputException(where + ": " + key + " '" + v
                        + "' is not supported (expected gelu_new, gelu_pytorch_tanh, gelu_fast or gelu)");
            }
            return a;
        }
    }
}
