package org.uneurons.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.UsageException;

/** The report's stages one by one: settings, the model computed from the inputs, the charts and the page. */
class ReportModelTest {
    @TempDir
    static Path shared;
    static Fixture fx;
    static ReportModel full;

    @TempDir
    Path dir;

    @BeforeAll
    static void buildModel() throws IOException {
        fx = new Fixture(Files.createDirectories(shared.resolve("in")));
        full = model(ReportToolTest.fullArgs(fx, shared.resolve("out")));
    }

    static ReportSettings settings(String... argv) {
        Options o = new Options();
        new ReportTool().declareOptions(o);
        try {
            return ReportSettings.from(new Args(new DefaultParser(false).parse(o, argv)));
        } catch (ParseException e) {
            throw new AssertionError(e);
        }
    }

    static ReportModel model(String... argv) {
        ReportSettings s = settings(argv);
        return ModelBuilder.build(s, ReportInputs.read(s), "test");
    }

    @Test
    void modelHoldsTheFixturesCounts() {
        int above05 = 0;
        int universal = 0;
        for (int i = 0; i < Fixture.N; i++) {
            above05 += fx.excess[0][i] > 0.5 ? 1 : 0;
            universal += fx.universal[0][i];
        }
        assertEquals(List.of("trained", "control"), full.groups());
        ReportModel.GroupHeadline trained = full.headline().groups().get(0);
        assertEquals(Fixture.N, trained.neurons());
        assertEquals(above05, trained.above05().count());
        assertEquals(universal, trained.universal().count());
        ReportModel.SweepRow run = full.sweep().rows().stream().filter(ReportModel.SweepRow::run).findFirst().orElseThrow();
        assertEquals(0.5, run.threshold(), 1e-12);
        assertEquals(above05, run.byGroup().get(0).count());
        assertEquals(Fixture.LAYERS, full.layers().rows().size());
        assertEquals("layer_fractions.csv", full.layers().checkedAgainst());
        assertEquals(ReportModel.PropertiesState.SHOWN, full.properties().state());
        // the statistics columns of the table win over percentiles.csv: per-layer columns of the layers with universal neurons
        List<String> layersWithUniversal = new ArrayList<>();
        for (int l = 0; l < Fixture.LAYERS; l++) {
            for (int j = 0; j < Fixture.D; j++) {
                if (fx.universal[0][l * Fixture.D + j] == 1) {
                    layersWithUniversal.add("L" + l);
                    break;
                }
            }
        }
        assertEquals(layersWithUniversal, full.properties().layerColumns());
        assertNull(full.properties().percentilesFile());
        assertEquals(10, full.top().rows().size());
        assertEquals(Fixture.TOP_LAYER, full.top().rows().get(0).layer());
        assertEquals(Fixture.TOP_NEURON, full.top().rows().get(0).neuron());
        // the fixture's three timing files: two processes, three tasks
        assertEquals(2, full.run().timings().processes().size());
        assertEquals(3, full.run().timings().tasks());
        assertEquals(2, full.run().training().rows().size());
    }

    @Test
    void missingInputsLeaveTheirPartsEmpty() {
        ReportModel m = model("--neurons", fx.control.toString(), "--outdir", dir.toString());
        assertTrue(m.run().models().isEmpty());
        assertTrue(m.run().params().isEmpty());
        assertTrue(!m.run().tokens().any());
        assertNull(m.run().timings());
        assertNull(m.run().training());
        assertNull(m.layers().checkedAgainst());
        assertEquals(ReportModel.PropertiesState.NO_INPUT, m.properties().state());
        assertNull(m.reference());
        assertTrue(!m.top().withContexts() && m.top().decoding().isEmpty());
        assertNull(m.top().rows().get(0).contexts());
    }

    @Test
    void modelCannotBeChanged() {
        assertThrows(UnsupportedOperationException.class, () -> full.groups().add("x"));
        assertThrows(UnsupportedOperationException.class, () -> full.sweep().rows().get(0).byGroup().clear());
        assertThrows(UnsupportedOperationException.class, () -> full.run().params().put("x", "y"));
        assertThrows(UnsupportedOperationException.class, () -> full.run().training().curves().get(0).y().set(0, 1.0));
        assertThrows(UnsupportedOperationException.class, () -> full.distributions().get(0).edges().set(0, 1.0));
        assertThrows(UnsupportedOperationException.class, () -> full.properties().rows().get(0).byLayer().clear());
        assertThrows(UnsupportedOperationException.class, () -> full.properties().rows().get(0).values().set(0, 1.0));
        assertThrows(UnsupportedOperationException.class, () -> full.layers().anyAbove().set(0, false));
        assertThrows(UnsupportedOperationException.class,
                () -> full.layers().rows().get(0).byGroup().get(0).excess().outliers().add(1.0));
        assertThrows(UnsupportedOperationException.class, () -> full.top().rows().get(0).contexts().contexts().clear());
        assertThrows(UnsupportedOperationException.class, () -> full.top().decoding().clear());
    }

    @Test
    void pageIsAFunctionOfTheModel() {
        String page = ReportPage.render(full);
        assertEquals(page, ReportPage.render(full), "rendering twice gives the same page");
        assertTrue(page.contains("<tr data-timing=\"UN:CORRELATE\">"), "timings from the model");
    }

    @Test
    void chartsAreExactlyTheImagesThePageShows() throws IOException {
        ReportModel minimal = model("--neurons", fx.control.toString(), "--outdir", dir.toString());
        for (ReportModel m : List.of(full, minimal)) {
            Path charts = Files.createDirectories(dir.resolve("charts" + m.groups().size()));
            ReportCharts.write(m, charts);
            Set<String> written = new TreeSet<>();
            try (Stream<Path> s = Files.list(charts)) {
                s.forEach(p -> written.add(p.getFileName().toString()));
            }
            Set<String> linked = new TreeSet<>();
            Matcher img = Pattern.compile("<img src=\"([^\"]*)\"").matcher(ReportPage.render(m));
            while (img.find()) {
                linked.add(img.group(1));
                linked.add(ReportCharts.csv(img.group(1))); // every chart's data beside it
                linked.add(ReportCharts.svg(img.group(1))); // and its SVG copy
            }
            Matcher files = Pattern.compile("<a href=\"([^\"#]*\\.(?:csv|svg|png))\"").matcher(ReportPage.render(m));
            while (files.find()) {
                assertTrue(linked.contains(files.group(1)), "a file link of a chart on the page: " + files.group(1));
            }
            assertEquals(linked, written);
        }
    }

    @Test
    void settingsParseLabelsAndKeyValues() {
        ReportSettings s = settings("--neurons", "a.csv", "--neurons", "ctl=b.csv", "--neurons", "c.csv",
                "--train-log", "x.csv", "--param", "layers=0,1", "--param", "k=v", "--outdir", "out");
        assertEquals(List.of("group1", "ctl", "group3"), s.neurons().stream().map(ReportSettings.Labelled::label).toList());
        assertEquals(List.of("model1"), s.trainLogs().stream().map(ReportSettings.Labelled::label).toList());
        assertEquals(List.of(Map.entry("layers", "0,1"), Map.entry("k", "v")), s.params());
        assertEquals(ReportSettings.DEFAULT_TOP, s.top());
        assertNull(s.threshold());
        assertNull(s.anchorStats());
    }

    @Test
    void settingsCheckThemselves() {
        List<ReportSettings.Labelled> one = List.of(new ReportSettings.Labelled("a", Path.of("a.csv")));
        List<ReportSettings.Labelled> twice = new ArrayList<>(one);
        twice.add(new ReportSettings.Labelled("a", Path.of("b.csv")));
        assertEquals("--neurons: label 'a' is given twice; labels must be unique",
                assertThrows(UsageException.class, () -> settings(twice, 20, 5, 12, null)).getMessage());
        assertEquals("--window expects a non-negative integer, got -1",
                assertThrows(UsageException.class, () -> settings(one, 20, 5, -1, null)).getMessage());
        assertEquals("--contexts expects a positive integer, got 0",
                assertThrows(UsageException.class, () -> settings(one, 20, 0, 12, null)).getMessage());
        assertEquals("--tokens expects a non-negative integer, got -3",
                assertThrows(UsageException.class, () -> settings(one, 20, 5, 12, -3L)).getMessage());
        assertEquals("missing required option --neurons (see --help)",
                assertThrows(UsageException.class, () -> settings(List.of(), 20, 5, 12, null)).getMessage());
    }

    private static ReportSettings settings(List<ReportSettings.Labelled> neurons, int top, int contexts, int window, Long tokens) {
        return new ReportSettings(Path.of("out"), neurons, null, null, List.of(), List.of(), List.of(), null, List.of(), null,
                List.of(), List.of(), tokens, top, contexts, window, "t", null, null, List.of(), List.of(), List.of(), null,
                true, ReportSettings.DEFAULT_BROWSER_CONTEXTS);
    }
}
