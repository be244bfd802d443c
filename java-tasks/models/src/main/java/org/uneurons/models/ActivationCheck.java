package org.uneurons.models;

import org.uneurons.core.cli.InputException;
import org.uneurons.core.io.HalfFloats;

/**
 * The checks every reader of a forward pass applies before activations go anywhere (extract's files, correlate-fused's
 * totals and statistics, on the host or the device): every value finite, and at float16 storage every value within
 * float16's range. One wording for all of them, naming the checkpoint, hook, layer, sequence, position and neuron.
 */
public final class ActivationCheck {
    private ActivationCheck() {
    }

    /**
     * Checks v[0..count) of one layer ([rows x dMlp], rows sequence-major from sequence {@code firstSeq}, {@code ctx}
     * tokens each); with {@code float16} also rounds them in place to float16, as storing them would.
     */
    public static void check(float[] v, int count, String model, String hook, int layer, int firstSeq, int ctx,
                             int dMlp, boolean float16) {
        for (int i = 0; i < count; i++) {
            if (!Float.isFinite(v[i])) {
                throw nonFinite(model, hook, layer, v[i], firstSeq, ctx, i / dMlp, i % dMlp);
            }
        }
        if (float16) {
            int bad = HalfFloats.roundToHalfInPlace(v, count);
            if (bad >= 0) {
                throw float16Overflow(model, hook, layer, v[bad], firstSeq, ctx, bad / dMlp, bad % dMlp);
            }
        }
    }

    public static InputException nonFinite(String model, String hook, int layer, float value, int firstSeq, int ctx,
                                           int row, int neuron) {
        return new InputException(where(model, hook, layer, value, firstSeq, ctx, row, neuron)
                + " (the weights produce non-finite activations)");
    }

    public static InputException float16Overflow(String model, String hook, int layer, float value, int firstSeq,
                                                 int ctx, int row, int neuron) {
        return new InputException(where(model, hook, layer, value, firstSeq, ctx, row, neuron)
                + ", beyond float16's range (" + (int) HalfFloats.MAX + "): use --dtype float32");
    }

    private static String where(String model, String hook, int layer, float value, int firstSeq, int ctx, int row,
                                int neuron) {
        return "checkpoint " + model + ": " + hook + " of layer " + layer + " is " + value + " at sequence "
                + (firstSeq + row / ctx) + ", position " + (row % ctx) + ", neuron " + neuron;
    }
}
