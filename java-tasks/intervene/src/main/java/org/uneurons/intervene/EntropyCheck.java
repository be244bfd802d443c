package org.uneurons.intervene;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.uneurons.models.ForwardResult;
import org.uneurons.models.Hook;
import org.uneurons.models.Intervention;
import org.uneurons.models.TransformerModel;

/**
 * Entropy neurons (METHOD 7.2): each tested neuron's post-activation fixed at every position to each value, and the
 * next-token loss, entropy, reciprocal rank and final LayerNorm scale averaged over the scored tokens; once as the
 * model computes it and once with the final LayerNorm's scale frozen at the unchanged run's (the direct effect
 * through W_U alone). The unchanged run is the first row.
 */
final class EntropyCheck {
    private static final Set<Hook> HOOKS = EnumSet.of(Hook.RESID_FINAL, Hook.LN_FINAL_SCALE);

    /** Sums over scored tokens of one configuration. */
    static final class Sums {
        double loss;
        double entropy;
        double reciprocalRank;
        double lnScale;
        long tokens;

        void add(TokenMetrics m, float[] lnScale, Batch b) {
            for (int p = 0; p < b.scored.length; p++) {
                if (b.scored[p]) {
                    loss += m.loss()[p];
                    entropy += m.entropy()[p];
                    reciprocalRank += 1.0 / (m.rank()[p] + 1.0);
                    this.lnScale += lnScale[b.token(p)];
                    tokens++;
                }
            }
        }

        String csv() {
            return tokens + "," + Csv.num(loss / tokens) + "," + Csv.num(entropy / tokens) + ","
                    + Csv.num(reciprocalRank / tokens) + "," + Csv.num(lnScale / tokens);
        }
    }

    private record Config(int index, String kind, float value, boolean frozen, Sums sums) {
    }

    private final RolesTable roles;
    private final Sums nominal = new Sums();
    private final List<Config> configs = new ArrayList<>();
    private final int[] neurons;
    private final String[] kinds;
    private final float[] values;

    EntropyCheck(RolesTable roles, Choices c, float[] values) {
        this.roles = roles;
        this.values = values.clone();
        this.neurons = concat(c.entropy(), c.entropyRandom());
        this.kinds = new String[neurons.length];
        for (int i = 0; i < neurons.length; i++) {
            kinds[i] = i < c.entropy().length ? "entropy" : "random";
            for (float v : values) {
                configs.add(new Config(neurons[i], kinds[i], v, false, new Sums()));
                configs.add(new Config(neurons[i], kinds[i], v, true, new Sums()));
            }
        }
    }

    /** Forward passes per batch. */
    int runsPerBatch() {
        return neurons.length * values.length;
    }

    void run(TransformerModel model, Batch b) {
        nominal.add(b.metrics, b.lnScale(), b);
        int c = 0;
        for (int neuron : neurons) {
            for (float v : values) {
                Intervention iv = Intervention.none().fix(roles.layer(neuron), roles.neuron(neuron), v);
                try (ForwardResult r = model.forward(b.ids, HOOKS, iv)) {
                    TokenMetrics free = TokenMetrics.of(model.finalLogits(r.residFinal(), null), b.ids);
                    configs.get(c++).sums().add(free, ForwardResult.floats(r.lnFinalScale()), b);
                    TokenMetrics frozen = TokenMetrics.of(model.finalLogits(r.residFinal(), b.nominal.lnFinalScale()), b.ids);
                    configs.get(c++).sums().add(frozen, b.lnScale(), b);
                }
            }
        }
    }

    String csv() {
        StringBuilder sb = new StringBuilder("layer,neuron,kind,null_fraction,value,ln_frozen,tokens,loss,entropy,"
                + "reciprocal_rank,ln_scale\n");
        sb.append(",,nominal,,,false,").append(nominal.csv()).append('\n');
        for (Config c : configs) {
            sb.append(roles.layer(c.index())).append(',').append(roles.neuron(c.index())).append(',').append(c.kind())
                    .append(',').append(Csv.num(roles.nullFraction()[c.index()])).append(',').append(Csv.num(c.value()))
                    .append(',').append(c.frozen()).append(',').append(c.sums().csv()).append('\n');
        }
        return sb.toString();
    }

    static int[] concat(int[]... parts) {
        int n = 0;
        for (int[] p : parts) {
            n += p.length;
        }
        int[] out = new int[n];
        int o = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }
}
