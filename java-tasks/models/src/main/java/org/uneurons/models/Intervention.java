package org.uneurons.models;

import java.util.ArrayList;
import java.util.List;

import org.uneurons.core.cli.UsageException;
import org.uneurons.formats.ModelConfig;

/**
 * Changes to one forward pass of {@link TransformerModel} (TransformerLens hooks that edit activations, written out):
 * neuron post-activations fixed, set per token or scaled, and a neuron's output removed from one attention head's
 * query input only ("path ablation", METHOD 7.3). Built with the fluent methods, checked against the model and the
 * batch when the forward pass starts. An empty intervention runs the plain model.
 */
public final class Intervention {
    /** How a neuron edit changes blocks.L.mlp.hook_post of one neuron, at every position. */
    enum Kind { FIX, PER_TOKEN, SCALE }

    record NeuronEdit(int layer, int neuron, Kind kind, float value, float[] perToken) {
    }

    /**
     * Subtracts post[neuronLayer][:, t, neuron] * W_out[neuron] from the residual that head (headLayer, head) reads its
     * queries from, at query positions t >= fromPos; that head's keys and values, and every other head, see the
     * unchanged residual.
     */
    record QueryPathAblation(int neuronLayer, int neuron, int headLayer, int head, int fromPos) {
    }

    private final List<NeuronEdit> edits = new ArrayList<>();
    private final List<QueryPathAblation> ablations = new ArrayList<>();
    private int stopAfter = -1;

    public static Intervention none() {
        return new Intervention();
    }

    /** Sets the neuron's post-activation to {@code value} at every position of every sequence. */
    public Intervention fix(int layer, int neuron, float value) {
        edits.add(new NeuronEdit(layer, neuron, Kind.FIX, value, null));
        return this;
    }

    /** Sets the neuron's post-activation per token: {@code perToken} is [batch * seq], row-major. */
    public Intervention fixTo(int layer, int neuron, float[] perToken) {
        edits.add(new NeuronEdit(layer, neuron, Kind.PER_TOKEN, 0f, perToken.clone()));
        return this;
    }

    /** Multiplies the neuron's post-activation by {@code factor} at every position. */
    public Intervention scale(int layer, int neuron, float factor) {
        edits.add(new NeuronEdit(layer, neuron, Kind.SCALE, factor, null));
        return this;
    }

    /** Removes a neuron's output from one later head's queries at positions >= fromPos (see {@link QueryPathAblation}). */
    public Intervention ablateQueryPath(int neuronLayer, int neuron, int headLayer, int head, int fromPos) {
        ablations.add(new QueryPathAblation(neuronLayer, neuron, headLayer, head, fromPos));
        return this;
    }

    /** Runs blocks 0..layer only: hooks of later blocks and the final LayerNorm, residual and logits are not made. */
    public Intervention stopAfter(int layer) {
        this.stopAfter = layer;
        return this;
    }

    List<NeuronEdit> edits() {
        return edits;
    }

    List<QueryPathAblation> ablations() {
        return ablations;
    }

    /** The last block the pass runs. */
    int lastLayer(ModelConfig cfg) {
        return stopAfter < 0 ? cfg.nLayers - 1 : stopAfter;
    }

    boolean isEmpty() {
        return edits.isEmpty() && ablations.isEmpty() && stopAfter < 0;
    }

    /** Checks every index against the model's shape and per-token arrays against the batch; a UsageException names the first misfit. */
    void validate(ModelConfig cfg, int batch, int seq) {
        if (stopAfter >= cfg.nLayers) {
            throw new UsageException("intervention: stopAfter(" + stopAfter + ") but the model has " + cfg.nLayers + " layers");
        }
        for (NeuronEdit e : edits) {
            checkNeuron(cfg, e.layer(), e.neuron());
            if (e.perToken() != null && e.perToken().length != batch * seq) {
                throw new UsageException("intervention: " + e.perToken().length + " per-token values for neuron L" + e.layer()
                        + "." + e.neuron() + ", the batch has " + batch + " x " + seq + " tokens");
            }
        }
        for (QueryPathAblation a : ablations) {
            checkNeuron(cfg, a.neuronLayer(), a.neuron());
            if (a.headLayer() <= a.neuronLayer() || a.headLayer() >= cfg.nLayers) {
                throw new UsageException("intervention: head layer " + a.headLayer() + " must be after the neuron's layer "
                        + a.neuronLayer() + " and below " + cfg.nLayers);
            }
            if (a.head() < 0 || a.head() >= cfg.nHeads) {
                throw new UsageException("intervention: head " + a.head() + " outside [0, " + cfg.nHeads + ")");
            }
            if (a.fromPos() < 0) {
                throw new UsageException("intervention: negative first position " + a.fromPos());
            }
        }
    }

    private static void checkNeuron(ModelConfig cfg, int layer, int neuron) {
        if (layer < 0 || layer >= cfg.nLayers || neuron < 0 || neuron >= cfg.dMlp) {
            throw new UsageException("intervention: neuron L" + layer + "." + neuron + " outside the model's " + cfg.nLayers
                    + " layers x " + cfg.dMlp + " neurons");
        }
    }
}
