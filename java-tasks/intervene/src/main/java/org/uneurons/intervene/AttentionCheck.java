package org.uneurons.intervene;

import java.util.EnumSet;
import java.util.Set;

import org.uneurons.models.ForwardResult;
import org.uneurons.models.Hook;
import org.uneurons.models.Intervention;
import org.uneurons.models.TransformerModel;

/**
 * Attention-deactivation neurons (METHOD 7.3): each tested neuron's output removed from its BOS head's queries at
 * positions from {@code afterPos} on, keys and values untouched; per point (sequence, position) the neuron's
 * activation and its effect (unchanged minus ablated) on the head's BOS attention and output norm. Correlations are
 * over every point of every batch.
 */
final class AttentionCheck {
    private static final Set<Hook> HOOKS = EnumSet.of(Hook.ATTN_BOS, Hook.HEAD_Z_NORM);

    private final RolesTable roles;
    private final int[] neurons;
    private final String[] kinds;
    private final int afterPos;
    private final int perSequence;
    final float[][] activation;
    final float[][] bosEffect;
    final float[][] normEffect;
    final float[][] fracNormEffect;
    private int filled;

    AttentionCheck(RolesTable roles, Choices c, int afterPos, int sequences, int seq) {
        this.roles = roles;
        this.neurons = EntropyCheck.concat(c.attention(), c.attentionRandom());
        this.kinds = new String[neurons.length];
        for (int i = 0; i < neurons.length; i++) {
            kinds[i] = i < c.attention().length ? "attention" : "random";
        }
        this.afterPos = afterPos;
        this.perSequence = seq - afterPos;
        int points = sequences * perSequence;
        activation = new float[neurons.length][points];
        bosEffect = new float[neurons.length][points];
        normEffect = new float[neurons.length][points];
        fracNormEffect = new float[neurons.length][points];
    }

    int runsPerBatch() {
        return neurons.length;
    }

    void run(TransformerModel model, Batch b) {
        int heads = model.config().nHeads;
        for (int i = 0; i < neurons.length; i++) {
            int n = neurons[i];
            int layer = roles.layer(n), hl = roles.bosLayer()[n], head = roles.bosHead()[n];
            float[] act = b.activation(layer, roles.neuron(n));
            float[] bos0 = ForwardResult.floats(b.nominal.attnBos(hl));
            float[] norm0 = ForwardResult.floats(b.nominal.headZNorm(hl));
            Intervention iv = Intervention.none().ablateQueryPath(layer, roles.neuron(n), hl, head, afterPos).stopAfter(hl);
            try (ForwardResult r = model.forward(b.ids, HOOKS, iv)) {
                float[] bos1 = ForwardResult.floats(r.attnBos(hl));
                float[] norm1 = ForwardResult.floats(r.headZNorm(hl));
                for (int s = 0; s < b.ids.length; s++) {
                    for (int t = afterPos; t < b.seq; t++) {
                        int point = (filled + s) * perSequence + t - afterPos;
                        int hi = (s * heads + head) * b.seq + t;
                        activation[i][point] = act[s * b.seq + t];
                        bosEffect[i][point] = bos0[hi] - bos1[hi];
                        normEffect[i][point] = norm0[hi] - norm1[hi];
                        fracNormEffect[i][point] = norm1[hi] == 0 ? Float.NaN : (norm0[hi] - norm1[hi]) / norm1[hi];
                    }
                }
            }
        }
        filled += b.ids.length;
    }

    int[][] pairs() {
        int[][] p = new int[neurons.length][];
        for (int i = 0; i < neurons.length; i++) {
            int n = neurons[i];
            p[i] = new int[] {roles.layer(n), roles.neuron(n), roles.bosLayer()[n], roles.bosHead()[n]};
        }
        return p;
    }

    String[] kinds() {
        return kinds.clone();
    }

    String csv() {
        StringBuilder sb = new StringBuilder("layer,neuron,head_layer,head,kind,bos_score,bos_ratio,points,mean_activation,"
                + "mean_bos_prob_effect,mean_norm_effect,mean_frac_norm_effect,pearson_norm,spearman_norm,pearson_bos,"
                + "spearman_bos\n");
        for (int i = 0; i < neurons.length; i++) {
            int n = neurons[i];
            sb.append(roles.layer(n)).append(',').append(roles.neuron(n)).append(',').append(roles.bosLayer()[n])
                    .append(',').append(roles.bosHead()[n]).append(',').append(kinds[i]).append(',')
                    .append(Csv.num(roles.bosScore()[n])).append(',').append(Csv.num(roles.bosRatio()[n])).append(',')
                    .append(activation[i].length).append(',').append(Csv.num(mean(activation[i]))).append(',')
                    .append(Csv.num(mean(bosEffect[i]))).append(',').append(Csv.num(mean(normEffect[i]))).append(',')
                    .append(Csv.num(mean(fracNormEffect[i]))).append(',')
                    .append(Csv.num(Correlation.pearson(activation[i], normEffect[i]))).append(',')
                    .append(Csv.num(Correlation.spearman(activation[i], normEffect[i]))).append(',')
                    .append(Csv.num(Correlation.pearson(activation[i], bosEffect[i]))).append(',')
                    .append(Csv.num(Correlation.spearman(activation[i], bosEffect[i]))).append('\n');
        }
        return sb.toString();
    }

    /** The mean of the defined values (NaN when none is). */
    static double mean(float[] v) {
        double s = 0;
        long n = 0;
        for (float x : v) {
            if (!Float.isNaN(x)) {
                s += x;
                n++;
            }
        }
        return n == 0 ? Double.NaN : s / n;
    }
}
