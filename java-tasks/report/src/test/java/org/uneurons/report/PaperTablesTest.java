package org.uneurons.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.testing.TestData;
import org.uneurons.core.testing.ToolRunner;

/**
 * The paper's own released tables (java-tasks/testdata/paper-tables, copied from its repository) read as references
 * against an anchor of GPT-2 small's shape: their per-layer universal fractions as the report computes them are the
 * ones METHOD 4 gives, and the older-format table with an index column parses.
 */
class PaperTablesTest {
    static final int LAYERS = 12;
    static final int D = 3072;

    @TempDir
    static Path dir;
    /** A synthetic anchor of GPT-2 small's shape; neurons with excess above 0.5 are universal. */
    static Path anchor;
    static Set<Integer> anchorUniversal = new HashSet<>();

    @BeforeAll
    static void anchor() throws IOException {
        SplittableRandom r = new SplittableRandom(11);
        StringBuilder sb = new StringBuilder("layer,neuron,mean_corr,mean_baseline,excess_corr,is_universal\n");
        for (int i = 0; i < LAYERS * D; i++) {
            double e = 0.6 * r.nextDouble() * r.nextDouble();
            if (e > 0.5) {
                anchorUniversal.add(i);
            }
            sb.append(i / D).append(',').append(i % D).append(',').append(0.15 + e).append(",0.15,").append(e).append(',')
                    .append(e > 0.5 ? 1 : 0).append('\n');
        }
        anchor = dir.resolve("neurons.csv");
        Files.writeString(anchor, sb.toString());
    }

    static Path table(String model, String name) {
        return TestData.root().resolve("paper-tables").resolve(model).resolve(name);
    }

    @Test
    void gpt2SmallUniversalTableGivesMethodsPerLayerFractions() throws IOException {
        Path file = table("stanford-gpt2-small-a", "universal.csv");
        ReportModel.Reference r = reference(file);
        assertEquals(1533, r.rows());
        assertEquals(1533, r.referenceUniversal(), "every row of universal.csv has excess above 0.5");
        assertFalse(r.complete());
        assertFalse(r.flagged());
        assertEquals(1533, r.shared());
        // METHOD 4: small, % of d_mlp per layer
        assertEquals(List.of("7.23%", "7.94%", "3.29%", "3.58%", "2.31%", "2.34%", "1.82%", "3.65%", "3.29%", "4.62%",
                "4.07%", "5.76%"), r.byLayer().stream().map(l -> Fmt.percent(l.reference().fraction())).toList());
        // the overlap with the synthetic anchor, counted here from the file's own lines
        Set<Integer> paper = new HashSet<>();
        List<String> lines = Files.readAllLines(file);
        List<String> header = List.of(lines.get(0).split(","));
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            paper.add(Integer.parseInt(f[header.indexOf("layer")]) * D + Integer.parseInt(f[header.indexOf("neuron")]));
        }
        Set<Integer> both = new HashSet<>(paper);
        both.retainAll(anchorUniversal);
        assertEquals(both.size(), r.both());
        assertEquals(anchorUniversal.size(), r.anchorUniversal());
        assertEquals(both.size() / (double) (paper.size() + anchorUniversal.size() - both.size()), r.jaccard(), 1e-15);
        assertEquals(anchorUniversal.size() - both.size(), r.onlyAnchor().total());
        assertEquals(paper.size() - both.size(), r.onlyReference().total());
        assertEquals(ReferenceBuilder.LISTED, r.onlyReference().neurons().size(), "the first 50 listed");
    }

    @Test
    void pythiaUniversalTableGivesMethodsPerLayerFractions() {
        ReportModel.Reference r = reference(table("pythia-160m", "universal.csv"));
        assertEquals(465, r.referenceUniversal());
        assertEquals(List.of("2.08%", "0.46%", "0.62%", "0.16%", "0.88%", "1.11%", "1.40%", "1.27%", "2.18%", "1.63%",
                "1.63%", "1.73%"), r.byLayer().stream().map(l -> Fmt.percent(l.reference().fraction())).toList());
    }

    @Test
    void olderTableWithAnIndexColumnParses() {
        // an unnamed pandas index column, older weight column names, no mean_corr: layer, neuron and excess_corr suffice
        ReportModel.Reference r = reference(table("stanford-gpt2-small-a", "high_excess_correlation.csv"));
        assertEquals(497, r.rows());
        assertEquals(497, r.referenceUniversal());
    }

    @Test
    void fullReportWithThePaperTable() throws IOException {
        Path out = dir.resolve("out");
        ToolRunner t = ToolRunner.run(new ReportTool(), "--neurons", "ours=" + anchor, "--reference",
                "paper=" + table("stanford-gpt2-small-a", "universal.csv"), "--outdir", out.toString());
        assertEquals(0, t.exitCode, t.toString());
        String html = Files.readString(out.resolve("report/index.html"));
        assertTrue(html.contains("data-key=\"reference_universal\">1,533</td>"), "the paper's count");
        assertTrue(html.contains("(<code>universal.csv</code>, 1,533 rows: a selection of the neurons of 12 layers x 3,072)"),
                "the reference described");
        for (String f : List.of("reference_layers.png", "reference_layers.csv", "reference_excess.png", "layer_excess.png")) {
            assertTrue(Files.size(out.resolve("report").resolve(f)) > 0, f);
        }
        assertTrue(Files.readAllLines(out.resolve("report/reference_layers.csv"))
                .contains(String.format(Locale.ROOT, "paper,0,222,3072,%s", 222 / 3072.0)), "layer 0: 222 of 3,072 (7.23%)");
    }

    private static ReportModel.Reference reference(Path file) {
        return ReportModelTest.model("--neurons", "ours=" + anchor, "--reference", "paper=" + file, "--outdir",
                dir.resolve("unused").toString()).reference();
    }
}
