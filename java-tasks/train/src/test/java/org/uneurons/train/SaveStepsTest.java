package org.uneurons.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.uneurons.train.TrainToolTest.VOCAB;
import static org.uneurons.train.TrainToolTest.json;
import static org.uneurons.train.TrainToolTest.periodicShard;
import static org.uneurons.train.TrainToolTest.tinyArgs;
import static org.uneurons.train.TrainToolTest.train;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.testing.ToolRunner;

/** --save-steps: checkpoints after chosen steps, without changing what training does. */
class SaveStepsTest {
    @TempDir
    Path tmp;

    private Path run(Path train, String name, String... extra) {
        Path out = tmp.resolve(name);
        ToolRunner r = train(tinyArgs(train, null, out, extra));
        assertEquals(0, r.exitCode, r.toString());
        return out;
    }

    private static byte[] weights(Path dir) throws Exception {
        return Files.readAllBytes(dir.resolve("model.safetensors"));
    }

    @Test
    void savedStepsLeaveTrainingAsItWasAndAreThatStepsWeights() throws Exception {
        Path train = periodicShard(tmp.resolve("train.h5"), 32, VOCAB);
        Path plain = run(train, "plain", "--seed", "5", "--steps", "6");
        Path saved = run(train, "saved", "--seed", "5", "--steps", "6", "--save-steps", "6,2,4,2");
        Path other = run(train, "other", "--seed", "5", "--steps", "6", "--save-steps", "2");
        // saving copies the weights and draws nothing: the final checkpoint is the same bytes
        assertArrayEquals(weights(plain), weights(saved), "final checkpoint with and without --save-steps");
        try (var dirs = Files.list(saved.resolve("steps"))) {
            assertEquals(List.of("step000002", "step000004", "step000006"),
                    dirs.map(p -> p.getFileName().toString()).sorted().toList());
        }
        for (String step : List.of("step000002", "step000004", "step000006")) {
            try (var files = Files.list(saved.resolve("steps").resolve(step))) {
                assertEquals(List.of("config.json", "model.safetensors", "training.json"),
                        files.map(p -> p.getFileName().toString()).sorted().toList(), step);
            }
        }
        // the last step's checkpoint is the final one; an earlier step's is not; the same step of another run (another
        // save list) is the same bytes
        assertArrayEquals(weights(saved), weights(saved.resolve("steps/step000006")));
        assertFalse(java.util.Arrays.equals(weights(saved), weights(saved.resolve("steps/step000002"))));
        assertFalse(java.util.Arrays.equals(weights(saved.resolve("steps/step000002")), weights(saved.resolve("steps/step000004"))));
        assertArrayEquals(weights(saved.resolve("steps/step000002")), weights(other.resolve("steps/step000002")));
        assertEquals(Files.readString(saved.resolve("config.json")), Files.readString(saved.resolve("steps/step000004/config.json")));
        var info = json(saved.resolve("steps/step000004/training.json"));
        assertEquals(4, info.get("step").getAsInt());
        assertEquals(5, info.get("seed").getAsInt());
        assertEquals(4L * 8 * TrainToolTest.CTX, info.get("tokens_seen").getAsLong());
        // a run of 4 steps is not step 4 of a run of 6: the learning-rate schedule spans the whole run
        Path four = run(train, "four", "--seed", "5", "--steps", "4");
        assertFalse(java.util.Arrays.equals(weights(four), weights(saved.resolve("steps/step000004"))));
    }

    @Test
    void badSaveStepsAreOneLine() {
        Path train = periodicShard(tmp.resolve("train.h5"), 16, VOCAB);
        String[][] cases = {
            {"--steps", "4", "--save-steps", "2,9"}, {"--steps", "4", "--save-steps", "0"},
            {"--steps", "4", "--save-steps", "two"}, {"--steps", "0", "--save-steps", "1"},
        };
        String[] want = {
            "train: error: --save-steps: 9 is beyond --steps 4 (expected integers 1..4)",
            "train: error: --save-steps: 0 is below 1 (expected integers 1..4)",
            "train: error: --save-steps: 'two' is not a step (expected integers 1..4)",
            "train: error: --save-steps: 1 with --steps 0 (the initialisation has no later step)",
        };
        for (int i = 0; i < cases.length; i++) {
            Path out = tmp.resolve("bad" + i);
            ToolRunner r = train(tinyArgs(train, null, out, cases[i]));
            assertEquals(2, r.exitCode, r.toString());
            assertEquals(want[i], r.errorLine());
            assertFalse(Files.exists(out.resolve("model.safetensors")));
        }
    }
}
