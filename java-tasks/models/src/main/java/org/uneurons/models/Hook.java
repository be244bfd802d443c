package org.uneurons.models;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Values a forward pass can hand back (TransformerLens hook names in brackets). Only requested hooks are kept;
 * the unembedding runs only when {@link #LOGITS} is asked for.
 */
public enum Hook {
    /** Per layer, the MLP input projection before the nonlinearity [batch, seq, d_mlp] (blocks.L.mlp.hook_pre). */
    MLP_PRE,
    /** Per layer, the neuron activations after the nonlinearity [batch, seq, d_mlp] (blocks.L.mlp.hook_post). */
    MLP_POST,
    /**
     * Residual stream as transformers' output_hidden_states: index 0 the embeddings, index k the output of block
     * k-1, except the last (index n_layers), which is after the final LayerNorm [batch, seq, d_model].
     */
    HIDDEN,
    /**
     * Final LayerNorm's scale per token, sqrt(var + eps) of the residual entering it [batch, seq]
     * (ln_final.hook_scale, by which the centred residual is divided).
     */
    LN_FINAL_SCALE,
    /** The residual stream entering the final LayerNorm [batch, seq, d_model] (blocks.{n-1}.hook_resid_post). */
    RESID_FINAL,
    /** Unembedded logits [batch, seq, vocab]. */
    LOGITS,
    /** Per layer, each head's attention probability on key position 0 [batch, head, seq] (hook_pattern[..., 0]). */
    ATTN_BOS,
    /** Per layer, the norm of each head's output before W_O [batch, head, seq] (||hook_z|| over d_head). */
    HEAD_Z_NORM,
    /** Per layer, the keys after rotary [batch * head, seq, d_head] (hook_k, heads batch-major). */
    ATTN_K,
    /** Per layer, the values [batch * head, seq, d_head] (hook_v, heads batch-major). */
    ATTN_V;

    /** Parses comma-separated lower-case names ("mlp_post,mlp_pre"); null for an unknown name. */
    public static Hook byName(String name) {
        for (Hook h : values()) {
            if (h.name().toLowerCase(Locale.ROOT).equals(name)) {
                return h;
            }
        }
        return null;
    }

    public String lowerName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Set<Hook> of(Hook first, Hook... rest) {
        return EnumSet.of(first, rest);
    }
}
