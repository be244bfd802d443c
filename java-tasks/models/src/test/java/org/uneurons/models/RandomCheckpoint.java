package org.uneurons.models;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import org.uneurons.core.io.SafetensorsWriter;

/**
 * Writes seeded random Hugging Face checkpoints (config.json + model.safetensors) of any shape and variant, in
 * the layouts transformers saves: LayerNorm gains and every bias drawn away from 1 and 0 so a loader that skips
 * them fails, plus the old buffers (attention masks, rotary inv_freq) real checkpoints carry.
 */
public final class RandomCheckpoint {
    public int nLayers = 2;
    public int dModel = 32;
    public int nHeads = 4;
    public int dMlp = 128;
    public int vocab = 300;
    public int nCtx = 32;
    public long seed = 1;
    public double std = 0.2;
    /** GPT-2: store under "transformer."; NeoX: under "gpt_neox.". */
    public boolean prefixed = true;
    public boolean tied = true;
    /** GPT-2: write attn.bias / attn.masked_bias buffers; NeoX: attention.bias, masked_bias, rotary inv_freq. */
    public boolean buffers = false;
    public String gpt2Activation = "gelu_new";
    public boolean scaleByInverseLayerIdx = false;
    /** GPT-2 config with "n_inner": null (4 * n_embd implied); dMlp must then be 4 * dModel. */
    public boolean nInnerNull = false;
    public double rotaryPct = 0.25;
    public double rotaryBase = 10000;
    public boolean parallel = true;
    /** NeoX: old top-level rotary_pct / rotary_emb_base schema instead of rope_parameters. */
    public boolean oldRopeSchema = false;

    /** A tensor whose first value is made NaN (to test how non-finite activations are reported), or null. */
    public String nanTensor = null;
    /** The value {@link #nanTensor}'s first value becomes (e.g. a huge finite one, to overflow float16 storage). */
    public float nanValue = Float.NaN;

    private Random rnd;
    private SafetensorsWriter st;

    public static RandomCheckpoint gpt2() {
        return new RandomCheckpoint();
    }

    public static RandomCheckpoint neox() {
        RandomCheckpoint c = new RandomCheckpoint();
        c.tied = false;
        return c;
    }

    public Path writeGpt2(Path dir) {
        rnd = new Random(seed);
        st = new SafetensorsWriter();
        String p = prefixed ? "transformer." : "";
        normal(p + "wte.weight", vocab, dModel);
        normal(p + "wpe.weight", nCtx, dModel);
        for (int l = 0; l < nLayers; l++) {
            String h = p + "h." + l + ".";
            layerNorm(h + "ln_1");
            normal(h + "attn.c_attn.weight", dModel, 3L * dModel);
            normal(h + "attn.c_attn.bias", 3L * dModel);
            normal(h + "attn.c_proj.weight", dModel, dModel);
            normal(h + "attn.c_proj.bias", dModel);
            layerNorm(h + "ln_2");
            normal(h + "mlp.c_fc.weight", dModel, dMlp);
            normal(h + "mlp.c_fc.bias", dMlp);
            normal(h + "mlp.c_proj.weight", dMlp, dModel);
            normal(h + "mlp.c_proj.bias", dModel);
            if (buffers) {
                st.putF32(h + "attn.bias", lowerTriangle(), 1, 1, nCtx, nCtx);
                st.putF32(h + "attn.masked_bias", new float[] {-1e4f});
            }
        }
        layerNorm(p + "ln_f");
        if (!tied) {
            normal("lm_head.weight", vocab, dModel);
        }
        List<String> cfg = new ArrayList<>();
        cfg.add("\"model_type\": \"gpt2\"");
        cfg.add("\"architectures\": [\"GPT2LMHeadModel\"]");
        cfg.add("\"n_layer\": " + nLayers);
        cfg.add("\"n_embd\": " + dModel);
        cfg.add("\"n_head\": " + nHeads);
        cfg.add("\"n_inner\": " + (nInnerNull ? "null" : String.valueOf(dMlp)));
        cfg.add("\"n_positions\": " + nCtx);
        cfg.add("\"vocab_size\": " + vocab);
        cfg.add("\"layer_norm_epsilon\": 1e-05");
        cfg.add("\"activation_function\": \"" + gpt2Activation + "\"");
        cfg.add("\"scale_attn_weights\": true");
        cfg.add("\"scale_attn_by_inverse_layer_idx\": " + scaleByInverseLayerIdx);
        cfg.add("\"tie_word_embeddings\": " + tied);
        return write(dir, cfg);
    }

    public Path writeNeox(Path dir) {
        rnd = new Random(seed);
        st = new SafetensorsWriter();
        String p = prefixed ? "gpt_neox." : "";
        normal(p + "embed_in.weight", vocab, dModel);
        int hd = dModel / nHeads;
        int rd = (int) (hd * rotaryPct);
        for (int l = 0; l < nLayers; l++) {
            String h = p + "layers." + l + ".";
            layerNorm(h + "input_layernorm");
            layerNorm(h + "post_attention_layernorm");
            normal(h + "attention.query_key_value.weight", 3L * dModel, dModel);
            normal(h + "attention.query_key_value.bias", 3L * dModel);
            normal(h + "attention.dense.weight", dModel, dModel);
            normal(h + "attention.dense.bias", dModel);
            normal(h + "mlp.dense_h_to_4h.weight", dMlp, dModel);
            normal(h + "mlp.dense_h_to_4h.bias", dMlp);
            normal(h + "mlp.dense_4h_to_h.weight", dModel, dMlp);
            normal(h + "mlp.dense_4h_to_h.bias", dModel);
            if (buffers) {
                st.putF32(h + "attention.bias", lowerTriangle(), 1, 1, nCtx, nCtx);
                st.putF32(h + "attention.masked_bias", new float[] {-1e9f});
                float[] inv = new float[Math.max(rd / 2, 1)];
                for (int i = 0; i < inv.length; i++) {
                    inv[i] = (float) Math.pow(rotaryBase, -2.0 * i / Math.max(rd, 1));
                }
                st.putF32(h + "attention.rotary_emb.inv_freq", inv, inv.length);
            }
        }
        layerNorm(p + "final_layer_norm");
        if (!tied) {
            normal("embed_out.weight", vocab, dModel);
        }
        List<String> cfg = new ArrayList<>();
        cfg.add("\"model_type\": \"gpt_neox\"");
        cfg.add("\"architectures\": [\"GPTNeoXForCausalLM\"]");
        cfg.add("\"num_hidden_layers\": " + nLayers);
        cfg.add("\"hidden_size\": " + dModel);
        cfg.add("\"num_attention_heads\": " + nHeads);
        cfg.add("\"intermediate_size\": " + dMlp);
        cfg.add("\"max_position_embeddings\": " + nCtx);
        cfg.add("\"vocab_size\": " + vocab);
        cfg.add("\"layer_norm_eps\": 1e-05");
        cfg.add("\"hidden_act\": \"gelu\"");
        cfg.add("\"use_parallel_residual\": " + parallel);
        cfg.add("\"tie_word_embeddings\": " + tied);
        if (oldRopeSchema) {
            cfg.add(String.format(Locale.ROOT, "\"rotary_pct\": %s", rotaryPct));
            cfg.add(String.format(Locale.ROOT, "\"rotary_emb_base\": %s", rotaryBase));
        } else {
            cfg.add(String.format(Locale.ROOT, "\"rope_parameters\": {\"partial_rotary_factor\": %s, \"rope_theta\": %s, "
                    + "\"rope_type\": \"default\"}", rotaryPct, rotaryBase));
        }
        return write(dir, cfg);
    }

    private Path write(Path dir, List<String> cfg) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("config.json"), "{\n  " + String.join(",\n  ", cfg) + "\n}\n",
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        st.metadata("format", "pt").write(dir.resolve("model.safetensors"));
        return dir;
    }

    private float[] lowerTriangle() {
        float[] m = new float[nCtx * nCtx];
        for (int i = 0; i < nCtx; i++) {
            for (int j = 0; j <= i; j++) {
                m[i * nCtx + j] = 1;
            }
        }
        return m;
    }

    private void normal(String name, long... shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rnd.nextGaussian() * std);
        }
        if (name.equals(nanTensor)) {
            v[0] = nanValue;
        }
        st.putF32(name, v, shape);
    }

    private void layerNorm(String name) {
        float[] g = new float[dModel];
        float[] b = new float[dModel];
        for (int i = 0; i < dModel; i++) {
            g[i] = (float) (1 + 0.3 * rnd.nextGaussian());
            b[i] = (float) (0.2 * rnd.nextGaussian());
        }
        st.putF32(name + ".weight", g, dModel);
        st.putF32(name + ".bias", b, dModel);
    }

    /** Seeded random token ids [batch][seq] in [0, vocab). */
    public static int[][] tokens(long seed, int batch, int seq, int vocab) {
        Random r = new Random(seed);
        int[][] t = new int[batch][seq];
        for (int[] row : t) {
            for (int i = 0; i < seq; i++) {
                row[i] = r.nextInt(vocab);
            }
        }
        return t;
    }
}
