package org.uneurons.families;

import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Activation;
import org.uneurons.core.cli.Progress;
import org.uneurons.formats.TokenShard;
import org.uneurons.models.ForwardResult;
import org.uneurons.models.Hook;
import org.uneurons.models.TransformerModel;

/**
 * Runs the model over a shard, batch by batch, and hands on the chosen neurons' pre-activations and their exact GELU
 * (torch's erf GELU, {@code torch.nn.GELU()} as the paper's explain.py, in float32 on the model's device): only the
 * chosen columns of each layer leave the device. Sequence tags come from the {@link Tagging} of each sequence.
 */
final class ModelPass {
    private final TransformerModel model;
    /** Per layer: the chosen neuron numbers in it (empty: none), and where they go in the batch's K columns. */
    private final int[][] neurons;
    private final int[][] columns;
    private final int k;

    /** {@code block}: indices into {@code choice}, the neurons of this pass, in order. */
    ModelPass(TransformerModel model, NeuronChoice choice, int[] block) {
        this.model = model;
        int layers = model.config().nLayers;
        neurons = new int[layers][0];
        columns = new int[layers][0];
        for (int c = 0; c < block.length; c++) {
            int l = choice.layer()[block[c]];
            neurons[l] = append(neurons[l], choice.neuron()[block[c]]);
            columns[l] = append(columns[l], c);
        }
        k = block.length;
    }

    private static int[] append(int[] a, int v) {
        int[] b = Arrays.copyOf(a, a.length + 1);
        b[a.length] = v;
        return b;
    }

    void run(TokenShard shard, int batchSize, Tagging tagging, Consumer<SequenceBatch> sink, Progress progress) {
        int[][] tokens = shard.tokens();
        int ctx = shard.ctx();
        for (int start = 0; start < tokens.length; start += batchSize) {
            int n = Math.min(batchSize, tokens.length - start);
            int[][] batch = Arrays.copyOfRange(tokens, start, start + n);
            float[] pre = new float[n * ctx * k];
            float[] post = new float[n * ctx * k];
            try (ForwardResult r = model.forward(batch, java.util.EnumSet.of(Hook.MLP_PRE))) {
                for (int l = 0; l < neurons.length; l++) {
                    if (neurons[l].length > 0) {
                        copyLayer(r.mlpPre(l), l, n * ctx, pre, post);
                    }
                }
            }
            String[][][] tags = tagging.tag(batch);
            sink.accept(new SequenceBatch(batch, tags, pre, post));
            if (progress != null) {
                progress.advance((long) n * ctx);
            }
        }
    }

    /** The layer's chosen columns, selected on the device, and their GELU, into the batch's columns. */
    private void copyLayer(NDArray layerPre, int l, int rows, float[] pre, float[] post) {
        int dMlp = model.config().dMlp;
        int m = neurons[l].length;
        NDArray idx = layerPre.getManager().create(Arrays.stream(neurons[l]).asLongStream().toArray());
        NDArray sel = layerPre.reshape(rows, dMlp).get(new NDIndex(":, {}", idx));
        NDArray gelu = Activation.gelu(sel);
        float[] p = ForwardResult.floats(sel);
        float[] g = ForwardResult.floats(gelu);
        int[] cols = columns[l];
        for (int t = 0; t < rows; t++) {
            for (int j = 0; j < m; j++) {
                pre[t * k + cols[j]] = p[t * m + j];
                post[t * k + cols[j]] = g[t * m + j];
            }
        }
    }

    /** Tags whole sequences with a {@link SequenceFeatures} on the decoded token texts. */
    static final class Tagging {
        private final SequenceFeatures tagger;
        private final String[] texts;
        private final boolean[] special;
        private final int sentEnd;

        /** {@code specialIds}: BOS, EOS and the unknown id, tagged NONE (the tagger sees them as special). */
        Tagging(SequenceFeatures tagger, String[] texts, int vocab, int... specialIds) {
            this.tagger = tagger;
            this.texts = texts;
            this.special = new boolean[vocab];
            for (int id : specialIds) {
                if (id >= 0 && id < vocab) {
                    special[id] = true;
                }
            }
            this.sentEnd = tagger.tagSets().indexOf("sent_end");
        }

        List<String> tagSets() {
            return tagger.tagSets();
        }

        /** {@code [seq][set][t]}, or null without tag sets. */
        String[][][] tag(int[][] batch) {
            int sets = tagger.tagSets().size();
            if (sets == 0) {
                return null;
            }
            String[][][] out = new String[batch.length][][];
            for (int s = 0; s < batch.length; s++) {
                int ctx = batch[s].length;
                String[] t = new String[ctx];
                boolean[] sp = new boolean[ctx];
                for (int i = 0; i < ctx; i++) {
                    t[i] = texts[batch[s][i]];
                    sp[i] = special[batch[s][i]];
                }
                out[s] = tagger.tag(t, sp);
                if (out[s].length != sets || Arrays.stream(out[s]).anyMatch(a -> a.length != ctx)) {
                    throw new IllegalStateException("tagger " + tagger.describe() + " returned tags of another shape than "
                            + sets + " tag sets x " + ctx + " tokens");
                }
                if (sentEnd >= 0) {
                    // the library ends a sentence at the cut end of every sequence; the paper drops that one
                    out[s][sentEnd][ctx - 1] = SequenceFeatures.NONE;
                }
            }
            return out;
        }
    }
}
