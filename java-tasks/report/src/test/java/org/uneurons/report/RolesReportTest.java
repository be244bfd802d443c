package org.uneurons.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.testing.ToolRunner;

/**
 * The Functional roles and Interventions sections from roles and intervention directories written here: the band
 * (mean, min, max over the trained seeds per layer and percentile) and the control's line against values computed
 * plainly, the counts, the curves' data, the tables; absent inputs give one sentence; bad inputs one line.
 */
class RolesReportTest {
    static final int LAYERS = 3;
    static final String[] SEEDS = {"seed1", "seed2", "seed3"};

    @TempDir
    Path dir;
    Fixture fx;
    /** [model][layer][percentile] of vocab_kurt, and role counts [model][layer][role]. */
    final double[][][] kurt = new double[4][LAYERS][5];
    final int[][][] counts = new int[4][LAYERS][5];

    @BeforeEach
    void setUp() throws IOException {
        Files.createDirectories(dir.resolve("fx"));
        fx = new Fixture(dir.resolve("fx"));
        SplittableRandom r = new SplittableRandom(9);
        for (int m = 0; m < 4; m++) {
            StringBuilder sb = new StringBuilder("layer,prediction,suppression,partition,entropy_candidates,"
                    + "attention_candidates,vocab_kurt_p5,vocab_kurt_p10,vocab_kurt_p50,vocab_kurt_p90,vocab_kurt_p95,"
                    + "vocab_skew_p5,vocab_skew_p10,vocab_skew_p50,vocab_skew_p90,vocab_skew_p95\n");
            for (int l = 0; l < LAYERS; l++) {
                sb.append(l);
                for (int k = 0; k < 5; k++) {
                    counts[m][l][k] = r.nextInt(20);
                    sb.append(',').append(counts[m][l][k]);
                }
                double base = 3 + r.nextDouble() * (m == 3 ? 0.1 : 5 * (l + 1));
                for (int k = 0; k < 5; k++) {
                    kurt[m][l][k] = base + k * 0.7 + r.nextDouble();
                    sb.append(',').append(kurt[m][l][k]);
                }
                for (int k = 0; k < 5; k++) {
                    sb.append(',').append(-1 + k * 0.5);
                }
                sb.append('\n');
            }
            Path d = dir.resolve("roles/" + model(m));
            Files.createDirectories(d);
            Files.writeString(d.resolve("roles_layers.csv"), sb.toString());
            Files.writeString(d.resolve("roles.csv"), "layer,neuron\n");
        }
        Path iv = dir.resolve("iv/trained");
        Files.createDirectories(iv);
        StringBuilder e = new StringBuilder("layer,neuron,kind,null_fraction,value,ln_frozen,tokens,loss,entropy,"
                + "reciprocal_rank,ln_scale\n,,nominal,,,false,100,3.5,2.5,0.3,4.0\n");
        for (String[] n : new String[][] {{"2", "7", "entropy"}, {"2", "9", "random"}, {"1", "4", "random"}}) {
            for (double v : new double[] {0, 2, 4}) {
                for (boolean frozen : new boolean[] {false, true}) {
                    e.append(n[0]).append(',').append(n[1]).append(',').append(n[2]).append(",0.5,").append(v)
                            .append(',').append(frozen).append(",100,").append(3.5 + v * 0.1).append(',')
                            .append(2.5 + (n[2].equals("entropy") && !frozen ? v * 0.3 : v * 0.01)).append(",0.3,")
                            .append(4 + v).append('\n');
                }
            }
        }
        Files.writeString(iv.resolve("entropy.csv"), e.toString());
        Files.writeString(iv.resolve("attention.csv"), "layer,neuron,head_layer,head,kind,bos_score,bos_ratio,points,"
                + "mean_activation,mean_bos_prob_effect,mean_norm_effect,mean_frac_norm_effect,pearson_norm,spearman_norm,"
                + "pearson_bos,spearman_bos\n0,3,2,1,attention,0.8,2.5,300,0.4,0.12,-0.5,-0.1,-0.871,-0.85,0.6,0.55\n"
                + "1,5,2,0,random,-0.1,0.4,300,0.3,0.001,0.01,0.002,,,0.01,0.02\n");
        Files.writeString(iv.resolve("prediction.csv"), "layer,neuron,kind,vocab_kurt,vocab_skew,active_tokens,"
                + "mean_activation,delta_prob_boosted,delta_prob_suppressed,delta_loss,boosted_tokens,suppressed_tokens\n"
                + "2,11,prediction,40,3,55,0.7,-0.0213,0.001,0.02,1 2 3,4 5 6\n2,12,random,3,0,60,0.2,,,,7,8\n");
    }

    static String model(int m) {
        return m < 3 ? SEEDS[m] : "control";
    }

    ToolRunner run(String... extra) {
        List<String> args = new ArrayList<>(List.of("--neurons", "trained=" + fx.trained, "--neurons", "control=" + fx.control,
                "--outdir", dir.resolve("out").toString()));
        args.addAll(List.of(extra));
        return ToolRunner.run(new ReportTool(), args.toArray(String[]::new));
    }

    List<String> rolesArgs() {
        List<String> a = new ArrayList<>();
        for (int m = 0; m < 4; m++) {
            a.add("--roles");
            a.add(model(m) + "=" + dir.resolve("roles/" + model(m)));
        }
        a.addAll(List.of("--control", "control", "--interventions", "trained=" + dir.resolve("iv/trained")));
        return a;
    }

    @Test
    void bandsCountsAndTablesMatchTheInputs() throws IOException {
        ToolRunner r = run(rolesArgs().toArray(String[]::new));
        assertEquals(0, r.exitCode, r.toString());
        Path report = dir.resolve("out/report");
        String html = Files.readString(report.resolve("index.html"));
        // the band: mean, min and max over the three seeds; the control apart
        List<String> rows = Files.readAllLines(report.resolve("roles_kurtosis.csv"));
        assertEquals("percentile,layer,trained_mean,trained_min,trained_max,control", rows.get(0));
        assertEquals(1 + 5 * LAYERS, rows.size());
        int[] pct = {5, 10, 50, 90, 95};
        for (int k = 0; k < 5; k++) {
            for (int l = 0; l < LAYERS; l++) {
                String[] f = rows.get(1 + k * LAYERS + l).split(",");
                double a = kurt[0][l][k], b = kurt[1][l][k], c = kurt[2][l][k];
                assertEquals(pct[k], Integer.parseInt(f[0]));
                assertEquals(l, Integer.parseInt(f[1]));
                assertEquals((a + b + c) / 3, Double.parseDouble(f[2]), 1e-12);
                assertEquals(Math.min(a, Math.min(b, c)), Double.parseDouble(f[3]), 0);
                assertEquals(Math.max(a, Math.max(b, c)), Double.parseDouble(f[4]), 0);
                assertEquals(kurt[3][l][k], Double.parseDouble(f[5]), 0);
            }
        }
        assertTrue(Files.exists(report.resolve("roles_kurtosis.png")) && Files.exists(report.resolve("roles_skew.png")));
        // counts: per model totals, per layer the seeds' mean with their range and the control
        int total = 0;
        for (int l = 0; l < LAYERS; l++) {
            total += counts[1][l][0];
        }
        assertTrue(html.contains("data-key=\"roles_seed2_prediction\">" + total + "<"), "seed2's prediction total");
        int l = 2, k = 4;
        double mean = (counts[0][l][k] + counts[1][l][k] + counts[2][l][k]) / 3.0;
        int lo = Math.min(counts[0][l][k], Math.min(counts[1][l][k], counts[2][l][k]));
        int hi = Math.max(counts[0][l][k], Math.max(counts[1][l][k], counts[2][l][k]));
        assertTrue(html.contains("data-key=\"roles_layer2_attention_candidates\">" + Fmt.general(mean) + " (" + lo + "–"
                + hi + ")<"), html);
        assertTrue(html.contains("data-key=\"roles_layer2_attention_candidates_control\">" + counts[3][l][k] + "<"));
        // interventions: the curves' data, the tables
        List<String> curve = Files.readAllLines(report.resolve("interventions_trained_entropy.csv"));
        assertEquals("neuron,kind,ln_frozen,value,entropy", curve.get(0));
        assertTrue(curve.contains("L2.7,entropy,false,4.0,3.7"), curve.toString());
        assertTrue(curve.contains(",nominal,false,,2.5"), curve.toString());
        for (String m : ReportCharts.ENTROPY_METRICS) {
            assertTrue(Files.exists(report.resolve(ReportCharts.interventionFile("trained", m))), m);
        }
        assertTrue(html.contains("data-key=\"attention_trained_L0.3_pearson_norm\">-0.871<"));
        assertTrue(html.contains("data-key=\"prediction_trained_L2.11_boosted\">-0.0213<"));
        assertTrue(html.contains("data-key=\"prediction_trained_L2.12_boosted\">–<"), "an empty field is not a number");
        assertTrue(html.contains("<h3>control</h3>") == false, "no interventions directory for control: no block");
    }

    @Test
    void withoutRolesOneSentenceEach() throws IOException {
        ToolRunner r = run();
        assertEquals(0, r.exitCode, r.toString());
        String html = Files.readString(dir.resolve("out/report/index.html"));
        assertTrue(html.contains("data-key=\"roles_absent\""));
        assertTrue(html.contains("data-key=\"interventions_absent\""));
    }

    @Test
    void badInputsGiveOneLine() throws IOException {
        ToolRunner r = run("--interventions", "nosuch=" + dir.resolve("iv/trained"));
        assertEquals(2, r.exitCode);
        assertEquals("report: error: --interventions: no group 'nosuch' among the --neurons groups (trained, control);"
                + " expected GROUP=DIR with one of them", r.errorLine());
        r = run("--roles", "seed1=" + dir.resolve("roles/seed1"), "--roles", "seed1=" + dir.resolve("roles/seed2"));
        assertEquals("report: error: --roles: model 'seed1' is given twice; give one directory per model", r.errorLine());
        r = run("--model", "seed1=" + fx.modelDir, "--roles", "seedX=" + dir.resolve("roles/seed1"));
        assertEquals("report: error: --roles: no model 'seedX' among the --model names (seed1); expected MODEL=DIR with"
                + " one of them", r.errorLine());
        r = run("--roles", "seed1=" + dir.resolve("roles/seed1"), "--control", "control");
        assertEquals("report: error: --control control is not a model of --roles (seed1)", r.errorLine());
        Files.delete(dir.resolve("roles/seed2/roles_layers.csv"));
        r = run("--roles", "seed2=" + dir.resolve("roles/seed2"));
        assertEquals(1, r.exitCode);
        assertEquals("report: error: " + dir.resolve("roles/seed2/roles_layers.csv") + ": no such file (--roles seed2="
                + dir.resolve("roles/seed2") + " expects the weights task's directory with roles.csv and roles_layers.csv)",
                r.errorLine());
        Files.writeString(dir.resolve("iv/trained/entropy.csv"), "layer,neuron\n");
        r = run("--interventions", "trained=" + dir.resolve("iv/trained"));
        assertEquals(1, r.exitCode);
        assertTrue(r.errorLine().contains("entropy.csv"), r.errorLine());
        assertTrue(Files.notExists(dir.resolve("out/report/index.html")), "nothing published");
    }
}
