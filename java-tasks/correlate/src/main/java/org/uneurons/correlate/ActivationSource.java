package org.uneurons.correlate;

import java.util.Map;

/**
 * Where one model's MLP activations come from, token rows in the order of the shard (sequence-major). Today:
 * activation files written by extract ({@link FileActivationSource}). The seam for the fused mode (running both
 * models in memory instead of reading files): an implementation that runs the forward pass for the requested
 * tokens when their first layer is asked for and serves the other layers from that pass.
 */
public interface ActivationSource extends AutoCloseable {

    /** How this source is named in messages (a file path, or a model name). */
    String label();

    /** The model name (attribute {@code model}). */
    String model();

    /** The token shard the activations were computed on (attribute {@code shard}). */
    String shard();

    int nLayers();

    int dMlp();

    long nTokens();

    /** Token ids of rows {@code from .. from+count-1}. */
    int[] tokenIds(long from, int count);

    /** Layer {@code layer}, rows {@code from .. from+count-1}, as [count x dMlp] row-major float32. */
    float[] rows(int layer, long from, int count);

    /**
     * Other attributes that describe the tokens, when the source has them: {@code tokenizer} (String),
     * {@code bos_id}, {@code eos_id}, {@code pad_id} (Integer). Used to choose the default token filter.
     */
    Map<String, Object> tokenAttributes();

    @Override
    void close();
}
