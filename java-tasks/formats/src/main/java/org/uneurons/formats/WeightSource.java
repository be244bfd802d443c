package org.uneurons.formats;

import java.nio.file.Path;
import java.util.Set;

import org.uneurons.core.io.TensorSource;

/**
 * Named float tensors for a model: a checkpoint on disk ({@link #of}: safetensors or pytorch_model.bin), or weights
 * made in memory (tests, benchmarks). Shapes are row-major.
 */
public interface WeightSource {
    Set<String> names();

    /** The file the tensors come from (named in messages), or null for weights made in memory. */
    default Path origin() {
        return null;
    }

    long[] shape(String name);

    /** The tensor's values converted to float32, row-major. */
    float[] floats(String name);

    /** A view of a checkpoint's tensors (F32, F16, BF16 are converted to float32 on read). */
    static WeightSource of(TensorSource tensors) {
        return new WeightSource() {
            @Override
            public Path origin() {
                return tensors.origin();
            }

            @Override
            public Set<String> names() {
                return tensors.names();
            }

            @Override
            public long[] shape(String name) {
                return tensors.info(name).shape();
            }

            @Override
            public float[] floats(String name) {
                return tensors.floats(name);
            }
        };
    }
}
