package org.uneurons.intervene;

import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.uneurons.models.ForwardResult;
import org.uneurons.models.Hook;
import org.uneurons.models.Intervention;
import org.uneurons.models.TransformerModel;

/**
 * Prediction and suppression neurons (METHOD 7.1): each tested neuron zero-ablated (post-activation 0 at every
 * position), and the change (ablated minus unchanged) in the summed probability of the tokens its logit direction
 * boosts most and suppresses most, and in the loss, averaged over the scored tokens where the neuron was active
 * (unchanged post-activation > 0). A prediction neuron's boosted tokens lose probability when it is removed; a
 * suppression neuron's suppressed tokens gain.
 */
final class PredictionCheck {
    static final int TOKENS = 10;
    private static final Set<Hook> HOOKS = EnumSet.of(Hook.RESID_FINAL);

    private final RolesTable roles;
    private final int[] neurons;
    private final String[] kinds;
    private final int[][] boosted;
    private final int[][] suppressed;
    private final double[] activation;
    private final double[] dBoosted;
    private final double[] dSuppressed;
    private final double[] dLoss;
    private final long[] active;

    PredictionCheck(RolesTable roles, Choices c, TransformerModel model) {
        this.roles = roles;
        this.neurons = EntropyCheck.concat(c.prediction(), c.suppression(), c.predictionRandom());
        int n = neurons.length;
        kinds = new String[n];
        boosted = new int[n][];
        suppressed = new int[n][];
        for (int i = 0; i < n; i++) {
            kinds[i] = i < c.prediction().length ? "prediction"
                    : i < c.prediction().length + c.suppression().length ? "suppression" : "random";
            float[] dir = model.logitDirection(roles.layer(neurons[i]), roles.neuron(neurons[i]));
            Integer[] order = IntStream.range(0, dir.length).boxed().toArray(Integer[]::new);
            // largest first; ties by token id
            Arrays.sort(order, Comparator.<Integer>comparingDouble(v -> -dir[v]).thenComparingInt(v -> v));
            int k = Math.min(TOKENS, dir.length);
            boosted[i] = new int[k];
            suppressed[i] = new int[k];
            for (int j = 0; j < k; j++) {
                boosted[i][j] = order[j];
                suppressed[i][j] = order[dir.length - 1 - j];
            }
        }
        activation = new double[n];
        dBoosted = new double[n];
        dSuppressed = new double[n];
        dLoss = new double[n];
        active = new long[n];
    }

    int runsPerBatch() {
        return neurons.length;
    }

    void run(TransformerModel model, Batch b) {
        if (neurons.length == 0) {
            return;
        }
        NDArray before = b.logits.get(new NDIndex(":, :-1, :")).softmax(-1);
        for (int i = 0; i < neurons.length; i++) {
            int layer = roles.layer(neurons[i]), neuron = roles.neuron(neurons[i]);
            float[] act = b.activation(layer, neuron);
            float[] pB0 = setProbability(before, boosted[i], b);
            float[] pS0 = setProbability(before, suppressed[i], b);
            try (ForwardResult r = model.forward(b.ids, HOOKS, Intervention.none().fix(layer, neuron, 0f))) {
                NDArray logits = model.finalLogits(r.residFinal(), null);
                TokenMetrics m = TokenMetrics.of(logits, b.ids);
                NDArray after = logits.get(new NDIndex(":, :-1, :")).softmax(-1);
                float[] pB1 = setProbability(after, boosted[i], b);
                float[] pS1 = setProbability(after, suppressed[i], b);
                for (int p = 0; p < b.scored.length; p++) {
                    float a = act[b.token(p)];
                    if (b.scored[p] && a > 0) {
                        activation[i] += a;
                        dBoosted[i] += pB1[p] - pB0[p];
                        dSuppressed[i] += pS1[p] - pS0[p];
                        dLoss[i] += m.loss()[p] - b.metrics.loss()[p];
                        active[i]++;
                    }
                }
            }
        }
        before.close();
    }

    /** Sum of the probabilities [batch, seq - 1, vocab] of {@code tokens}, per scored position [batch * (seq - 1)]. */
    private static float[] setProbability(NDArray probs, int[] tokens, Batch b) {
        int positions = b.ids.length * (b.seq - 1);
        long[] idx = new long[positions * tokens.length];
        for (int p = 0; p < positions; p++) {
            for (int j = 0; j < tokens.length; j++) {
                idx[p * tokens.length + j] = tokens[j];
            }
        }
        NDArray index = probs.getManager().create(idx, new Shape(b.ids.length, b.seq - 1, tokens.length));
        float[] out = ForwardResult.floats(probs.gather(index, -1).sum(new int[] {-1}));
        index.close();
        return out;
    }

    String csv() {
        StringBuilder sb = new StringBuilder("layer,neuron,kind,vocab_kurt,vocab_skew,active_tokens,mean_activation,"
                + "delta_prob_boosted,delta_prob_suppressed,delta_loss,boosted_tokens,suppressed_tokens\n");
        for (int i = 0; i < neurons.length; i++) {
            int n = neurons[i];
            long a = active[i];
            sb.append(roles.layer(n)).append(',').append(roles.neuron(n)).append(',').append(kinds[i]).append(',')
                    .append(Csv.num(roles.vocabKurt()[n])).append(',').append(Csv.num(roles.vocabSkew()[n])).append(',')
                    .append(a).append(',').append(Csv.num(a == 0 ? Double.NaN : activation[i] / a)).append(',')
                    .append(Csv.num(a == 0 ? Double.NaN : dBoosted[i] / a)).append(',')
                    .append(Csv.num(a == 0 ? Double.NaN : dSuppressed[i] / a)).append(',')
                    .append(Csv.num(a == 0 ? Double.NaN : dLoss[i] / a)).append(',').append(ids(boosted[i])).append(',')
                    .append(ids(suppressed[i])).append('\n');
        }
        return sb.toString();
    }

    private static String ids(int[] t) {
        return Arrays.stream(t).mapToObj(Integer::toString).collect(Collectors.joining(" "));
    }
}
