package org.uneurons.accumulate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import org.uneurons.core.stats.Gemm;

/**
 * The operand formats and batch products of each {@link Gemm.Precision} on a DJL device; the totals they are added
 * to are always float64.
 *
 * <ul>
 *   <li>float64: the centred batch as it is, a float64 {@code matMul}.</li>
 *   <li>float32: the centred batch rounded to float32, a float32 {@code matMul}.</li>
 *   <li>tf32: the centred float32 batch rounded to TF32 (11 significant bits, round to nearest) on the device, then
 *   a float32 {@code matMul}: exactly the operands a TF32 tensor core reads, float32 accumulation and result.</li>
 *   <li>bf16: the centred float32 batch rounded to bfloat16 (8 significant bits, round to nearest) on the device,
 *   then a float32 {@code matMul}: the operands of a bf16 tensor-core GEMM, float32 accumulation and a float32
 *   result (a bf16 GEMM would round its result to bf16 too; this one does not).</li>
 * </ul>
 *
 * <p>Both roundings are three elementwise float32 passes (Veltkamp splitting), so they run on every device and the
 * CPU device measures exactly the error a GPU run makes, up to the float32 accumulation order. The operands stay
 * float32 tensors: DJL 0.33's PyTorch binding aborts the process on a bfloat16 tensor ({@code toType(BFLOAT16)}
 * ends in "terminate called without an active exception", measured on the CPU engine), so a bf16 tensor is never
 * made. On CUDA the float32 {@code matMul} of tf32- or bf16-valued operands runs on TF32 tensor cores when
 * PyTorch's process-wide switch is on ({@code TORCH_ALLOW_TF32_CUBLAS_OVERRIDE=1}, set by conf/gpu.config for
 * {@code --gemm tf32|bf16}; DJL has no per-call setting), and TF32 represents bf16 values exactly, so both run at
 * the TF32 rate with the numbers computed here; without the switch they run on the float32 units, same numbers.
 */
final class Products {
    /** 2^13 + 1: Veltkamp's splitter keeping 24 - 13 = 11 significant bits of a float32 (TF32). */
    static final float TF32_SPLITTER = 8193f;
    /** 2^16 + 1: keeps 24 - 16 = 8 significant bits (bfloat16). */
    static final float BF16_SPLITTER = 65537f;

    private Products() {
    }

    /** The product operand of a centred float64 layer in {@code p}'s format; closes {@code centred} if it returns another. */
    static NDArray operand(NDArray centred, Gemm.Precision p) {
        if (p == Gemm.Precision.FLOAT64) {
            return centred;
        }
        NDArray f32 = centred.toType(DataType.FLOAT32, true);
        centred.close();
        return switch (p) {
            case FLOAT32 -> f32;
            case TF32 -> round(f32, TF32_SPLITTER);
            case BF16 -> round(f32, BF16_SPLITTER);
            default -> throw new IllegalStateException(p.toString());
        };
    }

    /** {@code x^T y} of two operands of the same format (float64 or float32), ready to add to float64 totals. */
    static NDArray product(NDArray x, NDArray y) {
        try (NDArray xt = x.transpose()) {
            return xt.matMul(y);
        }
    }

    /**
     * Rounds float32 values to fewer significant bits by Veltkamp splitting: {@code c = x * splitter},
     * {@code hi = c - (c - x)}, three elementwise passes, exact in float32 for |x| below 3.4e38 / splitter (4e34
     * for TF32, 5e33 for bf16: activations never come near). Returns a new array and closes {@code x}.
     */
    static NDArray round(NDArray x, float splitter) {
        NDArray c = x.mul(splitter);
        try (NDArray low = c.sub(x)) {
            c.subi(low); // c - (c - x)
        }
        x.close();
        return c;
    }
}
