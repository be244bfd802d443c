package org.uneurons.core.io;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * Named tensors of a checkpoint: one safetensors file ({@link Safetensors}), one pytorch_model.bin ({@link TorchFile}),
 * or a checkpoint directory in any of Hugging Face's four layouts ({@link CheckpointWeights}). Asking for a tensor that
 * is not there is an {@link org.uneurons.core.cli.InputException} naming the file and the tensor.
 */
public interface TensorSource extends AutoCloseable {
    /** The file that lists the tensors (the weights file, or the index of a sharded checkpoint), for messages. */
    Path origin();

    /** Tensor names, sorted. */
    Set<String> names();

    boolean contains(String name);

    TensorInfo info(String name);

    /** The values of a F32, F16, BF16 or F64 tensor as float, row-major. */
    float[] floats(String name);

    /** The values of an integer tensor (I64, I32, I16, I8, U32, U16, U8, BOOL, U64 up to Long.MAX_VALUE). */
    long[] longs(String name);

    /** The values of an integer tensor as int; a value outside the int range is an error. */
    int[] ints(String name);

    /**
     * The SHA-256 digest of one tensor ({@link WeightsDigest}: name, dtype, shape and bytes), computed while the
     * tensor was read, or now.
     */
    byte[] digest(String name);

    /** The content hash of every tensor, 64 hex digits ({@link WeightsDigest}): the identity of the weights. */
    default String sha256() {
        return WeightsDigest.sha256(this);
    }

    /** The string metadata of the file ({@code __metadata__}) or of the index ({@code metadata}). */
    Map<String, String> metadata();

    @Override
    void close();
}
