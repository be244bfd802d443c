package org.uneurons.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.testing.TestData;

/**
 * The content hash of a checkpoint's weights ({@link WeightsDigest}) against the values testdata/hf/weights_sha256.py
 * computes with Python's hashlib from the safetensors originals (the pytorch_model.bin twins rebuilt as their logical
 * tensors): every layout (safetensors, a .bin with shared storages and a transposed view, sharded .bin), whatever
 * order the tensors are read in, read or not before.
 */
class WeightsDigestTest {
    @TempDir
    Path tmp;

    /** The values weights_sha256.py prints. */
    static final Map<String, String> PYTHON = Map.of(
            "gpt2-tiny", "2e87fca4f7811dfb4fa24529d70dba4e39bbb82b7569634752aca1b0a5a26fad",
            "gpt2-tiny-bin", "b76f4ac4253cc3f39f7dfd9f60a2fb8ddf92c2c2b7a78756e502a476981216dd",
            "gpt2-tiny-bin16", "3e7091ffeadd58b342293dc72f7c1659394ab410b3b909e29a625467e2ac286e",
            "neox-tiny", "22343d8636e3cfe6cbc109fd3242c88162a0a7f85a04b7a9d9bb9ee46b635a2f",
            "neox-tiny-bin", "432627140010b348c4a23a8b91fe8e639b20b28e4549d400c2a4190eb5d3f093");

    @Test
    void everyFixtureHashesAsPythonsHashlibDoes() {
        for (Map.Entry<String, String> e : PYTHON.entrySet()) {
            try (CheckpointWeights w = CheckpointWeights.open(TestData.hf(e.getKey()))) {
                assertEquals(e.getValue(), w.sha256(), e.getKey());
            }
        }
    }

    @Test
    void readingTheTensorsFirstInAnyOrderGivesTheSameHash() {
        for (String name : List.of("gpt2-tiny", "gpt2-tiny-bin", "gpt2-tiny-bin16", "neox-tiny-bin")) {
            // gpt2-tiny-bin's c_fc weights are transposed views; neox's first tensor is a bfloat16 one
            String probe = name.startsWith("gpt2") ? "transformer.h.0.mlp.c_fc.weight" : "gpt_neox.embed_in.weight";
            byte[] fresh;
            try (CheckpointWeights w = CheckpointWeights.open(TestData.hf(name))) {
                fresh = w.digest(probe);
            }
            try (CheckpointWeights w = CheckpointWeights.open(TestData.hf(name))) {
                List<String> names = new ArrayList<>(w.names());
                Collections.reverse(names);
                for (String n : names.subList(0, names.size() / 2)) {
                    if (w.info(n).dtype().isFloating()) {
                        w.floats(n); // digested while read
                    } else {
                        w.longs(n);
                    }
                }
                assertEquals(PYTHON.get(name), w.sha256(), name + ": half the tensors read first");
                assertArrayEquals(fresh, w.digest(probe), name + ": a tensor's digest read or not");
            }
        }
    }

    @Test
    void oneChangedWeightChangesTheHash() {
        Path a = tmp.resolve("a.safetensors");
        Path b = tmp.resolve("b.safetensors");
        float[] w = new float[4096];
        for (int i = 0; i < w.length; i++) {
            w[i] = i * 1e-3f;
        }
        new SafetensorsWriter().putF32("w", w, 64, 64).putF32("bias", new float[64], 64).write(a);
        float[] changed = w.clone();
        changed[4095] = Math.nextUp(changed[4095]);
        new SafetensorsWriter().putF32("w", changed, 64, 64).putF32("bias", new float[64], 64).write(b);
        Path c = tmp.resolve("c.safetensors");
        new SafetensorsWriter().putF32("w", w, 4096).putF32("bias", new float[64], 64).write(c);
        try (Safetensors x = Safetensors.open(a); Safetensors y = Safetensors.open(b); Safetensors z = Safetensors.open(c)) {
            assertNotEquals(x.sha256(), y.sha256(), "one ulp of one weight");
            assertNotEquals(x.sha256(), z.sha256(), "the same bytes in another shape");
            assertArrayEquals(x.digest("bias"), y.digest("bias"));
            assertEquals(64, x.sha256().length());
        }
    }
}
