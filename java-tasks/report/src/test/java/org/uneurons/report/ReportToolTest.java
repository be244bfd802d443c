package org.uneurons.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.testing.ToolRunner;
import org.uneurons.formats.ModelConfig;
import org.uneurons.formats.TrainLog;

class ReportToolTest {
    @TempDir
    static Path shared;
    static Fixture fx;
    /** The full report, built once: charts cost a second or so. */
    static Path full;
    static String html;
    static ToolRunner fullRun;

    @TempDir
    Path dir;

    @BeforeAll
    static void buildFullReport() throws IOException {
        fx = new Fixture(Files.createDirectories(shared.resolve("in")));
        Path out = shared.resolve("out");
        fullRun = ToolRunner.run(new ReportTool(), fullArgs(out));
        full = out.resolve("report");
        html = Files.exists(full.resolve("index.html")) ? Files.readString(full.resolve("index.html")) : "";
        // REPORT_KEEP=DIR keeps the synthetic inputs and report for a look (tools/screenshot-report.sh)
        String keep = System.getenv("REPORT_KEEP");
        if (keep != null) {
            copyTree(shared, Path.of(keep));
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    static String[] fullArgs(Path out) {
        return fullArgs(fx, out);
    }

    /** The command line of the full report of {@code fx}'s inputs. */
    static String[] fullArgs(Fixture fx, Path out) {
        List<String> a = new ArrayList<>(List.of("--neurons", "trained=" + fx.trained, "--neurons", "control=" + fx.control,
            "--layer-fractions", fx.layerFractions.toString(), "--percentiles", fx.percentiles.toString(),
            "--stats", fx.stats.toString(), "--shard", fx.vocabShard.toString(), "--shard", fx.gpt2Shard.toString(),
            "--model", "tiny-a=" + fx.modelDir, "--params", fx.params.toString(), "--param", "corpus=moby,sotu",
            "--train-log", "tiny-a=" + fx.trainLog, "--train-log", "control=" + fx.controlLog, "--top", "10", "--contexts", "3",
            "--outdir", out.toString()));
        for (Path t : fx.timings) {
            a.add("--timings");
            a.add(t.toString());
        }
        return a.toArray(String[]::new);
    }

    @Test
    void writesReportWithChartsAndNoExternalReferences() throws IOException {
        assertEquals(0, fullRun.exitCode, fullRun.toString());
        assertTrue(Files.isRegularFile(full.resolve("index.html")));
        assertFalse(html.toLowerCase(Locale.ROOT).contains("http://"), "no http:// reference");
        assertFalse(html.toLowerCase(Locale.ROOT).contains("https://"), "no https:// reference");
        assertFalse(html.toLowerCase(Locale.ROOT).contains("//cdn"), "no CDN");
        Matcher m = Pattern.compile("<img\\s+src=\"([^\"]*)\"").matcher(html);
        List<String> srcs = new ArrayList<>();
        while (m.find()) {
            srcs.add(m.group(1));
        }
        // 3 densities, sweep, layer boxes, universal per layer, above 0.3, 0.2 and 0.1 per layer, properties, loss
        assertEquals(11, srcs.size(), srcs.toString());
        for (String src : srcs) {
            if (src.startsWith("data:")) {
                assertTrue(src.startsWith("data:image/png;base64,"), src);
                continue;
            }
            assertFalse(src.contains("/") || src.contains(".."), "image beside index.html: " + src);
            Path png = full.resolve(src);
            assertTrue(Files.isRegularFile(png), src);
            byte[] head = Arrays.copyOf(Files.readAllBytes(png), 8);
            assertEquals("\u0089PNG", new String(head, 0, 4, StandardCharsets.ISO_8859_1), src + " is a PNG");
        }
        // every src/href in the page is local
        Matcher any = Pattern.compile("(?:src|href)=\"([^\"]*)\"").matcher(html);
        while (any.find()) {
            String v = any.group(1);
            String file = v.indexOf('#') > 0 ? v.substring(0, v.indexOf('#')) : v; // a page of the neuron browser
            assertTrue(v.startsWith("#") || v.startsWith("data:") || Files.exists(full.resolve(file)), v);
        }
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        for (String tag : List.of("html", "head", "body", "main", "section", "table", "tr", "td", "th", "figure", "div",
                "span", "mark", "p", "code", "small", "h2", "h3", "nav", "style", "title")) {
            assertEquals(count(html, "<" + tag + "[ >]"), count(html, "</" + tag + ">"), "balanced <" + tag + ">");
        }
        assertEquals(html.indexOf("<style>"), html.lastIndexOf("<style>"), "one inline style sheet");
        // no temporary directory left beside the report
        try (Stream<Path> s = Files.list(full.getParent())) {
            assertEquals(List.of("report"), s.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void everyChartHasAnSvgCopyOfItsSizeWithItsTexts() throws IOException {
        assertEquals(11, SvgFigures.checkAll(full));
    }

    @Test
    void svgsAreTheSameBytesWhenWrittenAgain() throws IOException {
        Path again = dir.resolve("again");
        ToolRunner r = ToolRunner.run(new ReportTool(), fullArgs(again));
        assertEquals(0, r.exitCode, r.toString());
        assertEquals(11, SvgFigures.assertSameSvgs(full, again.resolve("report")));
    }

    /** The bars of each group's colour, left to right, are the CSV's non-zero fractions in layer order, to scale. */
    @Test
    void svgBarsAreTheCsvFractions() throws IOException {
        for (String chart : List.of("layer_universal", "layer_above_0.10", "layer_above_0.20", "layer_above_0.30")) {
            SvgFigures.Svg svg = SvgFigures.read(full.resolve(chart + ".svg"));
            List<Double> values = new ArrayList<>();
            List<Double> heights = new ArrayList<>();
            List<String> groups = List.of("trained", "control");
            for (int g = 0; g < groups.size(); g++) {
                String group = groups.get(g);
                SvgFigures.csv(full.resolve(chart + ".csv")).stream().filter(row -> row.get("group").equals(group))
                        .map(row -> Double.parseDouble(row.get("fraction"))).filter(v -> v > 0).forEach(values::add);
                svg.filled("rect", Charts.colour(g)).stream().sorted(java.util.Comparator.comparingDouble(m -> m.num("x")))
                        .forEach(m -> heights.add(m.num("height")));
            }
            SvgFigures.assertProportional(values.stream().mapToDouble(Double::doubleValue).toArray(),
                    heights.stream().mapToDouble(Double::doubleValue).toArray(), chart);
        }
    }

    /** Each group's line through the sweep: one vertex per CSV row, at (threshold, fraction) on shared axes. */
    @Test
    void svgSweepLinesAreTheCsvPoints() throws IOException {
        SvgFigures.Svg svg = SvgFigures.read(full.resolve("threshold_sweep.svg"));
        List<Map<String, String>> rows = SvgFigures.csv(full.resolve("threshold_sweep.csv"));
        List<double[]> data = new ArrayList<>();
        List<double[]> pixels = new ArrayList<>();
        List<String> groups = List.of("trained", "control");
        for (int g = 0; g < groups.size(); g++) {
            String group = groups.get(g);
            rows.stream().filter(r -> r.get("group").equals(group)).forEach(r -> data.add(
                    new double[] {Double.parseDouble(r.get("threshold")), Double.parseDouble(r.get("fraction"))}));
            List<SvgFigures.Mark> segments = svg.stroked("line", Charts.colour(g));
            for (int i = 0; i < segments.size(); i++) {
                SvgFigures.Mark m = segments.get(i);
                if (i == 0) {
                    pixels.add(new double[] {m.num("x1"), m.num("y1")});
                } else {
                    double[] last = pixels.get(pixels.size() - 1);
                    assertArrayEquals(last, new double[] {m.num("x1"), m.num("y1")}, 1e-9, group + ": a connected line");
                }
                pixels.add(new double[] {m.num("x2"), m.num("y2")});
            }
            assertEquals(data.size(), pixels.size(), group + ": one vertex per CSV row");
        }
        for (int axis = 0; axis < 2; axis++) {
            int a = axis;
            SvgFigures.assertAffine(data.stream().mapToDouble(d -> d[a]).toArray(),
                    pixels.stream().mapToDouble(p -> p[a]).toArray(), "threshold_sweep axis " + axis);
        }
    }

    /** One box per CSV row in its group's colour, its top at q3 and its height q3 - q1 on the value axis. */
    @Test
    void svgBoxesAreTheCsvQuartiles() throws IOException {
        SvgFigures.Svg svg = SvgFigures.read(full.resolve("layer_excess.svg"));
        List<Map<String, String>> rows = SvgFigures.csv(full.resolve("layer_excess.csv"));
        List<Double> q1 = new ArrayList<>();
        List<Double> q3 = new ArrayList<>();
        List<Double> top = new ArrayList<>();
        List<Double> bottom = new ArrayList<>();
        List<String> groups = List.of("trained", "control");
        for (int g = 0; g < groups.size(); g++) {
            String group = groups.get(g);
            rows.stream().filter(r -> r.get("group").equals(group)).forEach(r -> {
                q1.add(Double.parseDouble(r.get("q1")));
                q3.add(Double.parseDouble(r.get("q3")));
            });
            List<SvgFigures.Mark> boxes = svg.filled("rect", Charts.colour(g)).stream()
                    .sorted(java.util.Comparator.comparingDouble(m -> m.num("x"))).toList();
            assertEquals(rows.stream().filter(r -> r.get("group").equals(group)).count(), boxes.size(), group + " boxes");
            boxes.forEach(b -> {
                top.add(b.num("y"));
                bottom.add(b.num("y") + b.num("height"));
            });
        }
        double[] all = java.util.stream.Stream.concat(q3.stream(), q1.stream()).mapToDouble(Double::doubleValue).toArray();
        double[] ys = java.util.stream.Stream.concat(top.stream(), bottom.stream()).mapToDouble(Double::doubleValue).toArray();
        SvgFigures.assertAffine(all, ys, "layer_excess quartiles");
    }

    @Test
    void headlineNumbersPerGroup() {
        String[] labels = {"trained", "control"};
        for (int g = 0; g < 2; g++) {
            double sum = 0;
            int above02 = 0;
            int above05 = 0;
            for (double e : fx.excess[g]) {
                sum += e;
                above02 += e > 0.2 ? 1 : 0;
                above05 += e > 0.5 ? 1 : 0;
            }
            String row = row("<tr data-group=\"" + labels[g] + "\">");
            assertCell(row, "neurons", "192");
            assertCell(row, "mean_excess", String.format(Locale.ROOT, "%.4f", sum / Fixture.N));
            assertCell(row, "above_0.2", Fixture.pct(above02, Fixture.N) + " <small>(" + above02 + ")</small>");
            assertCell(row, "above_0.5", Fixture.pct(above05, Fixture.N) + " <small>(" + above05 + ")</small>");
            if (g == 0) {
                assertTrue(above05 > 0 && above02 > above05, "the fixture separates the thresholds");
            } else {
                assertEquals(0, above02);
            }
        }
    }

    @Test
    void thresholdSweepTable() {
        String[] labels = {"trained", "control"};
        for (int i = 0; i <= 16; i++) {
            String t = String.format(Locale.ROOT, "%.2f", (10 + 5 * i) / 100.0);
            String row = row("<tr data-threshold=\"" + t + "\"");
            for (int g = 0; g < 2; g++) {
                int c = 0;
                for (double e : fx.excess[g]) {
                    c += e > (10 + 5 * i) / 100.0 ? 1 : 0;
                }
                String want = "<td class=\"n\" data-group=\"" + labels[g] + "\">" + Fixture.pct(c, Fixture.N)
                        + " <small>(" + c + ")</small></td>";
                assertTrue(row.contains(want), "threshold " + t + " " + labels[g] + ": " + want + " in " + row);
            }
        }
        assertTrue(row("<tr data-threshold=\"0.50\"").contains("class=\"run\""), "the run's threshold is marked");
    }

    @Test
    void perLayerTable() {
        for (int l = 0; l < Fixture.LAYERS; l++) {
            int u = 0;
            for (int j = 0; j < Fixture.D; j++) {
                u += fx.universal[0][l * Fixture.D + j];
            }
            String row = row("<tr data-layer=\"" + l + "\">");
            String want = "<td class=\"n\" data-group=\"trained\">" + Fixture.pct(u, Fixture.D) + " <small>(" + u + " / 64)</small></td>";
            assertTrue(row.contains(want), want + " in " + row);
            assertTrue(row.contains("<td class=\"n\" data-group=\"control\">0.00% <small>(0 / 64)</small></td>"), row);
            int above = 0;
            double sum = 0;
            for (int j = 0; j < Fixture.D; j++) {
                double e = fx.excess[0][l * Fixture.D + j];
                above += e > 0.2 ? 1 : 0;
                sum += e;
            }
            String a = "<td class=\"n\" data-group=\"trained\" data-key=\"above_0.2\">" + Fixture.pct(above, Fixture.D)
                    + " <small>(" + above + ")</small></td>";
            String m = "<td class=\"n\" data-group=\"trained\" data-key=\"mean_excess\">"
                    + String.format(Locale.ROOT, "%.4f", sum / Fixture.D) + "</td>";
            assertTrue(row.contains(a), a + " in " + row);
            assertTrue(row.contains(m), m + " in " + row);
        }
    }

    @Test
    void decodedContextsAreEscapedAndHighlighted() {
        String row = row("<tr data-neuron=\"" + Fixture.TOP_LAYER + "." + Fixture.TOP_NEURON + "\"");
        assertTrue(html.indexOf(row) < html.indexOf("<tr data-neuron=", html.indexOf("<table class=\"top\"") + 1) + 1,
                "the planted neuron is ranked first");
        String before = ReportTestText.escape(fx.vocabContextBefore(12).replace("\n", "↵"));
        assertTrue(row.contains("…" + before + "<mark>&lt;b&gt;&amp;</mark>"), row);
        assertFalse(html.contains("<b>&"), "markup from /vocab is escaped everywhere");
        assertTrue(row.contains("<span class=\"act\">9.000</span>"), "activation value shown: " + row);
        assertTrue(row.contains("<span class=\"act\">7.000</span>"), "second context from the GPT-2 shard: " + row);

        var bpe = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
        IntArrayList prefix = new IntArrayList();
        for (int t = Fixture.CTX - 1 - 12; t < Fixture.CTX - 1; t++) {
            prefix.add(fx.gpt2Ids[(t - 1) % fx.gpt2Ids.length]);
        }
        IntArrayList tok = new IntArrayList();
        tok.add(fx.gpt2Ids[(Fixture.CTX - 2) % fx.gpt2Ids.length]);
        String want = "…" + ReportTestText.escape(bpe.decode(prefix)) + "<mark>" + ReportTestText.escape(bpe.decode(tok)) + "</mark>";
        assertTrue(row.contains(want), want + " in " + row);
        // partners of every other model
        assertTrue(row.contains("<span class=\"model\">tiny-b</span> L1·N35"), row);
        assertTrue(row.contains("<span class=\"model\">tiny-c</span> L2·N36"), row);
    }

    @Test
    void runSummary() {
        assertTrue(html.contains("<td>tiny-a</td><td>gpt2</td><td class=\"n\">3</td><td class=\"n\">16</td><td class=\"n\">2</td>"
                + "<td class=\"n\">64</td><td class=\"n\">192</td>"), "model shape from config.json (n_inner null = 4 d_model)");
        assertTrue(html.contains("<tr><td><code>model.n_layer</code></td><td><code>3</code></td></tr>"));
        assertTrue(html.contains("<tr><td><code>layers_list</code></td><td><code>0, 1</code></td></tr>"));
        assertTrue(html.contains("<tr><td><code>corpus</code></td><td><code>moby,sotu</code></td></tr>"));
        // two tasks of 64 s and 0.85 s: 1 m 05 s in all, the longest 1 m 04 s
        String extract = row("<tr data-timing=\"UN:EXTRACT\">");
        assertTrue(extract.contains("<td class=\"n\">2</td><td class=\"n\">1 m 05 s</td><td class=\"n\">1 m 04 s</td>"), extract);
        String train = row("<tr data-train=\"tiny-a\">");
        assertTrue(train.contains("<td class=\"n\">300</td><td class=\"n\">4.235</td><td class=\"n\">4.712 (step 200)</td>"
                + "<td class=\"n\">2,457,600</td>"), "final losses and tokens trained on (the last row's): " + train);
        String init = row("<tr data-train=\"control\">");
        assertTrue(init.contains("<td class=\"n\">0</td><td class=\"n\">–</td><td class=\"n\">8.312</td><td class=\"n\">0</td>"), init);
        // tokens: statistics file (6 sequences of 16) and the shards
        assertTrue(html.contains("tokens in the statistics of tiny-a (2 shards)</td><td class=\"n\">96</td>"), "stats tokens");
        assertTrue(html.contains("tokens in the given token shards</td><td class=\"n\">96</td>"), "shard tokens");
    }

    @Test
    void propertiesContrastUniversalAndNonUniversal() {
        String freq = row("<tr data-metric=\"act_freq\">");
        assertTrue(freq.contains("<code>act_freq_paper</code>"), "the paper's act frequency, not act_freq (> 0): " + freq);
        assertTrue(row("<tr data-metric=\"kurt\">").contains("<code>kurt</code>"), "no kurt_binned: the exact column");
        // scipy's percentileofscore(kind='rank') within the layer, computed here by counting
        List<Double> universal = new ArrayList<>();
        List<Double> other = new ArrayList<>();
        List<Double> universalValues = new ArrayList<>();
        for (int l = 0; l < Fixture.LAYERS; l++) {
            double[] v = new double[Fixture.D];
            for (int j = 0; j < Fixture.D; j++) {
                v[j] = fx.actFreq(0, l * Fixture.D + j);
            }
            for (int j = 0; j < Fixture.D; j++) {
                int below = 0;
                int atOrBelow = 0;
                for (double x : v) {
                    below += x < v[j] ? 1 : 0;
                    atOrBelow += x <= v[j] ? 1 : 0;
                }
                double p = (below + atOrBelow + (atOrBelow > below ? 1 : 0)) * 50.0 / Fixture.D;
                boolean u = fx.universal[0][l * Fixture.D + j] == 1;
                (u ? universal : other).add(p);
                if (u) {
                    universalValues.add(v[j]);
                }
            }
        }
        assertCell(freq, "pct_0", String.format(Locale.ROOT, "%.1f", median(universal)) + " <small>(" + universal.size() + ")</small>");
        assertCell(freq, "pct_rest", String.format(Locale.ROOT, "%.1f", median(other)) + " <small>(" + other.size() + ")</small>");
        assertCell(freq, "value_0", new java.math.BigDecimal(median(universalValues)).round(new java.math.MathContext(3))
                .stripTrailingZeros().toPlainString());
        assertTrue(median(other) > 50 && median(universal) < 50, "universal neurons fire less often than the rest");
        assertCell(freq, "paper_0", "0.025");
        assertCell(freq, "paper_1", "0.036");
        assertTrue(html.contains("<p class=\"rule\" data-key=\"rule\">Universal neurons: is_universal = 1 (excess_corr above"
                + " the run&#39;s threshold, 0.50).</p>"), "the rule used");
    }

    static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    @Test
    void onlyNeuronsGivesNotAvailableNotes() throws IOException {
        ToolRunner r = ToolRunner.run(new ReportTool(), "--neurons", fx.control.toString(), "--outdir", dir.toString());
        assertEquals(0, r.exitCode, r.toString());
        String page = Files.readString(dir.resolve("report/index.html"));
        for (String why : List.of("Not available: no model configs given", "Not available: no task timings given",
                "Not available: no training logs given", "Not available: no parameters given",
                "Not available: needs a neurons.csv with statistics columns", "Not available: top-activating contexts need",
                "Not available: no reference table given")) {
            assertTrue(page.contains(why), why);
        }
        assertTrue(page.contains("<tr data-group=\"group1\">"), "default label");
        assertFalse(page.contains("differs from"), "the control's is_universal matches excess > 0.5");
        assertFalse(html.contains("differs from"), "both tables match excess > 0.5");
    }

    @Test
    void noUniversalNeuronGivesANoteForProperties() throws IOException {
        Path empty = dir.resolve("percentiles.csv");
        Files.writeString(empty, "metric,layer,median_percentile,n_universal\n");
        ToolRunner r = ToolRunner.run(new ReportTool(), "--neurons", "c=" + fx.control, "--percentiles", empty.toString(),
                "--outdir", dir.toString());
        assertEquals(0, r.exitCode, r.toString());
        String page = Files.readString(dir.resolve("report/index.html"));
        assertTrue(page.contains("Not available: the anchor has no universal neuron at the run&#39;s threshold"), page);
        assertFalse(Files.exists(dir.resolve("report/properties.png")));
    }

    @Test
    void notesAThresholdThatDoesNotMatchTheTable() throws IOException {
        int differ = 0;
        for (double e : fx.excess[0]) {
            differ += e > 0.3 && e <= 0.5 ? 1 : 0;
        }
        ToolRunner r = ToolRunner.run(new ReportTool(), "--neurons", "t=" + fx.trained, "--param", "threshold=0.3",
                "--outdir", dir.toString());
        assertEquals(0, r.exitCode, r.toString());
        String page = Files.readString(dir.resolve("report/index.html"));
        assertTrue(page.contains("<code>is_universal</code> of t differs from excess &gt; 0.30 for " + differ + " neurons"), page);
        assertTrue(differ > 0);
        assertTrue(page.contains("<tr data-threshold=\"0.30\" class=\"run\">"), "the given threshold is marked");
    }

    /** A table with the dead column: the headline says how many neurons are dead and that they are never universal. */
    @Test
    void deadNeuronsAreCountedAndNeverUniversal() throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(fx.control));
        lines.set(0, lines.get(0).replace(",is_universal,", ",is_universal,dead,"));
        for (int i = 1; i < lines.size(); i++) {
            // rows 1 and 2 dead: every correlation 0 (as universality writes them), not universal
            String[] f = lines.get(i).split(",", -1);
            boolean dead = i <= 2;
            StringBuilder row = new StringBuilder();
            for (int c = 0; c < f.length; c++) {
                String v = dead && c >= 2 && c <= 8 ? "0.0" : dead && c == 9 ? "0" : f[c];
                row.append(c == 0 ? "" : ",").append(v).append(c == 9 ? (dead ? ",1" : ",0") : "");
            }
            lines.set(i, row.toString());
        }
        Path withDead = dir.resolve("dead.csv");
        Files.write(withDead, lines);
        Path good = dir.resolve("good");
        ToolRunner r = ToolRunner.run(new ReportTool(), "--neurons", "c=" + withDead, "--outdir", good.toString());
        assertEquals(0, r.exitCode, r.toString());
        String page = Files.readString(good.resolve("report/index.html"));
        assertTrue(page.contains("Dead neurons (constant on the analysed tokens, column <code>dead</code>): they correlate"
                + " with nothing, so every correlation column is 0, their partners are -1 and they are never universal;"
                + " they are counted among the neurons above: c 2.</p>"), page);
        assertFalse(page.contains("differs from"), "dead rows with excess 0 agree with the threshold");
        assertFalse(html.contains("Dead neurons"), "tables without dead neurons get no note");

        lines.set(1, lines.get(1).replaceFirst(",0,1,", ",0,2,"));
        Files.write(withDead, lines);
        expectError(1, "report: error: " + withDead + ": neuron row 1: dead is 2, expected 0 or 1", "--neurons",
                withDead.toString(), "--outdir", dir.toString());
    }

    @Test
    void replacesAnEarlierReport() throws IOException {
        Files.createDirectories(dir.resolve("report"));
        Files.writeString(dir.resolve("report/stale.txt"), "old");
        ToolRunner r = ToolRunner.run(new ReportTool(), "--neurons", fx.control.toString(), "--outdir", dir.toString());
        assertEquals(0, r.exitCode, r.toString());
        assertFalse(Files.exists(dir.resolve("report/stale.txt")));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("report"), s.map(p -> p.getFileName().toString()).toList());
        }
    }

    // ---------------------------------------------------------------- bad inputs

    @Test
    void thresholdOutsideItsRange() {
        String why = " is outside [0, 1): excess correlation (mean max correlation, at most 1, minus mean baseline, above"
                + " 0 in practice) never reaches 1, and below 0 it is not above chance; the paper's threshold is 0.5";
        expectError(2, "report: error: --threshold 1.5" + why, "--neurons", fx.control.toString(), "--threshold", "1.5",
                "--outdir", dir.toString());
        expectError(2, "report: error: param 'threshold' -1" + why, "--neurons", fx.control.toString(), "--param",
                "threshold=-1", "--outdir", dir.toString());
    }

    @Test
    void missingNeurons() {
        expectError(2, "report: error: missing required option --neurons (see --help)", "--outdir", dir.toString());
    }

    @Test
    void neuronsWithoutExcessColumn() throws IOException {
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "layer,neuron,mean_corr,mean_baseline,is_universal\n0,0,0.5,0.1,0\n");
        expectError(1, "report: error: " + bad + ": no column 'excess_corr' (expected " + NeuronGroup.WHAT + ")",
                "--neurons", "t=" + bad, "--outdir", dir.toString());
    }

    @Test
    void neuronsWithText() throws IOException {
        Path bad = dir.resolve("bad.csv");
        List<String> lines = new ArrayList<>(Files.readAllLines(fx.control));
        lines.set(3, lines.get(3).replaceFirst("^(\\d+),(\\d+),[^,]+,", "$1,$2,abc,"));
        Files.write(bad, lines);
        expectError(1, "report: error: " + bad + ": line 4, column 'max_corr': 'abc' is not a number (expected "
                + NeuronGroup.WHAT + ")", "--neurons", "t=" + fx.trained, "--neurons", "c=" + bad, "--outdir", dir.toString());
    }

    @Test
    void neuronsWithNaN() throws IOException {
        Path bad = dir.resolve("bad.csv");
        List<String> lines = new ArrayList<>(Files.readAllLines(fx.control));
        lines.set(2, lines.get(2).replaceFirst("^(\\d+),(\\d+),[^,]+,[^,]+,", "$1,$2,0.1,NaN,"));
        Files.write(bad, lines);
        expectError(1, "report: error: " + bad + ": line 3, column 'mean_corr' is NaN, expected a finite number",
                "--neurons", bad.toString(), "--outdir", dir.toString());
    }

    @Test
    void neuronsShortRow() throws IOException {
        Path bad = dir.resolve("bad.csv");
        List<String> lines = new ArrayList<>(Files.readAllLines(fx.control));
        lines.set(5, "0,4,0.1");
        Files.write(bad, lines);
        int fields = lines.get(0).split(",").length;
        expectError(1, "report: error: " + bad + ": line 6 has 3 fields, the header has " + fields + " (expected "
                + NeuronGroup.WHAT + ")", "--neurons", bad.toString(), "--outdir", dir.toString());
    }

    @Test
    void emptyNeurons() throws IOException {
        Path bad = dir.resolve("empty.csv");
        Files.writeString(bad, "");
        expectError(1, "report: error: " + bad + ": empty file, expected " + NeuronGroup.WHAT + " with a header row",
                "--neurons", bad.toString(), "--outdir", dir.toString());
    }

    @Test
    void duplicateLabel() {
        expectError(2, "report: error: --neurons: label 'a' is given twice; labels must be unique",
                "--neurons", "a=" + fx.trained, "--neurons", "a=" + fx.control, "--outdir", dir.toString());
    }

    @Test
    void layerFractionsOfAnotherRun() {
        // the control's table with the trained run's layer fractions
        int u0 = 0;
        for (int j = 0; j < Fixture.D; j++) {
            u0 += fx.universal[0][j];
        }
        expectError(1, "report: error: " + fx.layerFractions + ": layer 0 has " + u0 + " universal of 64 neurons, but "
                        + fx.control + " (c) has 0 of 64; expected the layer_fractions.csv of the same run",
                "--neurons", "c=" + fx.control, "--layer-fractions", fx.layerFractions.toString(), "--outdir", dir.toString());
    }

    @Test
    void statsOfAnotherShape() throws IOException {
        Path small = dir.resolve("small.csv");
        List<String> lines = Files.readAllLines(fx.trained).subList(0, 1 + 2 * Fixture.D);
        Files.write(small, lines);
        expectError(1, "report: error: " + fx.stats + ": statistics of tiny-a (3 x 64 neurons), but " + small
                        + " (group1) has 2 layers and 128 neurons; expected the anchor's statistics file",
                "--neurons", small.toString(), "--stats", fx.stats.toString(), "--outdir", dir.toString());
    }

    @Test
    void statsThatIsNotHdf5() throws IOException {
        Path bad = dir.resolve("stats.h5");
        Files.writeString(bad, "not hdf5");
        ToolRunner r = ToolRunner.run(new ReportTool(), "--neurons", fx.trained.toString(), "--stats", bad.toString(),
                "--outdir", dir.toString());
        assertEquals(1, r.exitCode, r.toString());
        assertTrue(r.errorLine().startsWith("report: error: " + bad + ": not an HDF5 file"), r.errorLine());
        assertEquals(1, r.stderr.strip().lines().count(), r.stderr);
        assertNothingPublished();
    }

    @Test
    void shardTooShortForTheStatistics() throws IOException {
        Path shortShard = dir.resolve("toy.00000.h5");
        org.uneurons.formats.TokenShard.write(shortShard, new int[][] {fx.vocabTokens[0]},
                new org.uneurons.formats.TokenShard.Meta("external", Fixture.VOCAB.length, 0, 0, "x"), Fixture.VOCAB);
        expectError(1, "report: error: " + shortShard + ": the statistics file " + fx.stats + " names row "
                        + (Fixture.VOCAB_SEQ * Fixture.CTX + Fixture.VOCAB_POS) + ", but this shard has only 16 tokens (1 x 16);"
                        + " expected the shard the statistics were computed on",
                "--neurons", fx.trained.toString(), "--stats", fx.stats.toString(), "--shard", shortShard.toString(),
                "--shard", fx.gpt2Shard.toString(), "--outdir", dir.toString());
    }

    static final String TIMING_HEADER = "process\ttag\texit\twall_s\tcpu_s\tpeak_rss_mib\n";

    /** Two tasks' timing.tsv files as bin/un-task writes them, and a third of another process. */
    private List<Path> timingFiles() throws IOException {
        Path a = dir.resolve("a/timing.tsv");
        Path b = dir.resolve("b/timing.tsv");
        Path c = dir.resolve("c/timing.tsv");
        for (Path p : List.of(a, b, c)) {
            Files.createDirectories(p.getParent());
        }
        Files.writeString(a, TIMING_HEADER + "UN:UNIVERSAL_NEURONS:EXTRACT\tseed1.analysis.00000\t0\t64.250\t120.50\t812\n");
        // a task that ran its tool twice (one task, both runs' times); the second run's CPU time is unknown
        Files.writeString(b, TIMING_HEADER + "UN:UNIVERSAL_NEURONS:EXTRACT\tseed2.analysis.00000\t0\t0.500\t0.70\t-\n"
                + "UN:UNIVERSAL_NEURONS:EXTRACT\tseed2.analysis.00000\t0\t0.350\t-\t1024\n");
        Files.writeString(c, TIMING_HEADER + "UN:UNIVERSAL_NEURONS:CORRELATE\tseed1__seed2.analysis.00000\t0\t12.300\t20.00\t300\n");
        return List.of(a, b, c);
    }

    private String timingsPage(List<Path> files) throws IOException {
        List<String> args = new ArrayList<>(List.of("--neurons", fx.trained.toString(), "--outdir", dir.toString()));
        for (Path f : files) {
            args.add("--timings");
            args.add(f.toString());
        }
        ToolRunner r = ToolRunner.run(new ReportTool(), args.toArray(String[]::new));
        assertEquals(0, r.exitCode, r.toString());
        Path index = dir.resolve("report/index.html");
        String page = Files.readString(index);
        try (Stream<Path> s = Files.walk(dir.resolve("report"))) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        return page;
    }

    private static String rowOf(String page, String start) {
        int a = page.indexOf(start);
        assertTrue(a >= 0, "row " + start + " in the report");
        return page.substring(a, page.indexOf("</tr>", a) + 5);
    }

    @Test
    void taskTimingsTable() throws IOException {
        List<Path> files = timingFiles();
        String page = timingsPage(files);
        assertFalse(page.contains("Not available: no task timings given"), "timings given");
        assertEquals(2, count(page, "<tr data-timing="), "one row per process");
        assertEquals("<tr data-timing=\"UN:UNIVERSAL_NEURONS:CORRELATE\"><td>UN:UNIVERSAL_NEURONS:CORRELATE</td>"
                + "<td class=\"n\">1</td><td class=\"n\">12.3 s</td><td class=\"n\">12.3 s</td><td class=\"n\">20.0 s</td>"
                + "<td class=\"n\">300 MiB</td></tr>", rowOf(page, "<tr data-timing=\"UN:UNIVERSAL_NEURONS:CORRELATE\">"));
        // 2 tasks; total 64.25 + 0.5 + 0.35 s; longest 64.25 s; CPU 120.5 + 0.7 s and one unknown; peak 1024 MiB
        assertEquals("<tr data-timing=\"UN:UNIVERSAL_NEURONS:EXTRACT\"><td>UN:UNIVERSAL_NEURONS:EXTRACT</td>"
                + "<td class=\"n\">2</td><td class=\"n\">1 m 05 s</td><td class=\"n\">1 m 04 s</td>"
                + "<td class=\"n\">2 m 01 s (+1 unknown)</td><td class=\"n\">1,024 MiB</td></tr>",
                rowOf(page, "<tr data-timing=\"UN:UNIVERSAL_NEURONS:EXTRACT\">"));
        // pipeline-wide: 3 tasks, 77.4 s wall, 141.2 s CPU (one unknown)
        assertTrue(rowOf(page, "<tr class=\"total\"><td>all processes</td>").contains("<td class=\"n\">3</td>"
                + "<td class=\"n\">1 m 17 s</td><td></td><td class=\"n\">2 m 21 s (some unknown)</td>"), page);
        assertTrue(page.contains("tasks run in parallel, so the sum exceeds"), "the parallelism caveat");
        // the same page whatever the order of the files
        assertEquals(page, timingsPage(List.of(files.get(2), files.get(1), files.get(0))));
    }

    @Test
    void timingWithBadWallTime() throws IOException {
        Path bad = dir.resolve("timing.tsv");
        Files.writeString(bad, TIMING_HEADER + "UN:EXTRACT\ta\t0\tsoon\t1.0\t10\n");
        expectError(1, "report: error: " + bad + ": line 2, column 'wall_s': 'soon' is not a number (expected "
                + TaskTimings.WHAT + ")", "--neurons", fx.trained.toString(), "--timings", bad.toString(), "--outdir", dir.toString());
    }

    @Test
    void timingWithMissingField() throws IOException {
        Path bad = dir.resolve("timing.tsv");
        Files.writeString(bad, TIMING_HEADER + "UN:EXTRACT\ta\t0\t1.5\t1.0\n");
        expectError(1, "report: error: " + bad + ": line 2 has 5 fields, the header has 6 (expected " + TaskTimings.WHAT + ")",
                "--neurons", fx.trained.toString(), "--timings", bad.toString(), "--outdir", dir.toString());
    }

    @Test
    void timingWithoutHeaderOrWithNegativeValues() throws IOException {
        Path bad = dir.resolve("timing.tsv");
        Files.writeString(bad, "UN:EXTRACT\ta\t0\t1.5\t1.0\t10\n");
        expectError(1, "report: error: " + bad + ": no column 'process' (expected " + TaskTimings.WHAT + ")",
                "--neurons", fx.trained.toString(), "--timings", bad.toString(), "--outdir", dir.toString());
        Files.writeString(bad, TIMING_HEADER + "UN:EXTRACT\ta\t0\t1.5\t-2\t10\n");
        expectError(1, "report: error: " + bad + ": line 2, column 'cpu_s' is -2, expected a non-negative number",
                "--neurons", fx.trained.toString(), "--timings", bad.toString(), "--outdir", dir.toString());
        Files.writeString(bad, TIMING_HEADER + "UN:EXTRACT\ta\t0\t1.5\t1\t10.5\n");
        expectError(1, "report: error: " + bad + ": line 2, column 'peak_rss_mib': '10.5' is not a whole number of MiB",
                "--neurons", fx.trained.toString(), "--timings", bad.toString(), "--outdir", dir.toString());
        Files.writeString(bad, "");
        expectError(1, "report: error: " + bad + ": empty file, expected " + TaskTimings.WHAT + " with a header row",
                "--neurons", fx.trained.toString(), "--timings", bad.toString(), "--outdir", dir.toString());
    }

    @Test
    void planTable() throws IOException {
        Path plan = dir.resolve("plan.tsv");
        Files.writeString(plan, "item\tvalue\ntasks\t20: TOKENIZE 1, CORRELATE_FUSED 8\nmemory CORRELATE_FUSED\t"
                + "22.3 GB host, 63.9 GB GPU per task x 8 tasks\nverdict\tfits <for now>\n");
        Path out = dir.resolve("out");
        ToolRunner r = ToolRunner.run(new ReportTool(), "--neurons", fx.trained.toString(), "--plan", plan.toString(),
                "--outdir", out.toString());
        assertEquals(0, r.exitCode, r.toString());
        String page = Files.readString(out.resolve("report/index.html"));
        assertEquals(3, count(page, "<tr data-plan="), "one row per item, in order");
        assertTrue(page.contains("<tr data-plan=\"tasks\"><td>tasks</td><td>20: TOKENIZE 1, CORRELATE_FUSED 8</td></tr>"
                + "\n<tr data-plan=\"memory CORRELATE_FUSED\"><td>memory CORRELATE_FUSED</td><td>22.3 GB host, 63.9 GB GPU"
                + " per task x 8 tasks</td></tr>\n<tr data-plan=\"verdict\"><td>verdict</td><td>fits &lt;for now&gt;</td></tr>"), page);
        assertFalse(html.contains("<tr data-plan="), "no plan table without --plan");
        Files.writeString(plan, "what\tvalue\ntasks\t20\n");
        expectError(1, "report: error: " + plan + ": no column 'item' (expected a plan.tsv (tab-separated columns item, value))",
                "--neurons", fx.trained.toString(), "--plan", plan.toString(), "--outdir", out.toString());
    }

    @Test
    void traceIsNoLongerAnOption() throws IOException {
        Path t = dir.resolve("trace.txt");
        Files.writeString(t, "name\tstatus\trealtime\nA (1)\tCOMPLETED\t1s\n");
        expectError(2, "report: error: unrecognized option: --trace (see --help)", "--neurons", fx.trained.toString(),
                "--trace", t.toString(), "--outdir", dir.toString());
    }

    @Test
    void trainLogWithoutTokensColumnOrWithBadTokens() throws IOException {
        Path log = dir.resolve("log.csv");
        Files.writeString(log, "step,train_loss\n1,2.0\n");
        ToolRunner r = ToolRunner.run(new ReportTool(), "--neurons", fx.trained.toString(), "--train-log", "m=" + log,
                "--outdir", dir.toString());
        assertEquals(0, r.exitCode, r.toString());
        String page = Files.readString(dir.resolve("report/index.html"));
        String row = page.substring(page.indexOf("<tr data-train=\"m\">"));
        assertTrue(row.startsWith("<tr data-train=\"m\"><td>m</td><td class=\"n\">1</td><td class=\"n\">2.000</td>"
                + "<td class=\"n\">–</td><td class=\"n\">–</td></tr>"), row);
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "step,train_loss,tokens\n1,2.0,10\n2,1.5,12.5\n");
        Path other = Files.createDirectories(dir.resolve("other"));
        ToolRunner b = ToolRunner.run(new ReportTool(), "--neurons", fx.trained.toString(), "--train-log", bad.toString(),
                "--outdir", other.toString());
        assertEquals(1, b.exitCode, b.toString());
        assertEquals("report: error: " + bad + ": line 3, column 'tokens': '12.5' is not a count of tokens (expected "
                + TrainLog.WHAT + ")", b.errorLine());
        assertFalse(Files.exists(other.resolve("report")));
    }

    /** train --steps 0 without --valid writes a header-only log: an initialisation, no curve, no error. */
    @Test
    void trainLogOfAnInitialisationHasNoCurve() throws IOException {
        Path log = dir.resolve("init.csv");
        Files.writeString(log, TrainLog.Writer.HEADER + "\n");
        ToolRunner r = ToolRunner.run(new ReportTool(), "--neurons", fx.trained.toString(), "--train-log", "r1=" + log,
                "--outdir", dir.toString());
        assertEquals(0, r.exitCode, r.toString());
        String page = Files.readString(dir.resolve("report/index.html"));
        assertFalse(page.contains("<tr data-train=\"r1\">"), "no training row for an initialisation");
    }

    @Test
    void trainLogWithoutTrainLoss() throws IOException {
        Path bad = dir.resolve("log.csv");
        Files.writeString(bad, "step,loss\n1,2.0\n");
        expectError(1, "report: error: " + bad + ": no column 'train_loss' (expected " + TrainLog.WHAT + ")",
                "--neurons", fx.trained.toString(), "--train-log", bad.toString(), "--outdir", dir.toString());
    }

    @Test
    void configWithoutModelTypeOrLayers() throws IOException {
        // one config.json parser for the whole pipeline (formats.ModelConfig): the report reads what extract reads
        Path cfg = dir.resolve("config.json");
        Files.writeString(cfg, "{\"n_embd\": 4}");
        expectError(1, "report: error: checkpoint m: config.json has no model_type (expected gpt2 or gpt_neox)",
                "--neurons", fx.trained.toString(), "--model", "m=" + cfg, "--outdir", dir.toString());
        Files.writeString(cfg, "{\"model_type\": \"gpt2\", \"n_layer\": \"two\"}");
        expectError(1, "report: error: checkpoint m: config.json: n_layer must be an integer, got \"two\"",
                "--neurons", fx.trained.toString(), "--model", "m=" + cfg, "--outdir", dir.toString());
    }

    @Test
    void malformedParamsLine() throws IOException {
        Path p = dir.resolve("params.txt");
        Files.writeString(p, "threshold=0.5\njust words\n");
        expectError(1, "report: error: " + p + ": line 2: 'just words' is not 'key=value' or 'key: value'",
                "--neurons", fx.trained.toString(), "--params", p.toString(), "--outdir", dir.toString());
    }

    @Test
    void badTopOption() {
        expectError(2, "report: error: --top expects a positive integer, got 0",
                "--neurons", fx.trained.toString(), "--top", "0", "--outdir", dir.toString());
    }

    @Test
    void missingNeuronsFile() {
        Path missing = dir.resolve("nope.csv");
        expectError(1, "report: error: " + missing + ": no such file (expected " + NeuronGroup.WHAT + ")",
                "--neurons", missing.toString(), "--outdir", dir.toString());
    }

    /** OUTDIR/report is replaced whole: an input inside it would be deleted, so it is refused before any work. */
    @Test
    void aReportDirectoryHoldingAnInputIsRefused() throws IOException {
        Path inside = Files.createDirectories(dir.resolve("report")).resolve("neurons.csv");
        Files.copy(fx.trained, inside);
        byte[] before = Files.readAllBytes(inside);
        ToolRunner r = ToolRunner.run(new ReportTool(), "--neurons", inside.toString(), "--outdir", dir.toString());
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("report: error: " + dir.resolve("report") + ": --outdir contains the input --neurons " + inside
                + " (the directory is replaced whole; choose another output directory)", r.errorLine());
        assertArrayEquals(before, Files.readAllBytes(inside));
        r = ToolRunner.run(new ReportTool(), "--neurons", fx.trained.toString(), "--reference", inside.toString(),
                "--outdir", dir.toString());
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("report: error: " + dir.resolve("report") + ": --outdir contains the input --reference " + inside
                + " (the directory is replaced whole; choose another output directory)", r.errorLine());
        assertArrayEquals(before, Files.readAllBytes(inside));
    }

    @Test
    void anOutdirThatIsAFileIsRefused() throws IOException {
        Path file = Files.writeString(dir.resolve("results"), "a file");
        ToolRunner r = ToolRunner.run(new ReportTool(), "--neurons", fx.trained.toString(), "--outdir", file.toString());
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("report: error: " + file + ": is a file, not a directory (--outdir expects a directory)",
                r.errorLine());
    }

    private void expectError(int code, String line, String... args) {
        ToolRunner r = ToolRunner.run(new ReportTool(), args);
        assertEquals(code, r.exitCode, r.toString());
        assertEquals(line, r.errorLine(), r.toString());
        assertEquals(1, r.stderr.strip().lines().count(), "one line on stderr: " + r.stderr);
        assertNothingPublished();
    }

    private void assertNothingPublished() {
        assertFalse(Files.exists(dir.resolve("report")), "nothing published at outdir/report");
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(p -> assertFalse(p.getFileName().toString().startsWith(".report"), "temporary directory left: " + p));
        } catch (IOException e) {
            fail(e);
        }
    }

    /** The HTML of the table row that starts with {@code start}. */
    private static String row(String start) {
        int a = html.indexOf(start);
        assertTrue(a >= 0, "row " + start + " in the report");
        return html.substring(a, html.indexOf("</tr>", a) + 5);
    }

    private static void assertCell(String row, String key, String content) {
        String want = "data-key=\"" + key + "\">" + content + "</td>";
        assertTrue(row.contains(want), want + " in " + row);
    }

    private static int count(String s, String regex) {
        Matcher m = Pattern.compile(regex).matcher(s);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
