package org.uneurons.dynamics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.testing.ToolRunner;

/**
 * dynamics against a plain recomputation written here, on adversarial tables: dead neurons (excess 0), excess exactly
 * at the thresholds, negative excess, a ragged grid (a size without some steps), several sizes, one step alone.
 */
class DynamicsToolTest {
    @TempDir
    Path tmp;

    /** A neurons.csv with the columns the tool reads among others: layer, neuron, excess and dead, in layer-major order. */
    private Path table(String name, int layers, int dMlp, double[] excess, boolean[] dead) throws Exception {
        StringBuilder sb = new StringBuilder("layer,neuron,max_corr,mean_corr,excess_corr,is_universal,dead\n");
        for (int r = 0; r < layers * dMlp; r++) {
            sb.append(r / dMlp).append(',').append(r % dMlp).append(",0.9,0.8,").append(excess[r]).append(',')
                    .append(!dead[r] && excess[r] > 0.5 ? 1 : 0).append(',').append(dead[r] ? 1 : 0).append('\n');
        }
        Path f = tmp.resolve(name + ".csv");
        Files.writeString(f, sb.toString());
        return f;
    }

    /** Random excess in [-0.2, 1), a few dead (excess 0), a few exactly at 0.1, 0.3 and 0.5. */
    private static double[] excess(Random rnd, int n, boolean[] dead) {
        double[] e = new double[n];
        for (int i = 0; i < n; i++) {
            int kind = rnd.nextInt(10);
            dead[i] = kind == 0;
            e[i] = dead[i] ? 0 : kind == 1 ? 0.5 : kind == 2 ? 0.3 : kind == 3 ? 0.1 : -0.2 + 1.2 * rnd.nextDouble();
            e[i] = Math.min(e[i], 0.999);
        }
        return e;
    }

    private record Cell(String size, int step, String kind, double[] excess, boolean[] dead, int layers, int dMlp) {
    }

    private static Map<String, List<String>> csv(Path f) throws Exception {
        Map<String, List<String>> cols = new HashMap<>();
        List<String> lines = Files.readAllLines(f);
        String[] head = lines.get(0).split(",", -1);
        for (String h : head) {
            cols.put(h, new ArrayList<>());
        }
        for (String l : lines.subList(1, lines.size())) {
            String[] v = l.split(",", -1);
            assertEquals(head.length, v.length, l);
            for (int i = 0; i < head.length; i++) {
                cols.get(head[i]).add(v[i]);
            }
        }
        return cols;
    }

    @Test
    void curvesLayersTrajectoriesOnsetAndPersistenceMatchAPlainRecomputation() throws Exception {
        Random rnd = new Random(17);
        List<Cell> cells = new ArrayList<>();
        List<String> args = new ArrayList<>();
        // size s1: 2 layers x 8 at steps 0, 4, 16 (+ controls at 4 and 16); size s2: 1 layer x 12 at steps 4 and 64
        Object[][] grid = {{"s1", 2, 8, new int[] {16, 0, 4}}, {"s2", 1, 12, new int[] {64, 4}}};
        for (Object[] g : grid) {
            for (int step : (int[]) g[3]) {
                for (String kind : List.of("trained", "control")) {
                    if (kind.equals("control") && step == 0) {
                        continue;
                    }
                    int n = (int) g[1] * (int) g[2];
                    boolean[] dead = new boolean[n];
                    double[] e = excess(rnd, n, dead);
                    cells.add(new Cell((String) g[0], step, kind, e, dead, (int) g[1], (int) g[2]));
                    Path f = table(g[0] + "-" + step + "-" + kind, (int) g[1], (int) g[2], e, dead);
                    args.add("--table");
                    args.add(g[0] + "," + step + "," + kind + "=" + f);
                }
            }
        }
        Path out = tmp.resolve("out");
        args.addAll(List.of("--threshold", "0.3", "--thresholds", "0.1,0.5", "--onset-top", "0.25", "--outdir", out.toString()));
        ToolRunner r = ToolRunner.run(new DynamicsTool(), args.toArray(new String[0]));
        assertEquals(0, r.exitCode, r.toString());

        // curves.csv: rows ordered by size (as given), step, trained before control
        Map<String, List<String>> c = csv(out.resolve("curves.csv"));
        assertEquals(List.of("s1", "s1", "s1", "s1", "s1", "s2", "s2", "s2", "s2"), c.get("size"));
        assertEquals(List.of("0", "4", "4", "16", "16", "4", "4", "64", "64"), c.get("step"));
        assertEquals(List.of("trained", "trained", "control", "trained", "control", "trained", "control", "trained", "control"), c.get("kind"));
        for (int i = 0; i < c.get("size").size(); i++) {
            Cell cell = find(cells, c.get("size").get(i), Integer.parseInt(c.get("step").get(i)), c.get("kind").get(i));
            int n = cell.excess.length;
            double sum = 0;
            int dead = 0;
            int above1 = 0;
            int above5 = 0;
            for (int k = 0; k < n; k++) {
                sum += cell.excess[k];
                dead += cell.dead[k] ? 1 : 0;
                above1 += !cell.dead[k] && cell.excess[k] > 0.1 ? 1 : 0;
                above5 += !cell.dead[k] && cell.excess[k] > 0.5 ? 1 : 0;
            }
            double[] s = cell.excess.clone();
            Arrays.sort(s);
            double median = n % 2 == 0 ? (s[n / 2 - 1] + s[n / 2]) / 2 : s[n / 2];
            assertEquals(String.valueOf(n), c.get("n_neurons").get(i));
            assertEquals(String.valueOf(dead), c.get("n_dead").get(i));
            assertEquals(sum / n, Double.parseDouble(c.get("mean_excess").get(i)), 1e-15);
            assertEquals(median, Double.parseDouble(c.get("median_excess").get(i)), 0);
            assertEquals((double) above1 / n, Double.parseDouble(c.get("frac_above_0.1").get(i)), 0);
            assertEquals((double) above5 / n, Double.parseDouble(c.get("frac_above_0.5").get(i)), 0);
        }

        // layers.csv: per table and layer, the mean excess and the fraction universal at --threshold 0.3 (strictly above)
        Map<String, List<String>> l = csv(out.resolve("layers.csv"));
        assertEquals(5 * 2 + 4 * 1, l.get("layer").size());
        for (int i = 0; i < l.get("layer").size(); i++) {
            Cell cell = find(cells, l.get("size").get(i), Integer.parseInt(l.get("step").get(i)), l.get("kind").get(i));
            int layer = Integer.parseInt(l.get("layer").get(i));
            double sum = 0;
            int u = 0;
            for (int k = layer * cell.dMlp; k < (layer + 1) * cell.dMlp; k++) {
                sum += cell.excess[k];
                u += !cell.dead[k] && cell.excess[k] > 0.3 ? 1 : 0;
            }
            assertEquals(sum / cell.dMlp, Double.parseDouble(l.get("mean_excess").get(i)), 1e-15);
            assertEquals((double) u / cell.dMlp, Double.parseDouble(l.get("frac_universal").get(i)), 0);
        }

        // trajectories.csv: every neuron of each size's trained tables, a column per step of any size, empty where the
        // size has no such step
        Map<String, List<String>> t = csv(out.resolve("trajectories.csv"));
        assertEquals(16 + 12, t.get("size").size());
        for (int i = 0; i < t.get("size").size(); i++) {
            String size = t.get("size").get(i);
            int row = Integer.parseInt(t.get("layer").get(i)) * (size.equals("s1") ? 8 : 12) + Integer.parseInt(t.get("neuron").get(i));
            int last = size.equals("s1") ? 16 : 64;
            assertEquals(find(cells, size, last, "trained").excess[row], Double.parseDouble(t.get("final_excess").get(i)), 0);
            for (int step : new int[] {0, 4, 16, 64}) {
                String v = t.get("excess_" + step).get(i);
                Cell cell = find(cells, size, step, "trained");
                if (cell == null) {
                    assertEquals("", v, size + " has no step " + step);
                } else {
                    assertEquals(cell.excess[row], Double.parseDouble(v), 0);
                }
            }
        }

        // onset.csv: the top quarter of the live neurons at the last step; the first step from which they stay above 0.3
        Map<String, List<String>> o = csv(out.resolve("onset.csv"));
        for (String size : List.of("s1", "s2")) {
            int[] steps = size.equals("s1") ? new int[] {0, 4, 16} : new int[] {4, 64};
            Cell fin = find(cells, size, steps[steps.length - 1], "trained");
            List<Integer> live = new ArrayList<>();
            for (int k = 0; k < fin.excess.length; k++) {
                if (!fin.dead[k]) {
                    live.add(k);
                }
            }
            live.sort((a, b) -> fin.excess[a] != fin.excess[b] ? Double.compare(fin.excess[b], fin.excess[a]) : Integer.compare(a, b));
            int k = Math.max(1, (int) Math.ceil(0.25 * live.size()));
            List<String> want = new ArrayList<>();
            for (int row : live.subList(0, k)) {
                String onset = "";
                for (int j = steps.length - 1; j >= 0; j--) {
                    Cell cj = find(cells, size, steps[j], "trained");
                    if (cj.dead[row] || !(cj.excess[row] > 0.3)) {
                        break;
                    }
                    onset = String.valueOf(steps[j]);
                }
                want.add(row / fin.dMlp + "," + row % fin.dMlp + "," + onset);
            }
            List<String> got = new ArrayList<>();
            for (int i = 0; i < o.get("size").size(); i++) {
                if (o.get("size").get(i).equals(size)) {
                    got.add(o.get("layer").get(i) + "," + o.get("neuron").get(i) + "," + o.get("onset_step").get(i));
                }
            }
            assertEquals(want, got, size);
        }

        // persistence.csv: of the neurons universal at a step, those universal at the last step
        Map<String, List<String>> p = csv(out.resolve("persistence.csv"));
        assertEquals(List.of("s1", "s1", "s1", "s2", "s2"), p.get("size"));
        for (int i = 0; i < p.get("size").size(); i++) {
            String size = p.get("size").get(i);
            Cell cell = find(cells, size, Integer.parseInt(p.get("step").get(i)), "trained");
            Cell fin = find(cells, size, size.equals("s1") ? 16 : 64, "trained");
            int u = 0;
            int stay = 0;
            for (int k = 0; k < cell.excess.length; k++) {
                if (!cell.dead[k] && cell.excess[k] > 0.3) {
                    u++;
                    stay += !fin.dead[k] && fin.excess[k] > 0.3 ? 1 : 0;
                }
            }
            assertEquals(String.valueOf(u), p.get("n_universal").get(i));
            assertEquals(String.valueOf(stay), p.get("n_universal_at_final").get(i));
            assertEquals(u == 0 ? "" : String.valueOf((double) stay / u), p.get("frac_stay").get(i));
        }
    }

    private static Cell find(List<Cell> cells, String size, int step, String kind) {
        return cells.stream().filter(c -> c.size.equals(size) && c.step == step && c.kind.equals(kind)).findFirst().orElse(null);
    }

    @Test
    void oneStepAloneAndExactThresholdsAreNotAbove() throws Exception {
        double[] e = {0.5, 0.5000001, 0.7, -0.1};
        Path f = table("one", 1, 4, e, new boolean[] {false, false, true, false});
        Path out = tmp.resolve("one-out");
        ToolRunner r = ToolRunner.run(new DynamicsTool(), "--table", "w8,0,trained=" + f, "--outdir", out.toString());
        assertEquals(0, r.exitCode, r.toString());
        // at 0.5: 0.5 is not above, 0.5000001 is, the dead 0.7 is not
        assertEquals("size,step,kind,n_neurons,n_dead,mean_excess,median_excess,frac_above_0.1,frac_above_0.2,"
                + "frac_above_0.3,frac_above_0.4,frac_above_0.5", Files.readAllLines(out.resolve("curves.csv")).get(0));
        assertTrue(Files.readAllLines(out.resolve("curves.csv")).get(1).endsWith(",0.5,0.5,0.5,0.5,0.25"));
        assertEquals(List.of("size,layer,neuron,final_excess,onset_step", "w8,0,1,0.5000001,0"),
                Files.readAllLines(out.resolve("onset.csv")));
        assertEquals(List.of("size,step,n_universal,n_universal_at_final,frac_stay", "w8,0,1,1,1.0"),
                Files.readAllLines(out.resolve("persistence.csv")));
    }

    @Test
    void badTablesAreOneLine() throws Exception {
        boolean[] live4 = new boolean[4];
        Path a = table("a", 1, 4, new double[] {0.1, 0.2, 0.3, 0.4}, live4);
        Path b = table("b", 2, 4, new double[8], new boolean[8]);
        Path out = tmp.resolve("bad-out");
        ToolRunner r = ToolRunner.run(new DynamicsTool(), "--table", "w8,0,trained=" + a, "--table", "w8,0,trained=" + a,
                "--outdir", out.toString());
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("dynamics: error: --table: two tables of w8, step 0, trained: " + a + " and " + a, r.errorLine());
        r = ToolRunner.run(new DynamicsTool(), "--table", "w8,0,trained=" + a, "--table", "w8,4,trained=" + b, "--outdir", out.toString());
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("dynamics: error: " + b + ": 8 neurons (2 layers) at w8, step 4, trained, but " + a + " (w8, step 0, "
                + "trained) has 4 (1 layers): the trained tables of one size are one anchor's, with the same neurons in "
                + "the same order", r.errorLine());
        r = ToolRunner.run(new DynamicsTool(), "--table", "w8,0,control=" + a, "--outdir", out.toString());
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("dynamics: error: --table: no trained table (expected at least one SIZE,STEP,trained=FILE)", r.errorLine());
        r = ToolRunner.run(new DynamicsTool(), "--table", "w8,x,trained=" + a, "--outdir", out.toString());
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("dynamics: error: --table: 'w8,x,trained=" + a + "' is not SIZE,STEP,KIND=FILE (SIZE a name, STEP an "
                + "integer >= 0, KIND trained or control)", r.errorLine());
        Path noDead = tmp.resolve("nodead.csv");
        Files.writeString(noDead, "layer,neuron,excess_corr\n0,0,0.5\n");
        r = ToolRunner.run(new DynamicsTool(), "--table", "w8,0,trained=" + noDead, "--outdir", out.toString());
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("dynamics: error: " + noDead + ": no column 'dead' (expected a neurons.csv of the universality tool)", r.errorLine());
        Path missing = tmp.resolve("missing.csv");
        r = ToolRunner.run(new DynamicsTool(), "--table", "w8,0,trained=" + missing, "--outdir", out.toString());
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("dynamics: error: " + missing + ": no such file (expected a neurons.csv of the universality tool)", r.errorLine());
        assertFalse(Files.exists(out.resolve("curves.csv")), "nothing published by a refused run");
    }
}
