package org.uneurons.formats;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.uneurons.core.cli.InputException;

/**
 * Which tensors a config.json implies and under which names a checkpoint stores them. Canonical names are
 * architecture-neutral ({@code blocks.0.mlp.w_in}); stored names are Hugging Face's ({@code
 * transformer.h.0.mlp.c_fc.weight}). {@link #resolve} checks every expected tensor is present with the implied
 * shape before anything runs, so a mismatched config fails with one line naming the tensor and both shapes.
 * Buffers that old checkpoints carry (attention masks, rotary inverse frequencies) are simply not asked for.
 */
public final class WeightLayout {
    /** One expected tensor: stored name, shape, and the config.json keys that imply the shape. */
    public record Expected(String canonical, String stored, long[] shape, String because) {
    }

    private final ModelConfig cfg;
    private final Map<String, Expected> expected = new LinkedHashMap<>();

    private WeightLayout(ModelConfig cfg) {
        this.cfg = cfg;
    }

    /** The tensors {@code cfg} needs, with stored names as found in {@code source} (prefix detected). */
    public static WeightLayout resolve(ModelConfig cfg, WeightSource source) {
        WeightLayout w = new WeightLayout(cfg);
        if (cfg.architecture == Architecture.GPT2) {
            w.gpt2(prefix(source, "transformer.", "wte.weight"));
        } else {
            w.neox(prefix(source, "gpt_neox.", "embed_in.weight"));
        }
        w.validate(source);
        return w;
    }

    public Expected get(String canonical) {
        Expected e = expected.get(canonical);
        if (e == null) {
            throw new IllegalArgumentException("no tensor " + canonical + " in this layout");
        }
        return e;
    }

    public boolean has(String canonical) {
        return expected.containsKey(canonical);
    }

    public List<Expected> all() {
        return new ArrayList<>(expected.values());
    }

    /** "transformer." when the checkpoint stores the base model under it, else "" (GPT2Model / GPTNeoXModel saves). */
    private static String prefix(WeightSource src, String prefix, String probe) {
        if (src.names().contains(prefix + probe)) {
            return prefix;
        }
        return "";
    }

    private void add(String canonical, String stored, String because, long... shape) {
        expected.put(canonical, new Expected(canonical, stored, shape, because));
    }

    private void gpt2(String p) {
        long d = cfg.dModel;
        long m = cfg.dMlp;
        long v = cfg.vocabSize;
        String dk = cfg.describe("n_embd");
        String mk = cfg.describe("n_embd", "n_inner");
        add("embed", p + "wte.weight", cfg.describe("vocab_size", "n_embd"), v, d);
        add("pos_embed", p + "wpe.weight", cfg.describe("n_positions", "n_embd"), cfg.nCtx, d);
        for (int l = 0; l < cfg.nLayers; l++) {
            String h = p + "h." + l + ".";
            String b = "blocks." + l + ".";
            add(b + "ln1.w", h + "ln_1.weight", dk, d);
            add(b + "ln1.b", h + "ln_1.bias", dk, d);
            // Conv1D stores [in, out].
            add(b + "attn.qkv.w", h + "attn.c_attn.weight", dk, d, 3 * d);
            add(b + "attn.qkv.b", h + "attn.c_attn.bias", dk, 3 * d);
            add(b + "attn.out.w", h + "attn.c_proj.weight", dk, d, d);
            add(b + "attn.out.b", h + "attn.c_proj.bias", dk, d);
            add(b + "ln2.w", h + "ln_2.weight", dk, d);
            add(b + "ln2.b", h + "ln_2.bias", dk, d);
            add(b + "mlp.in.w", h + "mlp.c_fc.weight", mk, d, m);
            add(b + "mlp.in.b", h + "mlp.c_fc.bias", mk, m);
            add(b + "mlp.out.w", h + "mlp.c_proj.weight", mk, m, d);
            add(b + "mlp.out.b", h + "mlp.c_proj.bias", dk, d);
        }
        add("ln_f.w", p + "ln_f.weight", dk, d);
        add("ln_f.b", p + "ln_f.bias", dk, d);
        if (!cfg.tiedUnembed) {
            add("unembed", "lm_head.weight", cfg.describe("vocab_size", "n_embd", "tie_word_embeddings"), v, d);
        }
    }

    private void neox(String p) {
        long d = cfg.dModel;
        long m = cfg.dMlp;
        long v = cfg.vocabSize;
        String dk = cfg.describe("hidden_size");
        String mk = cfg.describe("hidden_size", "intermediate_size");
        add("embed", p + "embed_in.weight", cfg.describe("vocab_size", "hidden_size"), v, d);
        for (int l = 0; l < cfg.nLayers; l++) {
            String h = p + "layers." + l + ".";
            String b = "blocks." + l + ".";
            add(b + "ln1.w", h + "input_layernorm.weight", dk, d);
            add(b + "ln1.b", h + "input_layernorm.bias", dk, d);
            // nn.Linear stores [out, in]; query_key_value's output rows are per head [n_head, 3, head_dim].
            add(b + "attn.qkv.w", h + "attention.query_key_value.weight", dk, 3 * d, d);
            add(b + "attn.out.w", h + "attention.dense.weight", dk, d, d);
            if (cfg.attentionBias) {
                add(b + "attn.qkv.b", h + "attention.query_key_value.bias", dk, 3 * d);
                add(b + "attn.out.b", h + "attention.dense.bias", dk, d);
            }
            add(b + "ln2.w", h + "post_attention_layernorm.weight", dk, d);
            add(b + "ln2.b", h + "post_attention_layernorm.bias", dk, d);
            add(b + "mlp.in.w", h + "mlp.dense_h_to_4h.weight", mk, m, d);
            add(b + "mlp.in.b", h + "mlp.dense_h_to_4h.bias", mk, m);
            add(b + "mlp.out.w", h + "mlp.dense_4h_to_h.weight", mk, d, m);
            add(b + "mlp.out.b", h + "mlp.dense_4h_to_h.bias", dk, d);
        }
        add("ln_f.w", p + "final_layer_norm.weight", dk, d);
        add("ln_f.b", p + "final_layer_norm.bias", dk, d);
        if (!cfg.tiedUnembed) {
            add("unembed", "embed_out.weight", cfg.describe("vocab_size", "hidden_size", "tie_word_embeddings"), v, d);
        }
    }

    private void validate(WeightSource src) {
        String who = "checkpoint " + cfg.name() + ": ";
        String in = src.origin() == null ? "" : " in " + src.origin();
        for (Expected e : expected.values()) {
            if (!src.names().contains(e.stored())) {
                throw new InputException(who + "tensor '" + e.stored() + "' is missing"
                        + (src.origin() == null ? "" : " from " + src.origin()) + " (config.json (" + e.because()
                        + ") implies shape " + Arrays.toString(e.shape()) + ")");
            }
            long[] got = src.shape(e.stored());
            if (!Arrays.equals(got, e.shape())) {
                throw new InputException(who + "tensor '" + e.stored() + "'" + in + " has shape " + Arrays.toString(got)
                        + " but config.json (" + e.because() + ") implies " + Arrays.toString(e.shape()));
            }
        }
        if (cfg.nLayers > 0) {
            // A config with fewer layers than the weights is a mismatch too, not a silently truncated model.
            String extra = cfg.architecture == Architecture.GPT2
                    ? expected.get("embed").stored().replace("wte.weight", "h." + cfg.nLayers + ".ln_1.weight")
                    : expected.get("embed").stored().replace("embed_in.weight",
                            "layers." + cfg.nLayers + ".input_layernorm.weight");
            if (src.names().contains(extra)) {
                String key = cfg.architecture == Architecture.GPT2 ? "n_layer" : "num_hidden_layers";
                throw new InputException(who + "tensor '" + extra + "' exists" + in + " but config.json ("
                        + cfg.describe(key) + ") implies " + cfg.nLayers + " layers");
            }
        }
    }
}
