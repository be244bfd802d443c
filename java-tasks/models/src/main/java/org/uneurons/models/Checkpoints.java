package org.uneurons.models;

import java.nio.file.Path;

import ai.djl.Device;
import org.uneurons.core.io.SafetensorsCheckpoint;
import org.uneurons.formats.WeightSource;
import org.uneurons.formats.ModelConfig;

/** Loads a Hugging Face checkpoint directory (config.json + model.safetensors or a sharded index) onto a device. */
public final class Checkpoints {
    private Checkpoints() {
    }

    /** Loads {@code dir}, naming it by its directory name in error messages. */
    public static TransformerModel load(Path dir, Device device) {
        return load(dir, name(dir), device);
    }

    /**
     * Reads config.json, validates every tensor it implies against the safetensors (present, shape as implied),
     * then copies the weights to {@code device}. Bad input is one {@link org.uneurons.core.cli.InputException}
     * starting "checkpoint NAME: ".
     */
    public static TransformerModel load(Path dir, String name, Device device) {
        ModelConfig cfg = ModelConfig.read(dir, name);
        try (SafetensorsCheckpoint st = SafetensorsCheckpoint.open(dir)) {
            return TransformerModel.load(cfg, WeightSource.of(st), device);
        }
    }

    /** The directory's own name ("gpt2-tiny" for .../hf/gpt2-tiny/). */
    public static String name(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        Path f = abs.getFileName();
        return f == null ? abs.toString() : f.toString();
    }
}
