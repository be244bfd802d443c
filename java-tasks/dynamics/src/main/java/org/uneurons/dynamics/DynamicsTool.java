package org.uneurons.dynamics;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.commons.cli.Options;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.cli.UsageException;
import org.uneurons.core.io.AtomicOutput;
import org.uneurons.core.io.OutputSet;
import org.uneurons.formats.Threshold;

/**
 * dynamics: a study's universality against training step and model size (docs/dynamics.md). The universality
 * tables of every (size, step) cell in, five CSV files out: curves.csv (per table: mean and median excess
 * correlation, fractions above several thresholds), layers.csv (per table and layer), trajectories.csv (every anchor
 * neuron's excess correlation at every step), onset.csv (when the final step's most universal neurons became
 * universal for good) and persistence.csv (of the neurons universal at a step, how many still are at the last).
 * The computation is {@link Dynamics}.
 */
public final class DynamicsTool extends Tool {
    /** SIZE,STEP,KIND=FILE */
    private static final Pattern TABLE = Pattern.compile("([A-Za-z0-9][A-Za-z0-9._-]*),([0-9]{1,9}),(trained|control)=(.+)");

    static final List<String> FILES = List.of("curves.csv", "layers.csv", "trajectories.csv", "onset.csv", "persistence.csv");

    public DynamicsTool() {
        super("dynamics",
                "Universality against training step and model size from a study's cell tables: curves.csv, layers.csv, "
                + "trajectories.csv, onset.csv, persistence.csv.");
    }

    public static void main(String[] argv) {
        main(new DynamicsTool(), argv);
    }

    @Override
    protected void declareOptions(Options o) {
        o.addOption(option("table", "SIZE,STEP,KIND=FILE", "a cell's neurons.csv: its size label, training step and kind "
                + "(trained: the anchor seed against the other seeds; control: a random-init model against them); repeatable"));
        o.addOption(option("threshold", "X", "a neuron is universal if not dead and excess_corr > X (default 0.5)"));
        o.addOption(option("thresholds", "LIST", "thresholds of curves.csv's fractions (default 0.1,0.2,0.3,0.4,0.5)"));
        o.addOption(option("onset-top", "F", "onset.csv follows the top F fraction of each size's live neurons at its "
                + "last step, by excess correlation, at least one (default 0.01)"));
        o.addOption(option("outdir", "DIR", "output directory"));
    }

    @Override
    protected int doWork(Args args) {
        List<String> specs = args.strings("table");
        if (specs.isEmpty()) {
            throw new UsageException("missing required option --table (see --help)");
        }
        double threshold = Threshold.check(args.decimal("threshold", 0.5), "--threshold", args.string("threshold", "0.5"));
        double[] thresholds = thresholds(args.strings("thresholds"));
        double onsetTop = args.decimal("onset-top", 0.01);
        if (!(onsetTop > 0 && onsetTop <= 1)) {
            throw new UsageException("--onset-top: " + args.string("onset-top") + " is not a fraction in (0, 1]");
        }
        args.path("outdir");
        Path outdir = args.outputDir("outdir");
        List<StudyTable> tables = readTables(args, specs);
        Dynamics d = new Dynamics(tables, threshold, thresholds, onsetTop);
        for (String f : FILES) {
            args.outputFile("--outdir", outdir.resolve(f));
        }
        try (OutputSet set = new OutputSet()) {
            set.write(outdir.resolve("curves.csv"), AtomicOutput.string(d.curves()));
            set.write(outdir.resolve("layers.csv"), AtomicOutput.string(d.layers()));
            set.write(outdir.resolve("trajectories.csv"), AtomicOutput.string(d.trajectories()));
            set.write(outdir.resolve("onset.csv"), AtomicOutput.string(d.onset()));
            set.write(outdir.resolve("persistence.csv"), AtomicOutput.string(d.persistence()));
            set.commit();
        }
        err.printf(Locale.ROOT, "dynamics: %d tables (%d trained) -> %s%n", tables.size(),
                tables.stream().filter(t -> t.kind().equals(StudyTable.TRAINED)).count(), outdir);
        return EXIT_OK;
    }

    private static List<StudyTable> readTables(Args args, List<String> specs) {
        // a comma belongs to SIZE,STEP,KIND=FILE: the option's values come split on commas, so join them again
        List<String> joined = new ArrayList<>();
        for (String s : specs) {
            if (!joined.isEmpty() && !joined.get(joined.size() - 1).contains("=")) {
                joined.set(joined.size() - 1, joined.get(joined.size() - 1) + "," + s);
            } else {
                joined.add(s);
            }
        }
        Map<String, Path> seen = new TreeMap<>();
        List<StudyTable> out = new ArrayList<>();
        for (String spec : joined) {
            Matcher m = TABLE.matcher(spec);
            if (!m.matches()) {
                throw new UsageException("--table: '" + spec + "' is not SIZE,STEP,KIND=FILE (SIZE a name, STEP an "
                        + "integer >= 0, KIND trained or control)");
            }
            Path file = args.input("--table", Path.of(m.group(4)));
            String key = m.group(1) + ", step " + Integer.parseInt(m.group(2)) + ", " + m.group(3);
            Path before = seen.put(key, file);
            if (before != null) {
                throw new UsageException("--table: two tables of " + key + ": " + before + " and " + file);
            }
            out.add(StudyTable.read(m.group(1), Integer.parseInt(m.group(2)), m.group(3), file));
        }
        return out;
    }

    private static double[] thresholds(List<String> values) {
        if (values.isEmpty()) {
            return new double[] {0.1, 0.2, 0.3, 0.4, 0.5};
        }
        double[] t = new double[values.size()];
        for (int i = 0; i < t.length; i++) {
            try {
                t[i] = Threshold.check(Double.parseDouble(values.get(i)), "--thresholds", values.get(i));
            } catch (NumberFormatException e) {
                throw new UsageException("--thresholds: '" + values.get(i) + "' is not a number in [0, 1)");
            }
        }
        return t;
    }
}
