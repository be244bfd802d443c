package org.uneurons.families;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The families engine's cost on synthetic data (a benchmark command, never a test; docs/families.md quotes it):
 *
 * <pre>
 * java -cp java-tasks/dist/families.jar:java-tasks/dist/lib/*:java-tasks/families/target/test-classes \
 *      org.uneurons.families.FamiliesBench [neurons] [tokens] [tagSets]
 * </pre>
 *
 * GPT-2-like shapes: vocabulary 50,257 (Zipf-distributed ids), ctx 512, tag sets of 20 values each. Prints the time to
 * add the tokens (per token x neuron x variable), the VR matrix time (per feature value x neuron), and the bytes held.
 */
public final class FamiliesBench {
    private FamiliesBench() {
    }

    public static void main(String[] a) {
        int k = a.length > 0 ? Integer.parseInt(a[0]) : 200;
        int tokens = a.length > 1 ? Integer.parseInt(a[1]) : 262_144;
        int sets = a.length > 2 ? Integer.parseInt(a[2]) : 9;
        int ctx = 512;
        int vocab = 50_257;
        List<String> tagSets = new ArrayList<>();
        for (int i = 0; i < sets; i++) {
            tagSets.add("set" + i);
        }
        SplittableRandom r = new SplittableRandom(1);
        int seqs = 8;
        List<SequenceBatch> batches = new ArrayList<>();
        for (int done = 0; done < tokens; done += seqs * ctx) {
            batches.add(batch(r, seqs, ctx, k, vocab, sets));
        }
        int variables = 3 + 2 * sets;
        for (int round = 0; round < 2; round++) { // the first round warms the JIT
            FamilyAccumulator acc = new FamilyAccumulator(k, tagSets);
            long t0 = System.nanoTime();
            batches.forEach(acc::add);
            long t1 = System.nanoTime();
            List<Feature> features = new ArrayList<>(FeatureCatalog.sequence(acc));
            long values = 0;
            for (int f = 0; f < 200; f++) {
                int[] ids = new int[5000];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = r.nextInt(vocab);
                }
                features.add(new Feature("f" + f, Feature.VOCAB, FamilyAccumulator.TOKEN, ids));
                values += ids.length;
            }
            long t2 = System.nanoTime();
            VarianceReduction.matrix(acc, features);
            long t3 = System.nanoTime();
            double perUnit = (t1 - t0) / ((double) acc.tokens() * k * variables);
            System.out.printf(Locale.ROOT, "round %d: %,d tokens x %d neurons x %d variables: add %.2f s = %.3f ns per"
                    + " token x neuron x variable; %d features (%,d token values) VR %.2f s; grouped sums %.1f MB"
                    + " (%d token ids seen)%n", round, acc.tokens(), k, variables, (t1 - t0) / 1e9, perUnit,
                    features.size(), values, (t3 - t2) / 1e9, acc.bytes() / 1e6,
                    acc.variable(FamilyAccumulator.TOKEN).rows());
        }
    }

    private static SequenceBatch batch(SplittableRandom r, int seqs, int ctx, int k, int vocab, int sets) {
        int[][] tokens = new int[seqs][ctx];
        String[][][] tags = new String[seqs][sets][ctx];
        for (int s = 0; s < seqs; s++) {
            for (int t = 0; t < ctx; t++) {
                // Zipf-like: id = floor(vocab^u) - 1 spreads over the vocabulary with many rare ids
                tokens[s][t] = (int) Math.min(vocab - 1, Math.floor(Math.pow(vocab, r.nextDouble())) - 1);
                for (int g = 0; g < sets; g++) {
                    tags[s][g][t] = "v" + r.nextInt(20);
                }
            }
        }
        float[] pre = new float[seqs * ctx * k];
        for (int i = 0; i < pre.length; i++) {
            pre[i] = (float) r.nextGaussian();
        }
        return new SequenceBatch(tokens, tags, pre, pre.clone());
    }
}
