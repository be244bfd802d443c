package org.uneurons.formats;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;

import org.uneurons.core.cli.InputException;
import org.uneurons.core.io.CheckpointWeights;
import org.uneurons.core.io.Dtype;
import org.uneurons.core.io.TensorInfo;

/**
 * What a checkpoint is, checked from its headers alone (config.json, the safetensors header or the pytorch_model.bin
 * zip directory and pickle; no tensor data): config.json is readable and supported, and every tensor it implies is
 * present with the implied shape (so the vocabulary and context of the config are those of the embeddings) and a
 * float type. {@link #json()} is the line the checkpoint check prints for the pipeline's plan.
 */
public record CheckpointSummary(String name, Path path, ModelConfig config, CheckpointWeights.Format format,
                                String dtype, long nParams) {
    private static final Map<Dtype, String> FLOAT_NAMES = Map.of(Dtype.F32, "float32", Dtype.F16, "float16",
            Dtype.BF16, "bfloat16", Dtype.F64, "float64");

    /** Checks {@code ref}; a problem is one {@link InputException} naming the checkpoint and the file. */
    public static CheckpointSummary check(CheckpointRef ref) {
        ModelConfig cfg = ModelConfig.read(ref.dir(), ref.name());
        try (CheckpointWeights w = CheckpointWeights.open(ref.dir())) {
            WeightLayout layout = WeightLayout.resolve(cfg, WeightSource.of(w));
            Set<String> dtypes = new TreeSet<>();
            long params = 0;
            for (WeightLayout.Expected e : layout.all()) {
                TensorInfo t = w.info(e.stored());
                String d = FLOAT_NAMES.get(t.dtype());
                if (d == null) {
                    throw new InputException("checkpoint " + ref.name() + ": tensor '" + e.stored() + "' in " + w.origin()
                            + " is " + t.dtype() + "; weights must be float32, float16, bfloat16 or float64");
                }
                dtypes.add(d);
                params += t.numel();
            }
            return new CheckpointSummary(ref.name(), ref.dir().toAbsolutePath().normalize(), cfg, w.format(),
                    String.join("+", dtypes), params);
        }
    }

    /**
     * One line of JSON: name, path, architecture (config.json's model_type), n_layers, d_model, d_mlp, n_heads,
     * vocab_size, n_ctx, format (safetensors or pytorch), dtype of the weights (float16, or e.g. float16+float32 when
     * mixed) and n_params (elements of the tensors the model uses, tied ones once).
     */
    public String json() {
        JsonObject o = new JsonObject();
        o.addProperty("name", name);
        o.addProperty("path", path.toString());
        o.addProperty("architecture", config.modelType());
        o.addProperty("n_layers", config.nLayers);
        o.addProperty("d_model", config.dModel);
        o.addProperty("d_mlp", config.dMlp);
        o.addProperty("n_heads", config.nHeads);
        o.addProperty("vocab_size", config.vocabSize);
        o.addProperty("n_ctx", config.nCtx);
        o.addProperty("format", format.lowerName());
        o.addProperty("dtype", dtype);
        o.addProperty("n_params", nParams);
        return new GsonBuilder().disableHtmlEscaping().create().toJson(o);
    }
}
