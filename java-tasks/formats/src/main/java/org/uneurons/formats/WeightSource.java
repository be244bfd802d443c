package org.uneurons.formats;

import java.util.Set;

import org.uneurons.core.io.TensorSource;

/**
 * Named float tensors for a model: a safetensors checkpoint on disk ({@link #of}), or weights made in memory
 * (tests, benchmarks). Shapes are row-major.
 */
public interface WeightSource {
    Set<String> names();

    long[] shape(String name);

    /** The tensor's values converted to float32, row-major. */
    float[] floats(String name);

    /** A view of safetensors tensors (F32, F16, BF16 are converted to float32 on read). */
    static WeightSource of(TensorSource tensors) {
        return new WeightSource() {
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
