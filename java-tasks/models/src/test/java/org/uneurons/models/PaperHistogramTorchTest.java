package org.uneurons.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.junit.jupiter.api.Test;
import org.uneurons.core.io.HalfFloats;
import org.uneurons.core.stats.PaperHistogram;

/**
 * The paper's histogram inputs against PyTorch itself (through DJL, the engine the project runs): its float32
 * {@code linspace(-10, 15, 256)} bit for bit, and its float16 rounding ({@code .to(torch.float16)}, which the paper
 * applied to the activations before binning) on values around the edges and beyond float16's range.
 */
class PaperHistogramTorchTest {
    @Test
    void edgesAreTorchsLinspace() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            float[] torch = m.linspace(-10f, 15f, 256).toFloatArray();
            float[] ours = PaperHistogram.edges();
            for (int i = 0; i < 256; i++) {
                assertEquals(Float.floatToIntBits(torch[i]), Float.floatToIntBits(ours[i]), "edge " + i + ": torch "
                        + torch[i] + ", here " + ours[i]);
            }
        }
    }

    @Test
    void float16RoundingIsTorchs() {
        SplittableRandom r = new SplittableRandom(3);
        float[] edges = PaperHistogram.edges();
        float[] x = new float[edges.length * 3 + 20_000 + 8];
        int k = 0;
        for (float e : edges) {
            x[k++] = e;
            x[k++] = Math.nextUp(e);
            x[k++] = Math.nextDown(e);
        }
        for (int i = 0; i < 20_000; i++) {
            x[k++] = (float) r.nextDouble(-12, 17);
        }
        for (float v : new float[] {65504f, 65519.99f, 65520f, -65520f, 1e6f, -0f, 6e-8f, 2.98e-8f}) {
            x[k++] = v;
        }
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray a = m.create(x);
            float[] torch = a.toType(DataType.FLOAT16, false).toType(DataType.FLOAT32, false).toFloatArray();
            for (int i = 0; i < x.length; i++) {
                float ours = HalfFloats.halfToFloat(HalfFloats.floatToHalf(x[i]));
                assertEquals(Float.floatToIntBits(torch[i]), Float.floatToIntBits(ours), "x = " + x[i]);
            }
        }
    }
}
