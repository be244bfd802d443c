package org.uneurons.accumulate;

import java.util.ArrayList;
import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.io.HalfFloats;
import org.uneurons.models.ActivationCheck;
import org.uneurons.models.ForwardResult;

/**
 * The finite check of a batch on the device (and, when the activations stand for float16 storage, the range check). Per layer, PyTorch's full max and min reductions (both propagate NaN;
 * +inf shows in the max, -inf in the min) read the layer once each; the 2 x layers results are stacked and copied
 * to the host in one transfer, so a batch costs one host round trip whatever its layer count. Only when a value is
 * not finite is that layer copied to the host and scanned for the first bad value, to name it exactly as the heap
 * path does.
 */
final class NonFinite {
    private NonFinite() {
    }

    static void check(List<NDArray> layers, DeviceBatch.Origin origin) {
        check(layers, origin, false);
    }

    /** As above; with {@code float16} a finite value beyond float16's range fails too (the same two reductions). */
    static void check(List<NDArray> layers, DeviceBatch.Origin origin, boolean float16) {
        List<NDArray> extremes = new ArrayList<>(2 * layers.size());
        float[] v;
        try {
            for (NDArray x : layers) {
                extremes.add(x.max());
                extremes.add(x.min());
            }
            try (NDArray stacked = NDArrays.stack(new NDList(extremes));
                 NDArray wide = stacked.toType(DataType.FLOAT32, false)) {
                v = wide.toFloatArray(); // the batch's one host round trip
            }
        } finally {
            extremes.forEach(NDArray::close);
        }
        for (int l = 0; l < layers.size(); l++) {
            if (!Float.isFinite(v[2 * l]) || !Float.isFinite(v[2 * l + 1])) {
                throw locate(layers.get(l), l, origin);
            }
            if (float16 && (HalfFloats.overflows(v[2 * l]) || HalfFloats.overflows(v[2 * l + 1]))) {
                throw locateOverflow(layers.get(l), l, origin);
            }
        }
    }

    /** Copies the failing layer to the host and names its first value beyond float16's range. */
    private static InputException locateOverflow(NDArray layer, int l, DeviceBatch.Origin o) {
        float[] values = ForwardResult.floats(layer);
        int d = Math.toIntExact(layer.getShape().tail());
        for (int i = 0; i < values.length; i++) {
            if (HalfFloats.overflows(values[i])) {
                return ActivationCheck.float16Overflow(o.model(), o.hook(), l, values[i], o.firstSequence(), o.ctx(),
                        i / d, i % d);
            }
        }
        return new InputException("checkpoint " + o.model() + ": " + o.hook() + " of layer " + l
                + " has a value beyond float16's range on the device that the host copy does not show");
    }

    /** Copies the failing layer to the host and names its first non-finite value (row-major order). */
    private static InputException locate(NDArray layer, int l, DeviceBatch.Origin o) {
        float[] values = ForwardResult.floats(layer);
        int d = Math.toIntExact(layer.getShape().tail());
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                return ActivationCheck.nonFinite(o.model(), o.hook(), l, values[i], o.firstSequence(), o.ctx(),
                        i / d, i % d);
            }
        }
        return new InputException("checkpoint " + o.model() + ": " + o.hook() + " of layer " + l
                + " has a non-finite value on the device that the host copy does not show");
    }
}
