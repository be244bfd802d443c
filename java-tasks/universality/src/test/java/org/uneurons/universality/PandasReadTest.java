package org.uneurons.universality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.stats.MomentShape;
import org.uneurons.core.stats.PairMoments;
import org.uneurons.core.testing.ToolRunner;

/** neurons.csv opens in pandas as it is: numeric dtypes, no index column, no NaN. Skipped where pandas is absent. */
class PandasReadTest {
    @TempDir
    Path dir;

    /** The first of python3 on the PATH and the system's /usr/bin/python3 that imports pandas, or null. */
    private static String pandasPython() {
        for (String py : new String[] {"python3", "/usr/bin/python3"}) {
            try {
                Process p = new ProcessBuilder(py, "-c", "import pandas").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return py;
                }
            } catch (Exception e) {
                // try the next one
            }
        }
        return null;
    }

    @Test
    void pandasReadsTheTable() throws Exception {
        String py = pandasPython();
        assumeTrue(py != null, "python3 with pandas is not installed here");
        int d = 5;
        MomentShape shape = MomentShape.full(1, d, 1, d);
        double[][] co = new double[d][d];
        for (int i = 0; i < d; i++) {
            co[i][i] = 0.9;
        }
        double[] ones = {1, 1, 1, 1, 1};
        double[][] cov = new double[d][d];
        for (int i = 0; i < d; i++) {
            cov[i][i] = 1;
        }
        PairMoments m = PairMoments.of(shape, 10, new double[d], new double[d], ones, ones.clone(),
                new double[][][][] {{co}}, new double[][][] {cov});
        Path s = Summaries.finalise(dir.resolve("a_b.h5"), "a", "b", m, 3);
        ToolRunner r = ToolRunner.run(new UniversalityTool(), "--summary", s.toString(), "--outdir", dir.toString());
        assertEquals(0, r.exitCode, r.toString());
        Map<String, double[]> strict = CsvStrict.read(dir.resolve("neurons.csv"));
        String script = "import pandas as pd, sys\n"
                + "df = pd.read_csv(sys.argv[1])\n"
                + "assert not df.isna().any().any()\n"
                + "assert all(k in 'if' for k in df.dtypes.map(lambda t: t.kind)), df.dtypes\n"
                + "print(len(df), len(df.columns), df['excess_corr'].sum(), int(df['is_universal'].sum()))\n";
        Process p = new ProcessBuilder(py, "-c", script, dir.resolve("neurons.csv").toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.waitFor(), out);
        String[] f = out.split(" ");
        assertEquals(d, Integer.parseInt(f[0]));
        assertEquals(strict.size(), Integer.parseInt(f[1]));
        double sum = 0;
        for (double v : strict.get("excess_corr")) {
            sum += v;
        }
        assertEquals(sum, Double.parseDouble(f[2]), 1e-9);
    }
}
