package org.uneurons.models;

import java.nio.file.Path;

import ai.djl.Device;
import org.uneurons.core.io.CheckpointWeights;
import org.uneurons.formats.CheckpointRef;
import org.uneurons.formats.ModelConfig;
import org.uneurons.formats.WeightSource;

/**
 * Loads a Hugging Face checkpoint directory (config.json + weights in any layout {@link CheckpointWeights} reads:
 * model.safetensors, pytorch_model.bin, or either sharded with an index) onto a device.
 */
public final class Checkpoints {
    private Checkpoints() {
    }

    /** Loads {@code dir}, naming it by its directory name in error messages. */
    public static TransformerModel load(Path dir, Device device) {
        return load(dir, name(dir), device);
    }

    /** Loads a named checkpoint ({@code NAME=DIR} on command lines). */
    public static TransformerModel load(CheckpointRef ref, Device device) {
        return load(ref.dir(), ref.name(), device);
    }

    /**
     * Reads config.json, validates every tensor it implies against the weights (present, shape as implied), then
     * copies the weights to {@code device}, one tensor at a time, hashing them on the way
     * ({@link TransformerModel#weightsSha256}: the tensors the model does not use are hashed after). Bad input is one
     * {@link org.uneurons.core.cli.InputException} starting "checkpoint NAME: " or naming the weights file.
     */
    public static TransformerModel load(Path dir, String name, Device device) {
        ModelConfig cfg = ModelConfig.read(dir, name);
        try (CheckpointWeights w = CheckpointWeights.open(dir)) {
            TransformerModel model = TransformerModel.load(cfg, WeightSource.of(w), device);
            try {
                model.weightsSha256(w.sha256());
            } catch (RuntimeException e) {
                model.close();
                throw e;
            }
            return model;
        }
    }

    /** The directory's own name ("gpt2-tiny" for .../hf/gpt2-tiny/). */
    public static String name(Path dir) {
        return CheckpointRef.dirName(dir);
    }
}
