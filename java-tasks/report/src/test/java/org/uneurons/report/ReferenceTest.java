package org.uneurons.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.testing.ToolRunner;

/**
 * --reference: a reference table made from the fixture's own trained table with known changes (universality flipped
 * for some neurons, excess perturbed for others) must show exactly those changes; tables of another model shape
 * and malformed tables are refused with one line.
 */
class ReferenceTest {
    @TempDir
    static Path shared;
    static Fixture fx;

    @TempDir
    Path dir;

    @BeforeAll
    static void fixture() throws IOException {
        fx = new Fixture(Files.createDirectories(shared.resolve("in")));
    }

    /** Rows (= layer * D + neuron) of the trained table by universality, ascending. */
    private static List<Integer> rows(boolean universal) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < Fixture.N; i++) {
            if ((fx.universal[0][i] == 1) == universal) {
                out.add(i);
            }
        }
        return out;
    }

    @Test
    void showsExactlyTheChangesOfTheReference() throws IOException {
        List<Integer> universal = rows(true);
        List<Integer> rest = rows(false);
        // flipped off: three universal neurons of different layers; flipped on: two others; perturbed: four neurons,
        // one of them flipped (a perturbation alone changes no flag: the reference has is_universal)
        List<Integer> off = List.of(universal.get(0), universal.get(universal.size() / 2), universal.get(universal.size() - 1));
        List<Integer> on = List.of(rest.get(5), rest.get(rest.size() - 7));
        List<Integer> perturbed = List.of(3, 70, 150, off.get(1));
        double[] refExcess = fx.excess[0].clone();
        for (int k = 0; k < perturbed.size(); k++) {
            refExcess[perturbed.get(k)] += 0.05 * (k + 1);
        }
        List<String> lines = Files.readAllLines(fx.trained);
        List<String> header = Arrays.asList(lines.get(0).split(","));
        int ex = header.indexOf("excess_corr");
        int iu = header.indexOf("is_universal");
        for (int i = 0; i < Fixture.N; i++) {
            String[] f = lines.get(i + 1).split(",");
            f[ex] = Double.toString(refExcess[i]);
            f[iu] = off.contains(i) ? "0" : on.contains(i) ? "1" : f[iu];
            lines.set(i + 1, String.join(",", f));
        }
        Path ref = dir.resolve("changed.csv");
        Files.write(ref, lines);

        Path out = dir.resolve("out");
        ToolRunner r = ToolRunner.run(new ReportTool(), "--neurons", "trained=" + fx.trained, "--neurons", "control=" + fx.control,
                "--reference", "changed=" + ref, "--outdir", out.toString());
        assertEquals(0, r.exitCode, r.toString());
        String html = Files.readString(out.resolve("report/index.html"));
        String section = html.substring(html.indexOf("<section id=\"reference\">"), html.indexOf("</section>", html.indexOf("<section id=\"reference\">")));

        int u = universal.size();
        assertCell(section, "anchor_universal", Integer.toString(u));
        assertCell(section, "reference_universal", Integer.toString(u - 3 + 2));
        assertCell(section, "both", Integer.toString(u - 3));
        assertCell(section, "only_anchor", "3");
        assertCell(section, "only_reference", "2");
        assertCell(section, "jaccard", String.format(Locale.ROOT, "%.4f", (u - 3) / (double) (u + 2)));
        assertCell(section, "shared", Integer.toString(Fixture.N));
        assertCell(section, "pearson", String.format(Locale.ROOT, "%.4f", pearson(fx.excess[0], refExcess)));
        assertCell(section, "spearman", String.format(Locale.ROOT, "%.4f", pearson(ranks(fx.excess[0]), ranks(refExcess))));
        assertTrue(section.contains("every neuron of 3 layers x 64"), "a complete table");
        assertTrue(section.contains("those flagged in its <code>is_universal</code> column"), "flags from the table");

        // the listed neurons are exactly the flipped ones, in layer order, with both tables' excess
        assertEquals(names(off), listed(section, "only_anchor"));
        assertEquals(names(on), listed(section, "only_reference"));
        int p = off.get(1);
        assertTrue(section.contains("<tr data-listed=\"" + p / Fixture.D + "." + p % Fixture.D + "\"><td class=\"nw\">L"
                + p / Fixture.D + " N" + p % Fixture.D + "</td><td class=\"n\">" + Fmt.corr(fx.excess[0][p]) + "</td><td class=\"n\">"
                + Fmt.corr(refExcess[p]) + "</td></tr>"), "the perturbed, flipped neuron with both excess values: " + section);

        // per layer side by side, and the chart's data beside it
        List<String> csv = Files.readAllLines(out.resolve("report/reference_layers.csv"));
        assertEquals("table,layer,universal,neurons,fraction", csv.get(0));
        for (int l = 0; l < Fixture.LAYERS; l++) {
            int a = 0;
            int b = 0;
            for (int j = 0; j < Fixture.D; j++) {
                int i = l * Fixture.D + j;
                a += fx.universal[0][i] == 1 ? 1 : 0;
                b += (fx.universal[0][i] == 1 && !off.contains(i)) || on.contains(i) ? 1 : 0;
            }
            String row = section.substring(section.indexOf("<tr data-reference-layer=\"" + l + "\">"));
            row = row.substring(0, row.indexOf("</tr>"));
            assertTrue(row.contains("data-key=\"anchor\">" + Fixture.pct(a, Fixture.D) + " <small>(" + a + ")</small>"), row);
            assertTrue(row.contains("data-key=\"reference\">" + Fixture.pct(b, Fixture.D) + " <small>(" + b + ")</small>"), row);
            assertTrue(csv.contains("trained," + l + "," + a + ",64," + a / 64.0), "csv row of trained, layer " + l);
            assertTrue(csv.contains("changed," + l + "," + b + ",64," + b / 64.0), "csv row of changed, layer " + l);
        }
        List<String> scatter = Files.readAllLines(out.resolve("report/reference_excess.csv"));
        assertEquals("trained,changed", scatter.get(0));
        assertEquals(1 + Fixture.N, scatter.size());
        assertEquals(fx.excess[0][p] + "," + refExcess[p], scatter.get(1 + p));
        // the SVG copies; the scatter's points are the CSV's rows, in order, at (anchor, reference)
        // 3 densities, sweep, layer boxes, universal and 4 thresholds per layer, reference layers and scatter
        assertEquals(12, SvgFigures.checkAll(out.resolve("report")));
        SvgFigures.Svg svg = SvgFigures.read(out.resolve("report/reference_excess.svg"));
        List<double[]> at = svg.points(Charts.colour(2));
        assertEquals(Fixture.N, at.size(), "one point per neuron");
        double[] x = new double[Fixture.N];
        double[] y = new double[Fixture.N];
        for (int i = 0; i < Fixture.N; i++) {
            String[] f = scatter.get(1 + i).split(",");
            x[i] = Double.parseDouble(f[0]);
            y[i] = Double.parseDouble(f[1]);
        }
        SvgFigures.assertAffine(x, at.stream().mapToDouble(a -> a[0]).toArray(), "reference_excess x");
        SvgFigures.assertAffine(y, at.stream().mapToDouble(a -> a[1]).toArray(), "reference_excess y");
    }

    @Test
    void aTableInThePaperFormatIsASelection() throws IOException {
        // as pandas writes the paper's tables: an unnamed index column, no is_universal, only some neurons
        StringBuilder sb = new StringBuilder(",layer,neuron,mean_corr,mean_baseline,excess_corr\n");
        List<Integer> listed = new ArrayList<>(rows(true));
        int extra = rows(false).get(10);
        listed.add(extra);
        listed.sort(null);
        for (int k = 0; k < listed.size(); k++) {
            int i = listed.get(k);
            double e = i == extra ? 0.45 : fx.excess[0][i];
            sb.append(k).append(',').append(i / Fixture.D).append(',').append(i % Fixture.D).append(",0.7,0.2,").append(e).append('\n');
        }
        Path ref = dir.resolve("universal.csv");
        Files.writeString(ref, sb.toString());
        ReportModel m = ReportModelTest.model("--neurons", "trained=" + fx.trained, "--reference", ref.toString(),
                "--outdir", dir.toString());
        ReportModel.Reference r = m.reference();
        int u = rows(true).size();
        assertEquals("reference", r.label(), "the default label");
        assertEquals(u + 1, r.rows());
        assertFalse(r.complete());
        assertFalse(r.flagged());
        assertEquals(u, r.referenceUniversal(), "excess 0.45 is not above the threshold 0.5");
        assertEquals(u, r.both());
        assertEquals(1.0, r.jaccard());
        assertEquals(u + 1, r.shared(), "correlations over the listed neurons only");
        assertEquals(0, r.onlyAnchor().total() + r.onlyReference().total());
        String page = ReportPage.render(m);
        assertTrue(page.contains("a selection of the neurons of 3 layers x 64"), "a selection");
        assertTrue(page.contains("those with <code>excess_corr</code> above the run's threshold, 0.50"), "the rule");
    }

    @Test
    void aCompleteTableOfAnotherShapeIsRefused() throws IOException {
        Path small = dir.resolve("small.csv");
        Files.write(small, Files.readAllLines(fx.trained).subList(0, 1 + 2 * Fixture.D));
        expectError("report: error: " + small + ": a table of every neuron of 2 layers x 64 neurons, but the anchor trained ("
                + fx.trained + ") has 3 layers x 64 neurons; expected a reference table of the same model shape", small);
    }

    @Test
    void aSelectionOutsideTheModelIsRefused() throws IOException {
        Path bad = dir.resolve("outside.csv");
        Files.writeString(bad, "layer,neuron,excess_corr\n0,5,0.6\n3,7,0.7\n");
        expectError("report: error: " + bad + ": line 3: layer 3 neuron 7 is outside the anchor's model, the anchor trained ("
                + fx.trained + ") has 3 layers x 64 neurons; expected a reference table of the same model shape", bad);
        Files.writeString(bad, "layer,neuron,excess_corr\n0,64,0.6\n");
        expectError("report: error: " + bad + ": line 2: layer 0 neuron 64 is outside the anchor's model, the anchor trained ("
                + fx.trained + ") has 3 layers x 64 neurons; expected a reference table of the same model shape", bad);
    }

    @Test
    void malformedReferencesAreRefused() throws IOException {
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "layer,neuron,excess_corr\n0,5,0.6\n1,2,0.1\n0,5,0.7\n");
        expectError("report: error: " + bad + ": line 4: layer 0 neuron 5 is listed twice (also line 2); expected one row per neuron", bad);
        Files.writeString(bad, "layer,neuron,excess_corr,is_universal\n0,5,0.6,yes\n");
        expectError("report: error: " + bad + ": line 2, column 'is_universal': 'yes' is not 0, 1, True or False (expected "
                + ReferenceTable.WHAT + ")", bad);
        Files.writeString(bad, "layer,neuron,mean_corr\n0,5,0.6\n");
        expectError("report: error: " + bad + ": no column 'excess_corr' (expected " + ReferenceTable.WHAT + ")", bad);
        Files.writeString(bad, "layer,neuron,excess_corr\n");
        expectError("report: error: " + bad + ": no neuron rows (expected " + ReferenceTable.WHAT + ")", bad);
    }

    @Test
    void pandasBooleansAreFlags() throws IOException {
        Path ref = dir.resolve("flags.csv");
        Files.writeString(ref, "layer,neuron,excess_corr,is_universal\n0,1,0.1,True\n2,3,0.9,False\n");
        ReportModel.Reference r = ReportModelTest.model("--neurons", "trained=" + fx.trained, "--reference", ref.toString(),
                "--outdir", dir.toString()).reference();
        assertTrue(r.flagged());
        assertEquals(1, r.referenceUniversal(), "True/False as pandas writes them; the flag wins over the excess");
        assertEquals(List.of(new ReportModel.ListedNeuron(0, 1, fx.excess[0][1], 0.1)), r.onlyReference().neurons());
    }

    @Test
    void aSecondReferenceIsAUsageError() {
        ToolRunner r = ToolRunner.run(new ReportTool(), "--neurons", fx.trained.toString(), "--reference", "a.csv",
                "--reference", "b.csv", "--outdir", dir.toString());
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("report: error: --reference is given 2 times; give one reference table", r.errorLine());
    }

    private void expectError(String line, Path ref) {
        ToolRunner r = ToolRunner.run(new ReportTool(), "--neurons", "trained=" + fx.trained, "--reference", ref.toString(),
                "--outdir", dir.toString());
        assertEquals(1, r.exitCode, r.toString());
        assertEquals(line, r.errorLine(), r.toString());
        assertEquals(1, r.stderr.strip().lines().count(), "one line on stderr: " + r.stderr);
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(p -> assertFalse(p.getFileName().toString().contains("report"), "published or left: " + p));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void assertCell(String html, String key, String content) {
        String want = "data-key=\"" + key + "\">" + content + "</td>";
        assertTrue(html.contains(want), want + " in " + html);
    }

    /** "L.N" of the data-listed rows of one list table. */
    private static List<String> listed(String section, String list) {
        int a = section.indexOf("data-list=\"" + list + "\"");
        assertTrue(a >= 0, "list " + list);
        String table = section.substring(a, section.indexOf("</table>", a));
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("data-listed=\"([0-9.]+)\"").matcher(table);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static List<String> names(List<Integer> rows) {
        return rows.stream().sorted().map(i -> i / Fixture.D + "." + i % Fixture.D).toList();
    }

    /** The test's own Pearson r, from sums of products of deviations. */
    static double pearson(double[] x, double[] y) {
        double mx = Arrays.stream(x).average().orElseThrow();
        double my = Arrays.stream(y).average().orElseThrow();
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxy / Math.sqrt(sxx * syy);
    }

    /** The test's own average ranks, by counting: 1 + (values below) + (other equal values) / 2. */
    static double[] ranks(double[] x) {
        double[] r = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            int below = 0;
            int equal = 0;
            for (double v : x) {
                below += v < x[i] ? 1 : 0;
                equal += v == x[i] ? 1 : 0;
            }
            r[i] = 1 + below + (equal - 1) / 2.0;
        }
        return r;
    }
}
