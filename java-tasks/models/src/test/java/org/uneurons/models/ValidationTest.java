package org.uneurons.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.engine.Engine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.UsageException;
import org.uneurons.core.testing.TestData;
import org.uneurons.formats.Architecture;
import org.uneurons.formats.MlpActivation;
import org.uneurons.formats.ModelConfig;

/** config.json parsing, config-versus-weights validation, token validation, devices, and scratch memory. */
class ValidationTest {
    @TempDir
    Path tmp;

    private static void edit(Path dir, String from, String to) throws IOException {
        Path f = dir.resolve("config.json");
        String s = Files.readString(f, StandardCharsets.UTF_8);
        assertTrue(s.contains(from), "config.json contains " + from);
        Files.writeString(f, s.replace(from, to), StandardCharsets.UTF_8);
    }

    @Test
    void parsesFixtureConfigs() {
        ModelConfig g = ModelConfig.read(TestData.hf("gpt2-tiny"), "gpt2-tiny");
        assertEquals(Architecture.GPT2, g.architecture);
        assertEquals(2, g.nLayers);
        assertEquals(48, g.dModel);
        assertEquals(192, g.dMlp);
        assertEquals(64, g.nCtx);
        assertEquals(1000, g.vocabSize);
        assertEquals(MlpActivation.GELU_TANH, g.activation);
        assertTrue(g.tiedUnembed);
        ModelConfig n = ModelConfig.read(TestData.hf("neox-tiny"), "neox-tiny");
        assertEquals(Architecture.GPT_NEOX, n.architecture);
        assertEquals(4, n.rotaryDim, "16-dim heads x 0.25");
        assertEquals(10000.0, n.rotaryBase);
        assertTrue(n.parallelResidual);
        assertFalse(n.tiedUnembed);
        assertEquals(MlpActivation.GELU_EXACT, n.activation);
    }

    @Test
    void neoxRopeSchemasAgree() {
        String common = "\"model_type\": \"gpt_neox\", \"hidden_size\": 64, \"num_attention_heads\": 4, "
                + "\"num_hidden_layers\": 1, \"intermediate_size\": 16, \"vocab_size\": 10, ";
        ModelConfig old = ModelConfig.parse("{" + common + "\"rotary_pct\": 0.5, \"rotary_emb_base\": 500}", "a");
        ModelConfig neu = ModelConfig.parse("{" + common
                + "\"rope_parameters\": {\"partial_rotary_factor\": 0.5, \"rope_theta\": 500, \"rope_type\": \"default\"}}", "b");
        ModelConfig mid = ModelConfig.parse("{" + common + "\"partial_rotary_factor\": 0.5, \"rope_theta\": 500}", "m");
        assertEquals(8, mid.rotaryDim);
        assertEquals(500.0, mid.rotaryBase);
        assertEquals(8, old.rotaryDim);
        assertEquals(8, neu.rotaryDim);
        assertEquals(500.0, old.rotaryBase);
        assertEquals(500.0, neu.rotaryBase);
        InputException e = assertThrows(InputException.class, () -> ModelConfig.parse("{" + common
                + "\"rope_parameters\": {\"partial_rotary_factor\": 0.5, \"rope_theta\": 500, \"rope_type\": \"yarn\"}}", "c"));
        assertEquals("checkpoint c: config.json: rope_parameters.rope_type 'yarn' is not supported (expected default)",
                e.getMessage());
    }

    @Test
    void gpt2NullInnerMeansFourTimesWidth() {
        ModelConfig c = ModelConfig.parse("{\"model_type\": \"gpt2\", \"n_embd\": 40, \"n_head\": 5, \"n_inner\": null}", "x");
        assertEquals(160, c.dMlp);
        assertEquals(1024, c.nCtx);
        assertEquals(50257, c.vocabSize);
    }

    @Test
    void unknownModelTypeAndBadValuesAreOneLine() {
        InputException e = assertThrows(InputException.class,
                () -> ModelConfig.parse("{\"model_type\": \"llama\"}", "m"));
        assertEquals("checkpoint m: config.json: model_type 'llama' is not supported (expected gpt2 or gpt_neox)",
                e.getMessage());
        e = assertThrows(InputException.class,
                () -> ModelConfig.parse("{\"model_type\": \"gpt2\", \"activation_function\": \"relu\"}", "m"));
        assertEquals("checkpoint m: config.json: activation_function 'relu' is not supported "
                + "(expected gelu_new, gelu_pytorch_tanh, gelu_fast or gelu)", e.getMessage());
        e = assertThrows(InputException.class,
                () -> ModelConfig.parse("{\"model_type\": \"gpt2\", \"n_embd\": 50, \"n_head\": 4}", "m"));
        assertEquals("checkpoint m: config.json: model width 50 is not divisible by the number of heads 4", e.getMessage());
        e = assertThrows(InputException.class, () -> ModelConfig.parse("{\"model_type\": \"gpt2\", \"n_layer\": \"two\"}", "m"));
        assertEquals("checkpoint m: config.json: n_layer must be an integer, got \"two\"", e.getMessage());
        e = assertThrows(InputException.class, () -> ModelConfig.parse("{model_type", "m"));
        assertTrue(e.getMessage().startsWith("checkpoint m: config.json is not valid JSON"), e.getMessage());
    }

    private Path smallGpt2(String name) {
        RandomCheckpoint c = RandomCheckpoint.gpt2();
        c.nLayers = 2;
        c.dModel = 48;
        c.nHeads = 4;
        c.dMlp = 192;
        c.vocab = 50;
        c.nCtx = 16;
        return c.writeGpt2(tmp.resolve(name));
    }

    @Test
    void shapeMismatchNamesTensorAndBothShapes() throws IOException {
        Path dir = smallGpt2("gpt2-x");
        edit(dir, "\"n_inner\": 192", "\"n_inner\": 256");
        InputException e = assertThrows(InputException.class, () -> Checkpoints.load(dir, Device.cpu()));
        assertEquals("checkpoint gpt2-x: tensor 'transformer.h.0.mlp.c_fc.weight' in " + dir.resolve("model.safetensors")
                + " has shape [48, 192] but config.json "
                + "(n_embd 48, n_inner 256) implies [48, 256]", e.getMessage());
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        Path dir = smallGpt2("gpt2-y");
        edit(dir, "\"tie_word_embeddings\": true", "\"tie_word_embeddings\": false");
        InputException e = assertThrows(InputException.class, () -> Checkpoints.load(dir, Device.cpu()));
        assertEquals("checkpoint gpt2-y: tensor 'lm_head.weight' is missing from " + dir.resolve("model.safetensors")
                + " (config.json (vocab_size 50, n_embd 48, "
                + "tie_word_embeddings false) implies shape [50, 48])", e.getMessage());
    }

    @Test
    void fewerLayersInConfigThanWeightsIsAMismatch() throws IOException {
        Path dir = smallGpt2("gpt2-z");
        edit(dir, "\"n_layer\": 2", "\"n_layer\": 1");
        InputException e = assertThrows(InputException.class, () -> Checkpoints.load(dir, Device.cpu()));
        assertEquals("checkpoint gpt2-z: tensor 'transformer.h.1.ln_1.weight' exists in " + dir.resolve("model.safetensors")
                + " but config.json (n_layer 1) implies "
                + "1 layers", e.getMessage());
    }

    @Test
    void tokensOutsideVocabularyOrContextAreRejected() {
        Path dir = smallGpt2("gpt2-t");
        try (TransformerModel m = Checkpoints.load(dir, Device.cpu())) {
            InputException e = assertThrows(InputException.class,
                    () -> m.forward(new int[][] {{1, 2}, {3, 50}}, EnumSet.of(Hook.MLP_POST)));
            assertEquals("token id 50 (sequence 1, position 1) is outside the vocabulary [0, 50) of checkpoint gpt2-t",
                    e.getMessage());
            e = assertThrows(InputException.class, () -> m.forward(new int[][] {{-1}}, EnumSet.of(Hook.MLP_POST)));
            assertEquals("token id -1 (sequence 0, position 0) is outside the vocabulary [0, 50) of checkpoint gpt2-t",
                    e.getMessage());
            e = assertThrows(InputException.class, () -> m.forward(new int[1][17], EnumSet.of(Hook.MLP_POST)));
            assertEquals("sequence length 17 exceeds the context of checkpoint gpt2-t (16 positions)", e.getMessage());
            e = assertThrows(InputException.class, () -> m.forward(new int[][] {{1, 2}, {3}}, EnumSet.of(Hook.MLP_POST)));
            assertEquals("sequence 1 has 1 tokens, expected 2 like the others in the batch", e.getMessage());
        }
    }

    @Test
    void forwardPassesDoNotAccumulateArraysAndUnrequestedHooksAreAbsent() {
        Path dir = smallGpt2("gpt2-mem");
        try (TransformerModel m = Checkpoints.load(dir, Device.cpu())) {
            int[][] ids = RandomCheckpoint.tokens(5, 3, 16, 50);
            m.forward(ids, EnumSet.of(Hook.MLP_POST)).close(); // first pass caches the causal mask
            int before = m.managedArrayCount();
            for (int i = 0; i < 5; i++) {
                try (ForwardResult r = m.forward(ids, EnumSet.of(Hook.MLP_POST, Hook.HIDDEN))) {
                    assertEquals(3 * 16 * 192, r.mlpPost(1).toFloatArray().length);
                    assertArrayEquals(r.mlpPost(1).toFloatArray(), ForwardResult.floats(r.mlpPost(1)));
                    // a non-contiguous view goes through the same path
                    NDArray view = r.hidden(1).transpose(0, 2, 1);
                    assertArrayEquals(view.toFloatArray(), ForwardResult.floats(view));
                    assertThrows(IllegalStateException.class, () -> r.logits());
                    assertThrows(IllegalStateException.class, () -> r.mlpPre(0));
                }
            }
            assertEquals(before, m.managedArrayCount(), "arrays left on the model's manager after closed passes");
        }
    }

    @Test
    void deviceOption() {
        assertEquals(Device.cpu(), Devices.parse("cpu"));
        UsageException u = assertThrows(UsageException.class, () -> Devices.parse("tpu"));
        assertEquals("--device expects cpu, gpu or gpu:N, got 'tpu'", u.getMessage());
        assertThrows(UsageException.class, () -> Devices.parse("gpu:x"));
        int gpus = Engine.getEngine("PyTorch").getGpuCount();
        if (gpus == 0) {
            InputException e = assertThrows(InputException.class, () -> Devices.parse("gpu"));
            assertTrue(e.getMessage().startsWith("--device gpu: no GPU is visible to PyTorch on this machine"), e.getMessage());
        } else {
            assertEquals(Device.gpu(0), Devices.parse("gpu"));
            InputException e = assertThrows(InputException.class, () -> Devices.parse("gpu:" + gpus));
            assertTrue(e.getMessage().contains("only " + gpus + " GPU(s) visible"), e.getMessage());
        }
    }
}
