package org.uneurons.chains;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.jhdf.HdfFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.stats.PairMoments;
import org.uneurons.core.stats.ReferencePearson;
import org.uneurons.core.stats.RowSummaries;
import org.uneurons.core.stats.Synthetic;
import org.uneurons.core.testing.ToolRunner;
import org.uneurons.correlate.CorrelateTool;
import org.uneurons.formats.MomentsFile;
import org.uneurons.formats.testing.TestActivations;
import org.uneurons.merge.MergeTool;
import org.uneurons.finalise.FinaliseTool;

/**
 * correlate (staged) into merge into finalise, as the pipeline runs them: partials from the device accumulator and
 * from the heap merge into the moments of one pass, and finalise reads them.
 */
class CorrelateMergeFinaliseTest {
    @TempDir
    Path dir;

    private static final Map<String, Object> GPT2 = Map.of("filter_ids", "198,50256"); // what extract records for GPT-2 tokens

    /** Runs correlate on rows from..to of the synthetic data as shard {@code name}; returns the partial. */
    private Path partial(Synthetic s, int[] ids, int from, int to, String name, String... extra) {
        float[][] a = Synthetic.rows(s.a, s.dA, from, to);
        float[][] b = Synthetic.rows(s.b, s.dB, from, to);
        int[] sid = Arrays.copyOfRange(ids, from, to);
        Path fa = TestActivations.write(dir.resolve(name + ".a.h5"), "model-a", name, a, s.dA, sid, GPT2);
        Path fb = TestActivations.write(dir.resolve(name + ".b.h5"), "model-b", name, b, s.dB, sid, GPT2);
        Path out = dir.resolve(name + ".moments.h5");
        List<String> argv = new ArrayList<>(List.of("--a", fa.toString(), "--b", fb.toString(), "--output", out.toString(),
                "--gemm", "float64", "--batch-tokens", "64"));
        argv.addAll(List.of(extra));
        ToolRunner r = ToolRunner.run(new CorrelateTool(), argv.toArray(new String[0]));
        assertEquals(0, r.exitCode, r.toString());
        return out;
    }

    @Test
    void partialsFromTheDeviceAccumulatorMergeAndFinaliseAsTheHeapOnes() {
        Synthetic s = Synthetic.adversarial(64, 360, 2, 5, 2, 4);
        int[] ids = TestActivations.gpt2LikeIds(s.tokens, 9);
        Path whole = partial(s, ids, 0, 360, "all");
        // shards from the device accumulator (CPU engine), one from the heap: one merge takes them all
        Path[] parts = {partial(s, ids, 0, 1, "d0", "--accumulator", "device"),
                partial(s, ids, 1, 200, "d1", "--accumulator", "device", "--device", "cpu"),
                partial(s, ids, 200, 360, "h2")};
        Path merged = dir.resolve("merged-device.h5");
        ToolRunner r = ToolRunner.run(new MergeTool(), "--input", parts[0] + "," + parts[1] + "," + parts[2],
                "--output", merged.toString());
        assertEquals(0, r.exitCode, r.toString());
        PairMoments m = MomentsFile.read(merged);
        assertEquals(MomentsFile.read(whole).count(), m.count());
        double err = ReferencePearson.maxAbsDiff(ReferencePearson.fromMoments(m),
                ReferencePearson.fromMoments(MomentsFile.read(whole)));
        System.out.printf(Locale.ROOT, "merge of device-accumulator partials vs one heap pass: max |dr| = %.3e%n", err);
        assertTrue(err <= 1e-9, "max |dr| " + err);
        Path summary = dir.resolve("summary-device.h5");
        r = ToolRunner.run(new FinaliseTool(), "--input", parts[1].toString(), "--output", summary.toString(),
                "--top-k", "2", "--baseline", "both");
        assertEquals(0, r.exitCode, r.toString());
        RowSummaries want = RowSummaries.of(MomentsFile.read(parts[1]), 2);
        try (HdfFile f = new HdfFile(summary)) {
            assertTrue(Arrays.equals(want.max, (double[]) f.getDatasetByPath("/max_corr").getData()));
        }
    }
}
