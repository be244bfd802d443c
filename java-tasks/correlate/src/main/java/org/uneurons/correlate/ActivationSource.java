package org.uneurons.correlate;

import org.uneurons.core.stats.TokenFilter;

/**
 * Where one model's MLP activations come from, token rows in the order of the shard (sequence-major): activation
 * files written by extract ({@link FileActivationSource}), read by staged mode's {@link CorrelationRun}. Fused mode
 * (the correlate-fused tool) runs each model once per batch for all of its pairs instead.
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

    /** The token filter recorded with the activations (from their token shard), or null when there is none. */
    TokenFilter filter();

    /** The content hash of the checkpoint's weights, or null when not recorded (files of earlier versions). */
    String modelSha256();

    /** The identity of the tokens (TokenShard#contentSha256), or null when not recorded. */
    String shardSha256();

    @Override
    void close();
}
