/**
 * Hugging Face GPT-2 and GPT-NeoX (Pythia) checkpoints on DJL's PyTorch engine, for inference with hooks.
 *
 * <pre>
 * Device device = Devices.parse("cpu");                          // or "gpu", "gpu:1"
 * try (TransformerModel m = Checkpoints.load(Path.of("ckpt/gpt2-small-a"), device)) {
 *     try (ForwardResult r = m.forward(tokens, EnumSet.of(Hook.MLP_POST))) {   // tokens: int[batch][seq]
 *         float[] layer0 = ForwardResult.floats(r.mlpPost(0));   // [batch * seq * d_mlp], row-major
 *     }
 * }
 * </pre>
 *
 * {@link org.uneurons.formats.ModelConfig} reads config.json (both NeoX rope schemas);
 * {@link org.uneurons.formats.WeightLayout} checks every tensor the config implies against the checkpoint before
 * anything runs; {@link org.uneurons.models.TransformerModel} is the forward pass;
 * {@link org.uneurons.models.Hook} lists what it can hand back.
 */
package org.uneurons.models;
