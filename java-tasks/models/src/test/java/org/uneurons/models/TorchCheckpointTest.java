package org.uneurons.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.UnaryOperator;

import ai.djl.Device;
import org.junit.jupiter.api.Test;
import org.uneurons.core.io.CheckpointWeights;
import org.uneurons.core.io.HalfFloats;
import org.uneurons.core.io.Safetensors;
import org.uneurons.core.testing.TestData;
import org.uneurons.formats.ModelConfig;
import org.uneurons.formats.WeightSource;

/**
 * The pytorch_model.bin twins of the reference fixtures (testdata/hf/make_torch_bin.py) give the same activations as
 * the safetensors they were made from: float32 bit for bit (through shared storages, a storage offset and transposed
 * views); float16 and bfloat16 bit for bit equal to the safetensors weights rounded to that type in memory.
 */
class TorchCheckpointTest {
    private static final Set<Hook> HOOKS = EnumSet.of(Hook.MLP_PRE, Hook.MLP_POST, Hook.HIDDEN, Hook.LOGITS);

    @Test
    void float32TwinGivesBitIdenticalActivations() {
        try (TransformerModel st = Checkpoints.load(TestData.hf("gpt2-tiny"), Device.cpu());
             TransformerModel bin = Checkpoints.load(TestData.hf("gpt2-tiny-bin"), Device.cpu())) {
            assertSameActivations(st, bin, "gpt2-tiny");
        }
    }

    @Test
    void float16ShardedTwinEqualsTheWeightsRoundedToHalf() {
        try (TransformerModel rounded = roundedInMemory("gpt2-tiny",
                v -> HalfFloats.halfToFloat(HalfFloats.floatToHalf(v)));
             TransformerModel bin = Checkpoints.load(TestData.hf("gpt2-tiny-bin16"), Device.cpu())) {
            assertSameActivations(rounded, bin, "gpt2-tiny");
        }
    }

    @Test
    void bfloat16NeoxTwinEqualsTheWeightsRoundedToBfloat16() {
        try (TransformerModel rounded = roundedInMemory("neox-tiny",
                v -> HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(v)));
             TransformerModel bin = Checkpoints.load(TestData.hf("neox-tiny-bin"), Device.cpu())) {
            assertSameActivations(rounded, bin, "neox-tiny");
        }
    }

    /** The safetensors fixture with every weight passed through {@code round}, loaded from memory. */
    private static TransformerModel roundedInMemory(String fixture, UnaryOperator<Float> round) {
        Path dir = TestData.hf(fixture);
        ModelConfig cfg = ModelConfig.read(dir, fixture);
        try (CheckpointWeights w = CheckpointWeights.open(dir)) {
            WeightSource src = WeightSource.of(w);
            return TransformerModel.load(cfg, new WeightSource() {
                @Override
                public Set<String> names() {
                    return src.names();
                }

                @Override
                public long[] shape(String name) {
                    return src.shape(name);
                }

                @Override
                public float[] floats(String name) {
                    float[] f = src.floats(name);
                    for (int i = 0; i < f.length; i++) {
                        f[i] = round.apply(f[i]);
                    }
                    return f;
                }
            }, Device.cpu());
        }
    }

    /** Every hook of every layer and the logits, bit for bit, on the fixture's reference tokens. */
    private static void assertSameActivations(TransformerModel want, TransformerModel got, String fixture) {
        int[][] ids;
        try (Safetensors ref = Safetensors.open(Fixtures.reference(TestData.hf(fixture)))) {
            ids = Fixtures.inputIds(ref);
        }
        try (ForwardResult a = want.forward(ids, HOOKS); ForwardResult b = got.forward(ids, HOOKS)) {
            int layers = want.config().nLayers;
            assertEquals(layers, got.config().nLayers);
            for (int l = 0; l < layers; l++) {
                assertArrayEquals(bits(ForwardResult.floats(a.mlpPre(l))), bits(ForwardResult.floats(b.mlpPre(l))),
                        "mlp_pre." + l);
                assertArrayEquals(bits(ForwardResult.floats(a.mlpPost(l))), bits(ForwardResult.floats(b.mlpPost(l))),
                        "mlp_post." + l);
            }
            for (int k = 0; k <= layers; k++) {
                assertArrayEquals(bits(ForwardResult.floats(a.hidden(k))), bits(ForwardResult.floats(b.hidden(k))),
                        "hidden." + k);
            }
            assertArrayEquals(bits(ForwardResult.floats(a.logits())), bits(ForwardResult.floats(b.logits())), "logits");
        }
    }

    private static int[] bits(float[] a) {
        int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Float.floatToRawIntBits(a[i]);
        }
        return b;
    }
}
