package org.uneurons.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.testing.ToolRunner;

/**
 * A run with no neuron past the threshold, as the demo's tiny models give: the per-layer distributions are drawn,
 * charts with nothing to draw become sentences, percentage axes never read "-0%", and the properties section falls
 * back to the most universal neurons with the rule stated.
 */
class NoUniversalTest {
    @TempDir
    static Path shared;
    static Fixture fx;
    /** The control (no universal neuron, excess near 0.01) with statistics columns: act_freq_paper, kurt and kurt_binned. */
    static Path control;
    static Path out;
    static String html;
    static ToolRunner run;

    @BeforeAll
    static void report() throws IOException {
        fx = new Fixture(Files.createDirectories(shared.resolve("in")));
        List<String> lines = new ArrayList<>(Files.readAllLines(fx.control));
        lines.set(0, lines.get(0) + ",act_freq_paper,kurt,kurt_binned");
        for (int i = 0; i < Fixture.N; i++) {
            lines.set(i + 1, lines.get(i + 1) + "," + actFreq(i) + "," + (3.0 + i % 7) + "," + kurtBinned(i));
        }
        control = shared.resolve("control-stats.csv");
        Files.write(control, lines);
        out = shared.resolve("out");
        run = ToolRunner.run(new ReportTool(), "--neurons", "control=" + control, "--outdir", out.toString());
        html = run.exitCode == 0 ? Files.readString(out.resolve("report/index.html")) : "";
    }

    static double actFreq(int i) {
        return 0.05 + 0.001 * ((i * 37) % 101);
    }

    static double kurtBinned(int i) {
        return 2.5 + 0.01 * ((i * 53) % 97);
    }

    @Test
    void chartsWithNothingToDrawAreSentences() throws IOException {
        assertEquals(0, run.exitCode, run.toString());
        double max = Arrays.stream(fx.excess[1]).max().orElseThrow();
        assertTrue(max < 0.1, "the control has no neuron above the lowest threshold: " + max);
        Set<String> files = new HashSet<>();
        try (var s = Files.list(out.resolve("report"))) {
            s.forEach(p -> files.add(p.getFileName().toString()));
        }
        for (String absent : List.of("layer_universal.png", "layer_above_0.10.png", "layer_above_0.30.png", "threshold_sweep.png")) {
            assertFalse(files.contains(absent), absent + " has nothing to draw");
            assertFalse(files.contains(ReportCharts.svg(absent)), absent + ": no SVG either");
        }
        assertTrue(files.contains("layer_excess.png") && files.contains("layer_excess.csv"), "the distributions are drawn");
        assertEquals(files.stream().filter(f -> f.endsWith(".png")).count(), SvgFigures.checkAll(out.resolve("report")));
        assertTrue(html.contains("<p class=\"empty\">No neuron of control is universal (excess above 0.50), has excess above"
                + " 0.30, above 0.20 or above 0.10 in any layer: no chart to draw for those; the boxes above show the depth"
                + " profile.</p>"), html);
        assertTrue(html.contains("<p class=\"empty\">No neuron of any group has excess correlation above 0.10, the lowest"
                + " threshold"), html);
    }

    @Test
    void boxPlotDataAreTheLayersQuartiles() throws IOException {
        List<String> csv = Files.readAllLines(out.resolve("report/layer_excess.csv"));
        assertEquals("group,layer,neurons,mean,min,q1,median,q3,max,whisker_low,whisker_high,beyond_whiskers", csv.get(0));
        for (int l = 0; l < Fixture.LAYERS; l++) {
            double[] e = Arrays.copyOfRange(fx.excess[1], l * Fixture.D, (l + 1) * Fixture.D);
            Arrays.sort(e);
            // numpy's default percentile (linear): position q (n - 1); n = 64, so q1 at 15.75, median at 31.5, q3 at 47.25
            double q1 = e[15] + 0.75 * (e[16] - e[15]);
            double med = (e[31] + e[32]) / 2;
            double q3 = e[47] + 0.25 * (e[48] - e[47]);
            double lo = Double.NaN;
            double hi = Double.NaN;
            int beyond = 0;
            for (double v : e) {
                if (v < q1 - 1.5 * (q3 - q1) || v > q3 + 1.5 * (q3 - q1)) {
                    beyond++;
                } else {
                    lo = Double.isNaN(lo) ? v : Math.min(lo, v);
                    hi = Double.isNaN(hi) ? v : Math.max(hi, v);
                }
            }
            String[] f = csv.get(1 + l).split(",");
            assertEquals("control", f[0]);
            assertEquals(l, Integer.parseInt(f[1]));
            assertEquals(64, Integer.parseInt(f[2]));
            assertEquals(e[0], Double.parseDouble(f[4]));
            assertEquals(q1, Double.parseDouble(f[5]), 1e-15);
            assertEquals(med, Double.parseDouble(f[6]), 1e-15);
            assertEquals(q3, Double.parseDouble(f[7]), 1e-15);
            assertEquals(e[63], Double.parseDouble(f[8]));
            assertEquals(lo, Double.parseDouble(f[9]));
            assertEquals(hi, Double.parseDouble(f[10]));
            assertEquals(beyond, Integer.parseInt(f[11]));
        }
    }

    @Test
    void propertiesFallBackToTheMostUniversalNeurons() {
        String rule = "No neuron of control is universal at the run&#39;s threshold (0.50), so its most universal neurons"
                + " stand in: the top 1% (the 2 = ⌈1% × 192⌉ neurons with the highest excess_corr) and the top 5% (the 10"
                + " = ⌈5% × 192⌉ neurons with the highest excess_corr); equal excess goes to the earlier row.";
        assertTrue(html.contains("<p class=\"rule\" data-key=\"rule\">" + rule + "</p>"), html);
        // the columns used: the paper's act frequency and the binned kurtosis; no act mean column, no row
        assertTrue(html.contains("<tr data-metric=\"kurt\"><td>act kurtosis</td><td><code>kurt_binned</code></td>"), html);
        assertTrue(html.contains("<tr data-metric=\"act_freq\"><td>act frequency</td><td><code>act_freq_paper</code></td>"), html);
        assertFalse(html.contains("data-metric=\"mean\""), "no mean column");
        assertTrue(html.contains("from the binned pre-activation histogram: <code>kurt_binned</code>"), "binned named");
        assertTrue(html.contains("The table has no binned column for <code>act_freq_paper</code>"), "exact fallback named");
        // the top 1%: the two neurons of highest excess, their median kurt_binned and act frequency
        Integer[] order = new Integer[Fixture.N];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -fx.excess[1][i]).thenComparingInt(i -> i));
        String kurt = rowOf("<tr data-metric=\"kurt\">");
        assertTrue(kurt.contains("data-key=\"value_0\">" + Fmt.value((kurtBinned(order[0]) + kurtBinned(order[1])) / 2) + "</td>"), kurt);
        double[] top10 = new double[10];
        for (int k = 0; k < 10; k++) {
            top10[k] = actFreq(order[k]);
        }
        Arrays.sort(top10);
        String freq = rowOf("<tr data-metric=\"act_freq\">");
        assertTrue(freq.contains("data-key=\"value_1\">" + Fmt.value((top10[4] + top10[5]) / 2) + "</td>"), freq);
        assertTrue(freq.contains("<td class=\"n\" data-key=\"pct_rest\">"), "the rest below the top 5%");
        assertTrue(html.contains("<th class=\"n\">top 1% <small>(2)</small></th><th class=\"n\">top 5% <small>(10)</small></th>"
                + "<th class=\"n\">below the top 5%</th>"), "the selections' columns");
        assertTrue(freq.contains("<td class=\"n paper\" data-key=\"paper_0\">0.025</td><td class=\"n paper\" data-key=\"paper_1\">0.036</td>"),
                "the paper's GPT-2 medians beside: " + freq);
    }

    @Test
    void percentagesNeverReadMinusZero() {
        Charts.PercentFormat whole = new Charts.PercentFormat(0);
        assertEquals("0%", whole.format(-0.0));
        assertEquals("0%", whole.format(-1e-18));
        assertEquals("0%", whole.format(-0.004));
        assertEquals("-1%", whole.format(-0.01));
        Charts.PercentFormat two = new Charts.PercentFormat(2);
        assertEquals("0.00%", two.format(-0.00001));
        assertEquals("0.03%", two.format(1 / 3072.0));
        assertEquals("12.50%", two.format(0.125));
    }

    @Test
    void percentageAxisOfOneNeuronInALayer() {
        // one neuron of 3,072 in one layer: the axis starts at 0, reaches it, and its tick labels are distinct
        LinkedHashMap<String, LinkedHashMap<String, Double>> bars = new LinkedHashMap<>();
        LinkedHashMap<String, Double> byLayer = new LinkedHashMap<>();
        byLayer.put("L0", 0.0);
        byLayer.put("L1", 1 / 3072.0);
        bars.put("trained", byLayer);
        JFreeChart chart = Charts.barChart("t", "layer", "fraction", bars, new int[] {0}, true, null, null);
        BufferedImage img = chart.createBufferedImage(Charts.WIDTH, Charts.HEIGHT); // lays out the axis: picks its ticks
        assertTrue(img.getWidth() > 0);
        NumberAxis axis = (NumberAxis) chart.getCategoryPlot().getRangeAxis();
        assertEquals(0.0, axis.getLowerBound());
        assertTrue(axis.getUpperBound() >= 1 / 3072.0);
        double unit = axis.getTickUnit().getSize();
        List<String> labels = new ArrayList<>();
        for (double v = 0; v <= axis.getUpperBound() + 1e-15; v += unit) {
            labels.add(axis.getTickUnit().valueToString(v));
        }
        assertTrue(labels.size() >= 3, labels.toString());
        assertEquals(labels.size(), new HashSet<>(labels).size(), "distinct tick labels: " + labels);
        assertTrue(labels.stream().noneMatch(s -> s.startsWith("-")), labels.toString());
        assertTrue(labels.get(0).matches("0(\\.0+)?%"), "0 reads 0: " + labels);
        // all zero (never drawn by the report, but the axis stays sane): [0, 1], not +-1e-8 around 0
        byLayer.put("L1", 0.0);
        NumberAxis zero = (NumberAxis) Charts.barChart("t", "layer", "fraction", bars, new int[] {0}, true, null, null)
                .getCategoryPlot().getRangeAxis();
        assertEquals(0.0, zero.getLowerBound());
        assertEquals(1.0, zero.getUpperBound());
    }

    private static String rowOf(String start) {
        int a = html.indexOf(start);
        assertTrue(a >= 0, start);
        return html.substring(a, html.indexOf("</tr>", a) + 5);
    }
}
