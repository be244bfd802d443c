package org.uneurons.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.testing.ToolRunner;

/** The section "Universality through training" from a dynamics directory (--dynamics), and the report without it. */
class DynamicsReportTest {
    @TempDir
    static Path shared;
    static Fixture fx;
    static Path dyn;
    static Path report;
    static String html;
    static ToolRunner run;

    @BeforeAll
    static void build() throws Exception {
        fx = new Fixture(Files.createDirectories(shared.resolve("in")));
        dyn = Files.createDirectories(shared.resolve("dynamics"));
        // two sizes at steps 16, 64 and 640, each with its control; w64 has 2 layers, w32 one
        StringBuilder curves = new StringBuilder("size,step,kind,n_neurons,n_dead,mean_excess,median_excess,frac_above_0.1,frac_above_0.5\n");
        StringBuilder layers = new StringBuilder("size,step,kind,layer,n_neurons,mean_excess,frac_universal\n");
        for (String size : List.of("w32", "w64")) {
            for (int step : new int[] {16, 64, 640}) {
                double e = (size.equals("w64") ? 0.05 : 0.0) + step / 2000.0;
                // no neuron of any table above 0.5: no chart of that fraction
                curves.append(size).append(',').append(step).append(",trained,128,2,").append(e).append(',').append(e)
                        .append(",").append(e / 4).append(",0.0\n");
                curves.append(size).append(',').append(step).append(",control,128,0,0.01,0.01,0.0,0.0\n");
                for (int l = 0; l < (size.equals("w64") ? 2 : 1); l++) {
                    layers.append(size).append(',').append(step).append(",trained,").append(l).append(",64,").append(e)
                            .append(',').append(e / (l + 1)).append('\n');
                }
            }
        }
        Files.writeString(dyn.resolve("curves.csv"), curves.toString());
        Files.writeString(dyn.resolve("layers.csv"), layers.toString());
        Files.writeString(dyn.resolve("onset.csv"), "size,layer,neuron,final_excess,onset_step\n"
                + "w32,0,3,0.61,64\nw32,0,9,0.55,640\nw64,1,4,0.7,16\nw64,0,2,0.52,\n");
        Files.writeString(dyn.resolve("trajectories.csv"), "size,layer,neuron,final_excess,excess_16\nw32,0,0,0.1,0.1\n");
        Files.writeString(dyn.resolve("persistence.csv"), "size,step,n_universal,n_universal_at_final,frac_stay\n"
                + "w32,16,0,0,\nw32,64,4,3,0.75\nw32,640,5,5,1.0\nw64,16,2,1,0.5\nw64,64,2,2,1.0\nw64,640,6,6,1.0\n");
        List<String> args = new ArrayList<>(Arrays.asList(ReportToolTest.fullArgs(fx, shared.resolve("out"))));
        args.addAll(List.of("--dynamics", dyn.toString()));
        run = ToolRunner.run(new ReportTool(), args.toArray(String[]::new));
        report = shared.resolve("out/report");
        html = Files.exists(report.resolve("index.html")) ? Files.readString(report.resolve("index.html")) : "";
    }

    @Test
    void theSectionShowsEveryCurveWithItsSvgAndData() throws Exception {
        assertEquals(0, run.exitCode, run.toString());
        assertTrue(html.contains("<section id=\"dynamics\">\n<h2>Universality through training</h2>"));
        assertTrue(html.contains("<a href=\"#dynamics\">Through training</a>"));
        assertTrue(html.indexOf("id=\"dynamics\"") > html.indexOf("id=\"headline\"")
                && html.indexOf("id=\"dynamics\"") < html.indexOf("id=\"distributions\""), "after the headline");
        assertFalse(html.contains("dynamics_frac_above_0.5.png"));
        assertFalse(Files.exists(report.resolve("dynamics_frac_above_0.5.png")), "no chart of only zeros");
        assertTrue(html.contains("No neuron of any table has excess correlation above 0.5 at any step"));
        for (String png : List.of("dynamics_excess.png", "dynamics_frac_above_0.1.png",
                "dynamics_layers_w32.png", "dynamics_layers_w64.png", "dynamics_onset.png")) {
            assertTrue(html.contains("<img src=\"" + png + "\""), png);
            for (String f : List.of(png, ReportCharts.svg(png), ReportCharts.csv(png))) {
                assertTrue(Files.size(report.resolve(f)) > 0, f);
            }
        }
        // the excess figure's data: every size's trained line and the control, as curves.csv has them
        List<String> data = Files.readAllLines(report.resolve("dynamics_excess.csv"));
        assertEquals("size,kind,step,mean_excess", data.get(0));
        assertTrue(data.contains("w64,trained,640," + (0.05 + 640 / 2000.0)), data.toString());
        assertTrue(data.contains("w32,control,16,0.01"), data.toString());
        assertEquals(1 + 2 * 3 * 2, data.size());
        // per layer: w64 has two lines
        List<String> w64 = Files.readAllLines(report.resolve("dynamics_layers_w64.csv"));
        assertEquals(1 + 2 * 3, w64.size());
        // onset: per size, the fraction of its most universal neurons per onset step, and those not universal at the end
        List<String> onset = Files.readAllLines(report.resolve("dynamics_onset.csv"));
        assertTrue(onset.contains("w32,64,1,0.5") && onset.contains("w32,640,1,0.5") && onset.contains("w64,16,1,0.5")
                && onset.contains("w64,not at the last step,1,0.5"), onset.toString());
        // persistence: a table cell per size and step
        assertTrue(html.contains("data-key=\"persist_w32_64\">75.00%"), "persistence of w32 at step 64");
        assertTrue(html.contains("data-key=\"persist_w32_16\">–"));
        assertTrue(html.contains("What they do not show"));
    }

    @Test
    void withoutDynamicsTheReportHasNoSuchSection() throws Exception {
        ToolRunner r = ToolRunner.run(new ReportTool(), ReportToolTest.fullArgs(fx, shared.resolve("plain")));
        assertEquals(0, r.exitCode, r.toString());
        String page = Files.readString(shared.resolve("plain/report/index.html"));
        assertFalse(page.contains("id=\"dynamics\""));
        assertFalse(page.contains("#dynamics"));
        assertFalse(Files.exists(shared.resolve("plain/report/dynamics_excess.png")));
    }

    @Test
    void aBadDynamicsDirectoryIsOneLine() throws Exception {
        Path empty = Files.createDirectories(shared.resolve("empty-dyn"));
        List<String> args = new ArrayList<>(Arrays.asList(ReportToolTest.fullArgs(fx, shared.resolve("bad"))));
        args.addAll(List.of("--dynamics", empty.toString()));
        ToolRunner r = ToolRunner.run(new ReportTool(), args.toArray(String[]::new));
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("report: error: " + empty.resolve("curves.csv") + ": no such file (expected the dynamics tool's curves.csv)",
                r.errorLine());
        assertFalse(Files.exists(shared.resolve("bad/report")), "nothing published");
    }
}
