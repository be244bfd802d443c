package org.uneurons.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.uneurons.core.io.CheckpointWeights;
import org.uneurons.core.stats.PlainGemm;
import org.uneurons.core.testing.TestData;
import org.uneurons.formats.ModelConfig;
import org.uneurons.formats.WeightSource;

/** Each neuron's top and bottom tokens of W_U^T w_out, against a full float64 product sorted plainly. */
class VocabTokensTest {
    private static ProcessedWeights load(Path dir) {
        ModelConfig cfg = ModelConfig.read(dir, Checkpoints.name(dir));
        try (CheckpointWeights st = CheckpointWeights.open(dir)) {
            return WeightProcessing.process(cfg, WeightSource.of(st));
        }
    }

    /**
     * Adversarial: neuron 0 of layer 0 writes nothing (every product 0: the k lowest ids both ways), neuron 1 writes
     * along one token's column, and two tokens' columns are made equal (a tie broken by the lower id), with a block
     * size that does not divide the vocabulary.
     */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "neox-tiny"})
    void keepsTheStrongestTokensOfThePlainProduct(String fixture) {
        ProcessedWeights w = load(TestData.hf(fixture));
        int d = w.dModel, m = w.dMlp, V = w.vocab, k = 7;
        Arrays.fill(w.wOut[0], 0, d, 0.0);
        for (int r = 0; r < d; r++) {
            w.wOut[0][d + r] = w.wU[r * V + 5];
            w.wU[r * V + 9] = w.wU[r * V + 3];
        }
        VocabTokens t = new VocabTokens(w.nLayers * m, k);
        WeightStats.vocab(w, new PlainGemm(), 13, t);
        double worst = 0;
        for (int l = 0; l < w.nLayers; l++) {
            for (int j = 0; j < m; j++) {
                double[] p = new double[V];
                for (int v = 0; v < V; v++) {
                    for (int r = 0; r < d; r++) {
                        p[v] += w.wOut[l][j * d + r] * w.wU[r * V + v];
                    }
                }
                Integer[] ids = new Integer[V];
                for (int v = 0; v < V; v++) {
                    ids[v] = v;
                }
                // exact ties by the lower id; near-ties (within rounding of the two ways of computing) compared by value
                Integer[] desc = ids.clone(), asc = ids.clone();
                Arrays.sort(desc, Comparator.<Integer>comparingDouble(v -> -p[v]).thenComparingInt(v -> v));
                Arrays.sort(asc, Comparator.<Integer>comparingDouble(v -> p[v]).thenComparingInt(v -> v));
                VocabTokens.Ranked top = t.top(l * m + j), bottom = t.bottom(l * m + j);
                for (int i = 0; i < k; i++) {
                    worst = Math.max(worst, Math.abs(p[desc[i]] - top.values()[i]));
                    worst = Math.max(worst, Math.abs(p[asc[i]] - bottom.values()[i]));
                    worst = Math.max(worst, Math.abs(p[top.ids()[i]] - top.values()[i]));
                    worst = Math.max(worst, Math.abs(p[bottom.ids()[i]] - bottom.values()[i]));
                }
                if (l == 0 && j == 0) {
                    assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6}, top.ids());
                    assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6}, bottom.ids());
                    assertArrayEquals(new double[k], top.values());
                }
                if (l == 0 && j == 1) {
                    assertEquals(5, top.ids()[0], "the token whose column the neuron writes comes first");
                }
            }
        }
        assertEquals(0, worst, 1e-9, "top/bottom products vs the plain product");
        // tokens 3 and 9 share a column: whenever both are kept, 3 comes first
        for (int n = 0; n < w.nLayers * m; n++) {
            for (VocabTokens.Ranked r : new VocabTokens.Ranked[] {t.top(n), t.bottom(n)}) {
                int i3 = indexOf(r.ids(), 3), i9 = indexOf(r.ids(), 9);
                if (i9 >= 0) {
                    assertEquals(i9 - 1, i3, "tie of tokens 3 and 9 in neuron " + n);
                }
            }
        }
    }

    private static int indexOf(int[] a, int x) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == x) {
                return i;
            }
        }
        return -1;
    }
}
