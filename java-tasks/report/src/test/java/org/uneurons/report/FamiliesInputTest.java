package org.uneurons.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.testing.ToolRunner;
import org.uneurons.report.FamiliesFixture.Row;

/**
 * --families GROUP=FILE is checked like the other inputs: an unknown group, a group given twice or a value without a
 * group is a usage error; a missing file, a file that is not a families file, or one of another table (a neuron
 * outside the group's table, another excess) is one line naming the file; a file inside the report directory is
 * refused before anything is written.
 */
class FamiliesInputTest {
    @TempDir
    static Path shared;
    static Fixture fx;
    static Path trainedFamilies;
    static Path controlFamilies;

    @TempDir
    Path dir;

    @BeforeAll
    static void files() throws IOException {
        fx = new Fixture(Files.createDirectories(shared.resolve("in")));
        trainedFamilies = write(shared.resolve("families/trained"), TRAINED, fx.excess[0], "seed1", TRAINED_RULE, 3, 0.52);
        controlFamilies = write(shared.resolve("families/control"), CONTROL, fx.excess[1], "control", CONTROL_RULE, 2, 0.39);
    }

    @Test
    void badFamiliesOptionsAreUsageErrors() {
        usage("report: error: --families: no group 'seed2' among the --neurons groups (trained, control); expected"
                + " GROUP=FILE with one of them", "--families", "seed2=" + trainedFamilies);
        usage("report: error: --families: group 'trained' is given twice; give one families file per group",
                "--families", "trained=" + trainedFamilies, "--families", "trained=" + controlFamilies);
        usage("report: error: --families expects GROUP=FILE (a group of --neurons and its families.h5), got '"
                + trainedFamilies + "'", "--families", trainedFamilies.toString());
    }

    @Test
    void badFamiliesFilesAreInputErrors() throws IOException {
        Path missing = dir.resolve("nope.h5");
        input("report: error: " + missing + ": no such file", "trained=" + missing);
        // an HDF5 file of another kind, and a CSV
        input("report: error: " + fx.stats + ": format 'uneurons-neuron-stats/2', expected uneurons-families/1",
                "trained=" + fx.stats);
        ToolRunner r = runWith("trained=" + trainedFamilies.resolveSibling("families.csv"));
        assertEquals(1, r.exitCode, r.toString());
        assertTrue(r.errorLine().startsWith("report: error: " + trainedFamilies.resolveSibling("families.csv")
                + ": not an HDF5 file"), r.errorLine());
        // the control's file given for the trained group: its neurons have other excess values
        Row first = CONTROL.get(0);
        input("report: error: " + controlFamilies + ": layer 0 neuron 10 has excess_corr " + fx.excess[1][first.neuron()]
                + ", but " + fx.excess[0][first.neuron()] + " in trained's table; expected the families.h5 of group"
                + " trained's table " + fx.trained, "trained=" + controlFamilies);
        // a neuron outside the group's table
        Path outside = write(dir.resolve("outside"), List.of(new Row(0, 1, "semantic", "", "", Double.NaN, "", Double.NaN,
                0, 0, toks()), new Row(3, 0, "semantic", "", "", Double.NaN, "", Double.NaN, 0, 0, toks())),
                extended(fx.excess[0]), "seed1", TRAINED_RULE, 1, Double.NaN);
        input("report: error: " + outside + ": layer 3 neuron 0 is not in trained's table (3 layers x 64 neurons);"
                + " expected the families.h5 of group trained's table " + fx.trained, "trained=" + outside);
    }

    @Test
    void aFamiliesFileInsideTheReportIsRefused() throws IOException {
        Path inside = Files.createDirectories(dir.resolve("report")).resolve("families.h5");
        Files.copy(trainedFamilies, inside);
        byte[] before = Files.readAllBytes(inside);
        ToolRunner r = ToolRunner.run(new ReportTool(), "--neurons", "trained=" + fx.trained, "--families",
                "trained=" + inside, "--outdir", dir.toString());
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("report: error: " + dir.resolve("report") + ": --outdir contains the input --families " + inside
                + " (the directory is replaced whole; choose another output directory)", r.errorLine());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(inside)), "the input is unchanged");
    }

    private void usage(String line, String... families) {
        List<String> a = new ArrayList<>(List.of("--neurons", "trained=" + fx.trained, "--neurons", "control=" + fx.control,
                "--outdir", dir.toString()));
        a.addAll(List.of(families));
        ToolRunner r = ToolRunner.run(new ReportTool(), a.toArray(String[]::new));
        assertEquals(2, r.exitCode, r.toString());
        assertEquals(line, r.errorLine(), r.toString());
        assertEquals(1, r.stderr.strip().lines().count(), "one line on stderr: " + r.stderr);
    }

    private void input(String line, String spec) {
        ToolRunner r = runWith(spec);
        assertEquals(1, r.exitCode, r.toString());
        assertEquals(line, r.errorLine(), r.toString());
        assertEquals(1, r.stderr.strip().lines().count(), "one line on stderr: " + r.stderr);
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(p -> assertFalse(p.getFileName().toString().contains("report"), "published or left: " + p));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private ToolRunner runWith(String spec) {
        return ToolRunner.run(new ReportTool(), "--neurons", "trained=" + fx.trained, "--neurons", "control=" + fx.control,
                "--families", spec, "--outdir", dir.toString());
    }

    /** The excess values with a fourth layer of zeros, for a file that lists a neuron outside the table. */
    private static double[] extended(double[] excess) {
        return java.util.Arrays.copyOf(excess, excess.length + Fixture.D);
    }
}
