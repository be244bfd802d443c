package org.uneurons.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.uneurons.report.FamiliesFixture.CONTROL;
import static org.uneurons.report.FamiliesFixture.CONTROL_RULE;
import static org.uneurons.report.FamiliesFixture.TRAINED;
import static org.uneurons.report.FamiliesFixture.TRAINED_RULE;
import static org.uneurons.report.FamiliesFixture.toks;
import static org.uneurons.report.FamiliesFixture.write;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.testing.ToolRunner;
import org.uneurons.report.FamiliesFixture.Row;

/**
 * The families section: a report of the fixture's two groups with a families file each ({@link FamiliesFixture}: known
 * families) must show exactly their counts per layer, their example neurons with features and tokens, the duplicate
 * family, the clusters and the rule each file records; without --families the section is one sentence.
 */
class FamiliesTest {
    @TempDir
    static Path shared;
    static Fixture fx;
    static Path trainedFamilies;
    static Path controlFamilies;
    static Path out;
    static ToolRunner run;
    static String html;
    static String section;

    @TempDir
    Path dir;

    @BeforeAll
    static void report() throws IOException {
        fx = new Fixture(Files.createDirectories(shared.resolve("in")));
        trainedFamilies = write(shared.resolve("families/trained"), TRAINED, fx.excess[0], "seed1", TRAINED_RULE, 3, 0.52);
        controlFamilies = write(shared.resolve("families/control"), CONTROL, fx.excess[1], "control", CONTROL_RULE, 2, 0.39);
        out = shared.resolve("out");
        run = ToolRunner.run(new ReportTool(), "--neurons", "trained=" + fx.trained, "--neurons", "control=" + fx.control,
                "--families", "control=" + controlFamilies, "--families", "trained=" + trainedFamilies,
                "--reference", fx.trained.toString(), "--outdir", out.toString());
        html = Files.exists(out.resolve("report/index.html")) ? Files.readString(out.resolve("report/index.html")) : "";
        int a = html.indexOf("<section id=\"families\">");
        section = a < 0 ? "" : html.substring(a, html.indexOf("</section>", a));
        // REPORT_KEEP=DIR keeps the inputs and the report for a look (tools/screenshot-report.sh)
        String keep = System.getenv("REPORT_KEEP");
        if (keep != null) {
            ReportToolTest.copyTree(shared, Path.of(keep).resolve("families"));
        }
    }

    @Test
    void countsPerLayerAreExactlyTheFiles() throws IOException {
        assertEquals(0, run.exitCode, run.toString());
        // the families with a neuron in either file, in the report's order; every count per layer and group
        List<String> families = List.of("unigram", "position", "previous_token", "syntax", "semantic", "constant");
        Map<String, List<Row>> groups = new LinkedHashMap<>();
        groups.put("trained", TRAINED);
        groups.put("control", CONTROL);
        List<String> csv = Files.readAllLines(out.resolve("report/families_per_layer.csv"));
        assertEquals("group,layer,family,neurons", csv.get(0));
        List<String> expectedCsv = new ArrayList<>();
        int[][] totals = {{3, 4, 6}, {2, 1, 3}};
        int g = 0;
        for (Map.Entry<String, List<Row>> e : groups.entrySet()) {
            for (int l = 0; l < Fixture.LAYERS; l++) {
                String row = row(section, "<tr data-family-layer=\"" + l + "\" data-group=\"" + e.getKey() + "\"");
                StringBuilder cells = new StringBuilder();
                int total = 0;
                for (String fam : families) {
                    final int layer = l;
                    long c = e.getValue().stream().filter(r -> r.layer() == layer && r.family().equals(fam)).count();
                    total += (int) c;
                    cells.append("<td class=\"n\" data-key=\"").append(fam).append("\">").append(c).append("</td>");
                    expectedCsv.add(e.getKey() + "," + l + "," + fam + "," + c);
                }
                assertEquals(totals[g][l], total, "the fixture's own count");
                cells.append("<td class=\"n\" data-key=\"all\"><b>").append(total).append("</b></td>");
                assertTrue(row.endsWith(e.getKey() + "</td>" + cells), "layer " + l + ", " + e.getKey() + ": " + cells
                        + " at the end of " + row);
            }
            g++;
        }
        assertEquals(expectedCsv, csv.subList(1, csv.size()));
        assertFalse(section.contains("data-key=\"alphabet\""), "no column for a family without neurons");
        assertTrue(Files.readAllBytes(out.resolve("report/families_per_layer.png")).length > 1000, "the chart");
        assertTrue(section.contains("<img src=\"families_per_layer.png\""), "the chart on the page");
    }

    /** Each family's bar pieces, left to right, are its non-zero counts by layer and group, all to one scale. */
    @Test
    void svgStacksAreTheCsvCounts() throws IOException {
        assertEquals(0, run.exitCode, run.toString());
        Path report = out.resolve("report");
        // 3 densities, sweep, layer boxes, universal and 4 thresholds per layer, families, reference layers, scatter
        assertEquals(13, SvgFigures.checkAll(report));
        SvgFigures.Svg svg = SvgFigures.read(report.resolve("families_per_layer.svg"));
        List<Map<String, String>> rows = SvgFigures.csv(report.resolve("families_per_layer.csv"));
        List<String> groups = List.of("trained", "control");
        List<Double> counts = new ArrayList<>();
        List<Double> heights = new ArrayList<>();
        for (String family : rows.stream().map(r -> r.get("family")).distinct().toList()) {
            // bars run layer by layer, the groups side by side within a layer
            rows.stream().filter(r -> r.get("family").equals(family) && Integer.parseInt(r.get("neurons")) > 0)
                    .sorted(Comparator.comparingInt((Map<String, String> r) -> Integer.parseInt(r.get("layer")))
                            .thenComparingInt(r -> groups.indexOf(r.get("group"))))
                    .forEach(r -> counts.add(Double.parseDouble(r.get("neurons"))));
            svg.filled("rect", Charts.familyColour(family)).stream()
                    .sorted(Comparator.comparingDouble(m -> m.num("x")))
                    .forEach(m -> heights.add(m.num("height")));
            assertEquals(counts.size(), heights.size(), family + ": one piece per non-zero count");
        }
        SvgFigures.assertProportional(counts.stream().mapToDouble(Double::doubleValue).toArray(),
                heights.stream().mapToDouble(Double::doubleValue).toArray(), "families_per_layer");
    }

    @Test
    void rulesAndClustersAsTheFilesRecordThem() {
        String trained = row(section, "<tr data-families-group=\"trained\">");
        assertTrue(trained.contains("data-key=\"families_rule\">" + TRAINED_RULE + "</td>"), trained);
        assertTrue(trained.contains("data-key=\"neurons\">13</td>"), trained);
        assertTrue(trained.contains("data-key=\"clusters\">3</td>") && trained.contains("data-key=\"silhouette\">0.520</td>"),
                trained);
        String control = row(section, "<tr data-families-group=\"control\">");
        assertTrue(control.contains("data-key=\"families_rule\">" + CONTROL_RULE + "</td>"), control);
        assertTrue(control.contains("data-key=\"clusters\">2</td>") && control.contains("data-key=\"silhouette\">0.390</td>"),
                control);
        assertTrue(section.indexOf("data-families-group=\"trained\"") < section.indexOf("data-families-group=\"control\""),
                "groups in the report's order, not the options'");
        // clusters: sizes and most common best feature (trained cluster 1: pos=NOUN 3, is_numeric 3: the first seen wins)
        String t = table(section, "<table class=\"clusters\" data-group=\"trained\">");
        assertCluster(t, 0, 3, "contains_period", 3);
        assertCluster(t, 1, 8, "is_numeric", 3);
        assertCluster(t, 2, 2, "pos=NOUN", 2);
        String c = table(section, "<table class=\"clusters\" data-group=\"control\">");
        assertCluster(c, 0, 4, "is_numeric", 3);
        assertCluster(c, 1, 2, "the_unigram", 1);
    }

    @Test
    void everyFamilyWithItsExamples() {
        String t = table(section, "<table class=\"families\" data-families=\"families\" data-group=\"trained\">");
        // semantic has 7 neurons: the 5 with the highest excess, in that order
        List<Row> semantic = new ArrayList<>(TRAINED.stream().filter(r -> r.family().equals("semantic")).toList());
        semantic.sort(Comparator.comparingDouble((Row r) -> -fx.excess[0][r.layer() * Fixture.D + r.neuron()]));
        assertEquals(semantic.subList(0, 5).stream().map(r -> r.layer() + "." + r.neuron()).toList(), neurons(t, "semantic"));
        assertTrue(t.contains("<tr data-set=\"semantic\" data-family-neuron=\"" + semantic.get(0).layer() + "."
                + semantic.get(0).neuron() + "\"><td rowspan=\"5\">"), "the family spans its examples");
        assertEquals(List.of("unigram", "previous_token", "syntax", "semantic", "constant"), sets(t), "the report's order");
        // the top neuron: features with VR, its tokens escaped and visible, a link to its row in the top table
        String top = row(t, "data-family-neuron=\"1.5\">");
        assertTrue(top.contains("<code>contains_period</code></td><td class=\"n\" data-key=\"best_vr\">0.900</td>"), top);
        assertTrue(top.contains("<code>is_numeric</code></td><td class=\"n\" data-key=\"runner_up_vr\">0.300</td>"), top);
        assertTrue(top.contains("<a href=\"#top-L1-N5\" data-key=\"top_link\">top #1</a>"), top);
        assertTrue(top.contains(">" + ReportTestText.escape(" the") + "</span>") && top.contains(">&lt;b&gt;&amp;</span>")
                && top.contains(">↵</span>"), top);
        assertTrue(top.contains("title=\"mean 3.000, 40 tokens\""), top);
        assertTrue(html.contains("<tr data-neuron=\"1.5\" id=\"top-L1-N5\""), "the link's target");
        String constant = row(t, "data-family-neuron=\"2.9\">");
        assertTrue(constant.contains("<td>–</td><td class=\"n\" data-key=\"best_vr\">–</td>"), "no feature, no VR: " + constant);
        // the control's neurons are not in the anchor's top table: no links
        String c = table(section, "<table class=\"families\" data-families=\"families\" data-group=\"control\">");
        assertFalse(c.contains("top_link"), c);
        assertEquals(List.of("unigram", "position", "semantic"), sets(c));
        assertEquals(List.of("0.11", "0.10", "2.13", "2.14").stream().sorted().toList(),
                neurons(c, "semantic").stream().sorted().toList());
    }

    @Test
    void duplicateFamilies() {
        String t = table(section, "<table class=\"families\" data-families=\"duplicates\" data-group=\"trained\">");
        assertEquals(List.of("contains_period"), sets(t));
        List<String> members = new ArrayList<>(List.of("0.1", "0.2", "1.5"));
        members.sort(Comparator.comparingDouble((String s) -> -fx.excess[0][Integer.parseInt(s.split("\\.")[0]) * Fixture.D
                + Integer.parseInt(s.split("\\.")[1])]));
        assertEquals(members, neurons(t, "contains_period"));
        assertTrue(t.contains("<td rowspan=\"3\">unigram</td><td class=\"n\" rowspan=\"3\" data-key=\"set_neurons\">3</td>"), t);
        int c = section.indexOf("control: duplicate families");
        assertTrue(c > 0 && section.indexOf("data-key=\"no_duplicates\"", c) > c, "the control has none");
    }

    @Test
    void manyDuplicateFamiliesAreCutToTheLargest() throws IOException {
        // 22 features, feature k held by 3 neurons (k = 0..20) and feature 21 by 4: 67 neurons
        List<Row> rows = new ArrayList<>();
        for (int k = 0; k < 22; k++) {
            int members = k == 21 ? 4 : 3;
            for (int j = 0; j < members; j++) {
                int i = rows.size();
                rows.add(new Row(i / Fixture.D, i % Fixture.D, "unigram", "f" + k, "f" + k, 0.6, "", Double.NaN, members,
                        0, toks()));
            }
        }
        Path many = write(dir.resolve("many"), rows, fx.excess[0], "seed1", TRAINED_RULE, 1, Double.NaN);
        ReportModel m = ReportModelTest.model("--neurons", "trained=" + fx.trained, "--families", "trained=" + many,
                "--outdir", dir.toString());
        ReportModel.GroupFamilies g = m.families().groups().get(0);
        assertEquals(22, g.duplicateFamilies());
        assertEquals(FamiliesBuilder.DUPLICATES, g.duplicates().size());
        assertEquals("f21", g.duplicates().get(0).name(), "the largest first");
        assertEquals(4, g.duplicates().get(0).neurons());
        assertEquals(List.of("f0", "f1"), g.duplicates().subList(1, 3).stream().map(ReportModel.FamilySet::name).toList(),
                "then in the order of their first neuron");
        assertTrue(ReportPage.render(m).contains("The 20 largest of 22 are shown"));
        assertEquals(67, m.families().byLayer().stream().mapToInt(r -> r.byGroup().get(0).total()).sum());
    }

    @Test
    void theSectionSitsBetweenPropertiesAndReference() {
        int p = html.indexOf("<section id=\"properties\">");
        int f = html.indexOf("<section id=\"families\">");
        int r = html.indexOf("<section id=\"reference\">");
        int t = html.indexOf("<section id=\"top\">");
        assertTrue(p > 0 && p < f && f < r && r < t, p + " " + f + " " + r + " " + t);
        assertTrue(html.contains("<a href=\"#families\">Families</a>"), "in the navigation");
    }

    @Test
    void withoutFamiliesTheSectionIsOneSentence() throws IOException {
        ToolRunner r = ToolRunner.run(new ReportTool(), "--neurons", "trained=" + fx.trained, "--outdir", dir.toString());
        assertEquals(0, r.exitCode, r.toString());
        String page = Files.readString(dir.resolve("report/index.html"));
        int a = page.indexOf("<section id=\"families\">");
        String s = page.substring(a, page.indexOf("</section>", a));
        assertEquals("<section id=\"families\">\n<h2>Neuron families</h2>\n<p class=\"na\" data-key=\"families_absent\">"
                + "Neuron families were not computed for this report (no <code>--families GROUP=families.h5</code> given).</p>\n",
                s);
        assertFalse(Files.exists(dir.resolve("report/families_per_layer.png")));
        assertFalse(Files.exists(dir.resolve("report/families_per_layer.csv")));
        assertNull(ReportModelTest.model("--neurons", "trained=" + fx.trained, "--outdir", dir.toString()).families());
    }

    @Test
    void aGroupWithoutAFileIsNamed() {
        ReportModel m = ReportModelTest.model("--neurons", "trained=" + fx.trained, "--neurons", "control=" + fx.control,
                "--families", "trained=" + trainedFamilies, "--outdir", dir.toString());
        assertEquals(List.of("control"), m.families().without());
        assertEquals(List.of("trained"), m.families().groups().stream().map(ReportModel.GroupFamilies::group).toList());
        assertTrue(ReportPage.render(m).contains("No families file for control: families were not computed for it."));
    }

    private static void assertCluster(String table, int cluster, int neurons, String feature, int withFeature) {
        String r = row(table, "<tr data-cluster=\"" + cluster + "\">");
        String want = "data-key=\"cluster_neurons\">" + neurons + "</td><td data-key=\"cluster_feature\"><code>"
                + ReportTestText.escape(feature) + "</code> <small>(" + withFeature + " of " + neurons + ")</small></td>";
        assertTrue(r.contains(want), want + " in " + r);
    }

    /** The text from {@code start} to the end of its row. */
    private static String row(String html, String start) {
        int a = html.indexOf(start);
        assertTrue(a >= 0, start + " in the section");
        return html.substring(a, html.indexOf("</tr>", a));
    }

    private static String table(String html, String start) {
        int a = html.indexOf(start);
        assertTrue(a >= 0, start + " in the section");
        return html.substring(a, html.indexOf("</table>", a));
    }

    /** "L.N" of the example rows of one family (or duplicate family) of a table, in page order. */
    private static List<String> neurons(String table, String set) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("<tr data-set=\"" + Pattern.quote(set) + "\" data-family-neuron=\"([0-9.]+)\"").matcher(table);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** The families (or features) of a table, in page order. */
    private static List<String> sets(String table) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("<tr data-set=\"([^\"]+)\"").matcher(table);
        while (m.find()) {
            if (!out.contains(m.group(1))) {
                out.add(m.group(1));
            }
        }
        return out;
    }
}
