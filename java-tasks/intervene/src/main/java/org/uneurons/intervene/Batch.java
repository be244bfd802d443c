package org.uneurons.intervene;

import java.util.EnumSet;
import java.util.Set;

import ai.djl.ndarray.NDArray;
import org.uneurons.models.ForwardResult;
import org.uneurons.models.Hook;
import org.uneurons.models.TransformerModel;

/**
 * One batch of sequences with the unchanged model's run on it, shared by every check: its hooks, its logits' token
 * metrics, and which positions are scored. Close it to free the run.
 */
final class Batch implements AutoCloseable {
    static final Set<Hook> NOMINAL_HOOKS = EnumSet.of(Hook.MLP_POST, Hook.RESID_FINAL, Hook.LN_FINAL_SCALE, Hook.ATTN_BOS,
            Hook.HEAD_Z_NORM);

    final int[][] ids;
    final int seq;
    final ForwardResult nominal;
    final NDArray logits;
    final TokenMetrics metrics;
    final boolean[] scored;
    private final float[] lnScale;

    Batch(TransformerModel model, int[][] ids, int bosId) {
        this.ids = ids;
        this.seq = ids[0].length;
        this.nominal = model.forward(ids, NOMINAL_HOOKS);
        this.logits = model.finalLogits(nominal.residFinal(), null);
        this.metrics = TokenMetrics.of(logits, ids);
        this.scored = TokenMetrics.scored(ids, bosId);
        this.lnScale = ForwardResult.floats(nominal.lnFinalScale());
    }

    /** The neuron's unchanged post-activation [batch * seq]. */
    float[] activation(int layer, int neuron) {
        return ForwardResult.floats(nominal.mlpPost(layer).get(":, :, " + neuron));
    }

    /** The final LayerNorm scale [batch * seq] of a run, or the unchanged run's. */
    float[] lnScale() {
        return lnScale;
    }

    /** The flat [batch * seq] index of scored position p (flat over batch * (seq - 1)). */
    int token(int p) {
        return p / (seq - 1) * seq + p % (seq - 1);
    }

    @Override
    public void close() {
        nominal.close();
    }
}
