package org.uneurons.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report's small parsers and its histogram, against hand-made values. */
class PartsTest {
    @TempDir
    Path dir;

    @Test
    void durationsPrint() {
        assertEquals("850 ms", Fmt.duration(850));
        assertEquals("12.3 s", Fmt.duration(12_300));
        assertEquals("1 m 04 s", Fmt.duration(64_000));
        assertEquals("2 h 05 m", Fmt.duration(2 * 3_600_000 + 5 * 60_000));
    }

    @Test
    void paramsFromJsonAndKeyValueLines() throws IOException {
        Path json = dir.resolve("p.json");
        Files.writeString(json, "{\"threshold\": 0.5, \"models\": {\"n\": 3}, \"seeds\": [1, 2], \"name\": \"demo\"}");
        assertEquals(Map.of("threshold", "0.5", "models.n", "3", "seeds", "1, 2", "name", "demo"), Params.read(json));
        Path kv = dir.resolve("p.txt");
        Files.writeString(kv, "# comment\nthreshold = 0.5\nname: 'demo'  # trailing comment\nurlish=a=b\n");
        assertEquals(List.of("threshold", "name", "urlish"), List.copyOf(Params.read(kv).keySet()));
        assertEquals("demo", Params.read(kv).get("name"));
        assertEquals("a=b", Params.read(kv).get("urlish"));
    }

    @Test
    void densityIntegratesToOneAndKeepsTheMaximum() {
        SplittableRandom r = new SplittableRandom(3);
        double[] a = new double[1000];
        double[] b = new double[37];
        for (int i = 0; i < a.length; i++) {
            a[i] = r.nextGaussian();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = 5 + r.nextDouble();
        }
        double[] edges = Analysis.edges(List.of(a, b), 40);
        for (double[] x : List.of(a, b)) {
            double[] d = Analysis.density(x, edges);
            double width = edges[1] - edges[0];
            double integral = 0;
            for (double v : d) {
                integral += v * width;
            }
            assertEquals(1.0, integral, 1e-12);
        }
        // every value counted once: the maximum lands in the last bin, not past it
        double[] d = Analysis.density(b, edges);
        int counted = 0;
        for (double v : d) {
            counted += (int) Math.round(v * (edges[1] - edges[0]) * b.length);
        }
        assertEquals(b.length, counted);
        // one distinct value still gives a finite histogram
        double[] same = {0.3, 0.3, 0.3};
        double[] e1 = Analysis.edges(List.of(same), 10);
        double[] d1 = Analysis.density(same, e1);
        assertEquals(1.0, d1[5] * (e1[1] - e1[0]), 1e-12);
    }
}
