package org.uneurons.intervene;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.uneurons.models.ForwardResult;

/**
 * Per-token prediction quality of one batch's logits [batch, seq, vocab] at the positions that have a next token
 * (flat index s * (seq - 1) + t): cross-entropy of the true next token, entropy -sum p log p (nats), and the true
 * token's rank (the number of tokens with a larger logit; 0 = top). Computed on the logits' device, so only three
 * numbers per token come back to the host.
 */
record TokenMetrics(float[] loss, float[] entropy, float[] rank) {

    static TokenMetrics of(NDArray logits, int[][] ids) {
        int batch = ids.length;
        int seq = ids[0].length;
        long[] next = new long[batch * (seq - 1)];
        for (int s = 0; s < batch; s++) {
            for (int t = 0; t + 1 < seq; t++) {
                next[s * (seq - 1) + t] = ids[s][t + 1];
            }
        }
        NDArray scored = logits.get(new NDIndex(":, :-1, :"));
        NDArray target = scored.getManager().create(next, new Shape(batch, seq - 1, 1));
        NDArray logp = scored.logSoftmax(-1);
        NDArray loss = logp.gather(target, -1).squeeze(-1).neg();
        NDArray entropy = logp.exp().mul(logp).sum(new int[] {-1}).neg();
        NDArray rank = scored.gt(scored.gather(target, -1)).toType(DataType.FLOAT32, false).sum(new int[] {-1});
        return new TokenMetrics(ForwardResult.floats(loss), ForwardResult.floats(entropy), ForwardResult.floats(rank));
    }

    /** Which flat positions count: a next token exists, and the current token is not BOS (bosId < 0: none is). */
    static boolean[] scored(int[][] ids, int bosId) {
        int seq = ids[0].length;
        boolean[] keep = new boolean[ids.length * (seq - 1)];
        for (int s = 0; s < ids.length; s++) {
            for (int t = 0; t + 1 < seq; t++) {
                keep[s * (seq - 1) + t] = ids[s][t] != bosId;
            }
        }
        return keep;
    }
}
