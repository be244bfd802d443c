package org.uneurons.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import org.uneurons.core.io.Hdf5Writer;
import org.uneurons.core.testing.ToolRunner;

/**
 * The Functional roles and Interventions sections from roles and intervention directories written here: the band
 * (mean, min, max over the trained seeds per layer and percentile) and the control's line against values computed
 * plainly, the counts, the curves' data, the tables; absent inputs give one sentence; bad inputs one line.
 */
class RolesReportTest {
    static final int LAYERS = 3;
    static final String[] SEEDS = {"seed1", "seed2", "seed3"};
    /** Neurons per layer: the fixture's checkpoint config (n_embd 16, so d_mlp 64), for the runs with --model. */
    static final int D = 64;

    @TempDir
    Path dir;
    Fixture fx;
    /** [model][layer][percentile] of vocab_kurt, and role counts [model][layer][role]. */
    final double[][][] kurt = new double[4][LAYERS][5];
    final int[][][] counts = new int[4][LAYERS][5];
    /** Per model, roles.csv's rows: layer, neuron, bos_layer, bos_head, bos_score, bos_ratio, null_fraction, flags. */
    static final int POINTS = 40;
    final float[][] activation = new float[2][POINTS], normEffect = new float[2][POINTS], bosEffect = new float[2][POINTS];
    final List<List<double[]>> neurons = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());

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
                    // the last layer has no later head, hence no attention candidate
                    counts[m][l][k] = k == 4 && l == LAYERS - 1 ? 0 : r.nextInt(20);
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
            Files.writeString(d.resolve("roles.csv"), rolesCsv(m, r));
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
        for (int p = 0; p < 2; p++) {
            for (int i = 0; i < POINTS; i++) {
                activation[p][i] = (float) r.nextGaussian();
                normEffect[p][i] = (float) (-0.5 * activation[p][i] + 0.1 * r.nextGaussian());
                bosEffect[p][i] = (float) (0.2 * activation[p][i] + 0.05 * r.nextGaussian());
            }
        }
        normEffect[0][7] = Float.NaN; // e.g. a 0/0 upstream: left out of the scatter, and said so
        writePoints(iv.resolve("attention_points.h5"), new int[][] {{0, 3, 2, 1}, {1, 5, 2, 0}});
    }

    void writePoints(Path file, int[][] pairs) {
        try (Hdf5Writer w = Hdf5Writer.create(file)) {
            w.attribute("format", "uneurons-attention-points-1").attribute("model", "seed1").attribute("n_pairs", 2);
            w.dataset("pairs", pairs).dataset("kind", new String[] {"attention", "random"}).dataset("activation", activation)
                    .dataset("bos_prob_effect", bosEffect).dataset("norm_effect", normEffect)
                    .dataset("frac_norm_effect", normEffect);
        }
    }

    /** Neither the page nor any figure's data holds a NaN or an infinity (undefined values are empty or a dash). */
    static void assertNoNaN(Path report) throws IOException {
        try (var files = Files.list(report)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".csv") || f.toString().endsWith(".html")).toList()) {
                String text = Files.readString(f);
                assertFalse(text.contains("NaN") || text.contains("Infinity"), f + " holds a NaN or an infinity");
            }
        }
    }

    /**
     * A model's roles.csv with as many candidates per layer as its roles_layers.csv counts, at random neurons; the
     * BOS fields empty for the last layer; every neuron kept in {@link #neurons} for the expected candidates.
     */
    String rolesCsv(int m, SplittableRandom r) {
        StringBuilder sb = new StringBuilder("layer,neuron,vocab_kurt,null_fraction,role,entropy_candidate,bos_layer,"
                + "bos_head,bos_score,bos_ratio,attention_candidate\n");
        for (int l = 0; l < LAYERS; l++) {
            boolean[] entropy = pick(r, counts[m][l][3]), attention = pick(r, counts[m][l][4]);
            for (int j = 0; j < D; j++) {
                double nullFraction = r.nextDouble() * 0.1;
                sb.append(l).append(',').append(j).append(',').append(3 + r.nextDouble()).append(',').append(nullFraction)
                        .append(",none,").append(entropy[j]).append(',');
                if (l == LAYERS - 1) {
                    sb.append(",,,,false\n");
                    neurons.get(m).add(new double[] {l, j, -1, -1, Double.NaN, Double.NaN, nullFraction, entropy[j] ? 1 : 0, 0});
                    continue;
                }
                int headLayer = l + 1 + r.nextInt(LAYERS - 1 - l), head = r.nextInt(4);
                // candidates: positive score, ratio above 1; the others fail one of the two
                double score = attention[j] ? 0.1 + r.nextDouble() : (r.nextBoolean() ? -1 : 1) * r.nextDouble();
                double ratio = attention[j] || score <= 0 ? 0.5 + 2 * r.nextDouble() : r.nextDouble();
                if (attention[j]) {
                    ratio += 1;
                }
                sb.append(headLayer).append(',').append(head).append(',').append(score).append(',').append(ratio)
                        .append(',').append(attention[j]).append('\n');
                neurons.get(m).add(new double[] {l, j, headLayer, head, score, ratio, nullFraction, entropy[j] ? 1 : 0,
                    attention[j] ? 1 : 0});
            }
        }
        return sb.toString();
    }

    /** {@code n} of the {@link #D} neurons, at random. */
    static boolean[] pick(SplittableRandom r, int n) {
        boolean[] out = new boolean[D];
        for (int chosen = 0; chosen < n; ) {
            int j = r.nextInt(D);
            if (!out[j]) {
                out[j] = true;
                chosen++;
            }
        }
        return out;
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
        // every cell: the seeds' mean (a whole mean as a count, else 4 significant digits), their range, the control
        int fractional = 0;
        for (int l = 0; l < LAYERS; l++) {
            for (int k = 0; k < 5; k++) {
                int sum = counts[0][l][k] + counts[1][l][k] + counts[2][l][k];
                int lo = Math.min(counts[0][l][k], Math.min(counts[1][l][k], counts[2][l][k]));
                int hi = Math.max(counts[0][l][k], Math.max(counts[1][l][k], counts[2][l][k]));
                String shown = sum % 3 == 0 ? String.valueOf(sum / 3) : String.format(java.util.Locale.ROOT, "%.4g", sum / 3.0);
                fractional += sum % 3 == 0 ? 0 : 1;
                String key = "data-key=\"roles_layer" + l + "_" + RolesInput.ROLES[k];
                assertTrue(html.contains(key + "\">" + shown + " (" + lo + "–" + hi + ")<"), key);
                assertTrue(html.contains(key + "_control\">" + counts[3][l][k] + "<"), key);
            }
        }
        assertTrue(fractional > 0 && fractional < 15, "both kinds of mean are shown: " + fractional);
        // the last layer has no attention candidate in any model
        assertTrue(html.contains("data-key=\"roles_layer2_attention_candidates\">0 (0–0)<"), html);
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
        candidatesAreTheStrongest(html);
        // the top attention pair's points, the one with a NaN left out
        for (String effect : new String[] {"norm_effect", "bos_prob_effect"}) {
            List<String> points = Files.readAllLines(report.resolve("interventions_trained_" + effect + ".csv"));
            assertEquals("activation," + effect, points.get(0));
            assertEquals(POINTS - 1, points.size() - 1);
            float[] y = effect.equals("norm_effect") ? normEffect[0] : bosEffect[0];
            for (int i = 0, row = 1; i < POINTS; i++) {
                if (i != 7) {
                    assertEquals((double) activation[0][i] + "," + (double) y[i], points.get(row++), "point " + i);
                }
            }
            assertTrue(Files.exists(report.resolve("interventions_trained_" + effect + ".png")), effect);
        }
        assertTrue(html.contains("The top pair, L0.3 and head L2H1, at each of its 39 points"), html);
        assertTrue(html.contains("1 point with a non-finite value left out"));
        assertNoNaN(report);
    }

    /** Each model's top candidates as the table shows them, against roles.csv's rows sorted here. */
    void candidatesAreTheStrongest(String html) {
        for (int m = 0; m < 4; m++) {
            List<double[]> attention = new ArrayList<>(), entropy = new ArrayList<>();
            for (double[] n : neurons.get(m)) {
                if (n[8] == 1) {
                    attention.add(n);
                }
                if (n[7] == 1) {
                    entropy.add(n);
                }
            }
            attention.sort((a, b) -> Double.compare(b[5], a[5]));
            entropy.sort((a, b) -> Double.compare(b[6], a[6]));
            int attentionTotal = 0;
            for (int l = 0; l < LAYERS; l++) {
                attentionTotal += counts[m][l][4];
            }
            assertEquals(attentionTotal, attention.size(), "the test wrote the counted candidates");
            for (int i = 0; i < RolesInput.TOP_CANDIDATES; i++) {
                String key = "data-key=\"roles_" + model(m) + "_candidate" + i;
                if (i < attention.size()) {
                    double[] a = attention.get(i);
                    assertTrue(html.contains(key + "_attention\">L" + (int) a[0] + "." + (int) a[1] + "<"), model(m) + " " + i);
                    assertTrue(html.contains(key + "_ratio\">" + Fmt.value(a[5]) + "<"), model(m) + " ratio " + i);
                    assertTrue(a[2] > a[0] && a[4] > 0 && a[5] > 1, "a candidate's head is later, score > 0, ratio > 1");
                } else {
                    assertFalse(html.contains(key + "_attention\""), model(m) + " has only " + attention.size());
                }
                if (i < entropy.size()) {
                    double[] e = entropy.get(i);
                    assertTrue(html.contains(key + "_entropy\">L" + (int) e[0] + "." + (int) e[1] + "<"), model(m) + " e" + i);
                }
            }
        }
    }

    @Test
    void svgCopiesOfTheRolesAndInterventionCharts() throws IOException {
        ToolRunner r = run(rolesArgs().toArray(String[]::new));
        assertEquals(0, r.exitCode, r.toString());
        Path report = dir.resolve("out/report");
        // 3 densities, sweep, 5 per layer, properties, 2 roles, 4 entropy-check metrics and 2 scatters of one group
        assertEquals(18, SvgFigures.checkAll(report));
        // roles: per percentile a solid line through the trained mean and a dashed one through the control, one
        // vertex per layer, all on the same axes as the CSV's values
        SvgFigures.Svg svg = SvgFigures.read(report.resolve("roles_kurtosis.svg"));
        List<java.util.Map<String, String>> rows = SvgFigures.csv(report.resolve("roles_kurtosis.csv"));
        List<Double> values = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        List<Double> layers = new ArrayList<>();
        List<Double> xs = new ArrayList<>();
        for (int k = 0; k < 5; k++) {
            List<java.util.Map<String, String>> band = rows.subList(k * LAYERS, (k + 1) * LAYERS);
            List<SvgFigures.Mark> lines = svg.stroked("path", Charts.colour(k)).stream()
                    .filter(m -> m.get("fill").equals("none")).toList();
            assertEquals(2, lines.size(), "percentile " + k + ": the trained mean and the control");
            for (SvgFigures.Mark line : lines) {
                boolean dashed = !line.get("stroke-dasharray").isEmpty() && !line.get("stroke-dasharray").equals("none");
                List<double[]> v = SvgFigures.vertices(line);
                assertEquals(LAYERS, v.size(), "one vertex per layer");
                for (int l = 0; l < LAYERS; l++) {
                    values.add(Double.parseDouble(band.get(l).get(dashed ? "control" : "trained_mean")));
                    ys.add(v.get(l)[1]);
                    layers.add(Double.parseDouble(band.get(l).get("layer")));
                    xs.add(v.get(l)[0]);
                }
            }
        }
        SvgFigures.assertAffine(array(values), array(ys), "roles_kurtosis values");
        SvgFigures.assertAffine(array(layers), array(xs), "roles_kurtosis layers");
        // the attention scatter: one filled point per CSV row, in row order, at (activation, effect)
        for (String effect : List.of("norm_effect", "bos_prob_effect")) {
            String name = "interventions_trained_" + effect;
            SvgFigures.Svg scatter = SvgFigures.read(report.resolve(name + ".svg"));
            List<java.util.Map<String, String>> points = SvgFigures.csv(report.resolve(name + ".csv"));
            List<double[]> at = scatter.points(Charts.colour(0));
            assertEquals(POINTS - 1, points.size(), "the points but the one with a NaN");
            assertEquals(points.size(), at.size(), name + ": one point per CSV row");
            SvgFigures.assertAffine(points.stream().mapToDouble(p -> Double.parseDouble(p.get("activation"))).toArray(),
                    at.stream().mapToDouble(p -> p[0]).toArray(), name + " x");
            SvgFigures.assertAffine(points.stream().mapToDouble(p -> Double.parseDouble(p.get(effect))).toArray(),
                    at.stream().mapToDouble(p -> p[1]).toArray(), name + " y");
        }
    }

    private static double[] array(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).toArray();
    }

    @Test
    void aModelWithoutRolesIsNamedAndLeftOut() throws IOException {
        List<String> args = new ArrayList<>();
        for (int m = 0; m < 4; m++) {
            args.addAll(List.of("--model", model(m) + "=" + fx.modelDir));
        }
        for (int m : new int[] {0, 2, 3}) { // seed2 has no roles
            args.addAll(List.of("--roles", model(m) + "=" + dir.resolve("roles/" + model(m))));
        }
        args.addAll(List.of("--control", "control"));
        ToolRunner r = run(args.toArray(String[]::new));
        assertEquals(0, r.exitCode, r.toString());
        Path report = dir.resolve("out/report");
        String html = Files.readString(report.resolve("index.html"));
        assertTrue(html.contains("data-key=\"roles_without\">No roles were given for seed2 "), html);
        List<String> rows = Files.readAllLines(report.resolve("roles_kurtosis.csv"));
        for (int k = 0; k < 5; k++) {
            for (int l = 0; l < LAYERS; l++) {
                String[] f = rows.get(1 + k * LAYERS + l).split(",");
                double a = kurt[0][l][k], c = kurt[2][l][k];
                assertEquals((a + c) / 2, Double.parseDouble(f[2]), 1e-12);
                assertEquals(Math.min(a, c), Double.parseDouble(f[3]), 0);
                assertEquals(Math.max(a, c), Double.parseDouble(f[4]), 0);
                assertEquals(kurt[3][l][k], Double.parseDouble(f[5]), 0);
            }
        }
        assertFalse(html.contains("data-key=\"roles_seed2_"), "seed2 is in no table");
        assertNoNaN(report);
        // the control alone: no trained band, its line only; still nothing undefined printed as NaN
        r = run("--roles", "control=" + dir.resolve("roles/control"), "--control", "control");
        assertEquals(0, r.exitCode, r.toString());
        rows = Files.readAllLines(report.resolve("roles_kurtosis.csv"));
        assertEquals("5,0,,,," + kurt[3][0][0], rows.get(1));
        assertNoNaN(report);
    }

    /** roles.csv line {@code line} (1 = the first neuron) with its fields from index {@code from} replaced. */
    String editRoles(String model, int line, int from, String... fields) throws IOException {
        Path f = dir.resolve("roles/" + model + "/roles.csv");
        String original = Files.readString(f);
        List<String> lines = new ArrayList<>(List.of(original.split("\n")));
        String[] parts = lines.get(line).split(",", -1);
        System.arraycopy(fields, 0, parts, from, fields.length);
        lines.set(line, String.join(",", parts));
        Files.writeString(f, String.join("\n", lines) + "\n");
        return original;
    }

    ToolRunner runRoles(String model) {
        return run("--roles", model + "=" + dir.resolve("roles/" + model));
    }

    @Test
    void badRolesFilesGiveOneLine() throws IOException {
        Path f = dir.resolve("roles/seed1/roles.csv");
        int lastLayer = 1 + (LAYERS - 1) * D;
        String original = editRoles("seed1", lastLayer, 6, "1", "0", "0.5", "2");
        ToolRunner r = runRoles("seed1");
        assertEquals(1, r.exitCode);
        assertEquals("report: error: " + f + ": line " + (lastLayer + 1) + ", column 'bos_layer' is '1', expected empty"
                + " (a last-layer neuron has no later head)", r.errorLine());
        Files.writeString(f, original);
        editRoles("seed1", 1, 8, "");
        r = runRoles("seed1");
        assertEquals("report: error: " + f + ": line 2, column 'bos_score' is empty, expected a value (only last-layer"
                + " neurons have no later head)", r.errorLine());
        Files.writeString(f, original);
        editRoles("seed1", 1, 6, "0");
        r = runRoles("seed1");
        assertEquals("report: error: " + f + ": line 2, bos_layer 0 is not a layer after 0 (of 3)", r.errorLine());
        Files.writeString(f, original);
        String flag = original.split("\n")[1].split(",")[5];
        editRoles("seed1", 1, 5, flag.equals("true") ? "false" : "true");
        int e = counts[0][0][3] + (flag.equals("true") ? -1 : 1);
        r = runRoles("seed1");
        assertEquals("report: error: " + f + ": layer 0 has " + e + " entropy and " + counts[0][0][4] + " attention"
                + " candidates, roles_layers.csv counts " + counts[0][0][3] + " and " + counts[0][0][4]
                + " (expected both files of one weights task)", r.errorLine());
        Files.writeString(f, original);
        editRoles("seed1", 1, 8, "-0.25", "3", "true");
        r = runRoles("seed1");
        assertEquals("report: error: " + f + ": line 2 is an attention candidate with bos_score -0.25 and bos_ratio 3"
                + " (a candidate needs bos_score > 0 and bos_ratio > 1)", r.errorLine());
        Files.writeString(f, original);
        editRoles("seed1", 1, 5, "yes");
        r = runRoles("seed1");
        assertEquals("report: error: " + f + ": line 2, column 'entropy_candidate': 'yes', expected true or false",
                r.errorLine());
        Files.writeString(f, original);
        // the roles of a model of another shape than the --model of that name
        Path two = Files.createDirectories(dir.resolve("ckpt-two"));
        Files.writeString(two.resolve("config.json"), "{\"model_type\":\"gpt2\",\"n_layer\":2,\"n_embd\":16,"
                + "\"n_head\":2,\"n_inner\":null,\"n_positions\":16,\"vocab_size\":16}");
        r = run("--model", "seed1=" + two, "--roles", "seed1=" + dir.resolve("roles/seed1"));
        assertEquals("report: error: " + dir.resolve("roles/seed1/roles_layers.csv") + ": 3 layers, but model seed1 has 2"
                + " (expected the weights task's directory of that model)", r.errorLine());
        r = run("--model", "seed1=" + fx.modelDir, "--roles", "seed1=" + dir.resolve("roles/seed1"));
        assertEquals(0, r.exitCode, "the same roles against a model of their shape: " + r);
    }

    @Test
    void badPointsFilesGiveOneLine() throws IOException {
        Path h5 = dir.resolve("iv/trained/attention_points.h5");
        writePoints(h5, new int[][] {{0, 3, 2, 0}, {1, 5, 2, 0}});
        ToolRunner r = run("--interventions", "trained=" + dir.resolve("iv/trained"));
        assertEquals(1, r.exitCode);
        assertEquals("report: error: " + h5 + ": pair 0 is [0, 3, 2, 0], but line 2 of " + dir.resolve("iv/trained/attention.csv")
                + " is another pair (expected the files of one intervene task, in the same order)", r.errorLine());
        Files.writeString(h5, "not an HDF5 file");
        r = run("--interventions", "trained=" + dir.resolve("iv/trained"));
        assertEquals(1, r.exitCode);
        assertTrue(r.errorLine().startsWith("report: error: " + h5), r.errorLine());
        Files.delete(h5);
        r = run("--interventions", "trained=" + dir.resolve("iv/trained"));
        assertEquals(0, r.exitCode, "attention_points.h5 is optional: " + r);
        assertFalse(Files.readString(dir.resolve("out/report/index.html")).contains("The top pair"));
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
