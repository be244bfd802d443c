package org.uneurons.universality;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.cli.UsageException;

/**
 * universality: finalised correlation summaries of model pairs (and optionally each model's neuron statistics)
 * in, the neuron table out: excess correlation, the universal flag, partners per other model, statistics columns,
 * per-layer universal fractions and the within-layer percentiles of universal neurons.
 *
 * <p>{@code --mode anchor} (the paper): every summary has the same model_a, the anchor, and only its neurons get
 * a table. {@code --mode all}: every model that is model_a of some summary gets its own table under
 * {@code OUTDIR/<model>/}, from the summaries where it is model_a; so a neuron's universality in model b needs the
 * b-vs-others summaries too (both directions a->b and b->a, which the pipeline's 'all' pairs provide).
 */
public final class UniversalityTool extends Tool {

    public static void main(String[] argv) {
        main(new UniversalityTool(), argv);
    }

    @Override
    public String name() {
        return "universality";
    }

    @Override
    public String description() {
        return "Excess correlation, universal neurons and the neuron table (CSV and HDF5) from correlation summaries.";
    }

    @Override
    protected void declareOptions(Options o) {
        o.addOption(Option.builder().longOpt("summary").hasArg().argName("FILE")
                .desc("finalised correlation summary of one pair (repeatable; a pair may come in several layer ranges)").build());
        o.addOption(Option.builder().longOpt("mode").hasArg().argName("MODE")
                .desc("anchor (default: one anchor, the model_a of every summary) or all (a table per model_a)").build());
        o.addOption(Option.builder().longOpt("threshold").hasArg().argName("X")
                .desc("a neuron is universal if excess_corr > X (default 0.5)").build());
        o.addOption(Option.builder().longOpt("baseline-kind").hasArg().argName("KIND")
                .desc("baseline of the summaries to use: gaussian-rows (default, the paper's) or haar").build());
        o.addOption(Option.builder().longOpt("stats").hasArg().argName("FILE")
                .desc("neuron statistics of an anchor model from the stats tool, joined by layer and neuron (repeatable)").build());
        o.addOption(Option.builder().longOpt("outdir").hasArg().argName("DIR").desc("output directory").build());
    }

    @Override
    protected int doWork(Args args) {
        List<String> summaryArgs = args.strings("summary");
        if (summaryArgs.isEmpty()) {
            throw new UsageException("missing required option --summary (see --help)");
        }
        String mode = args.choice("mode", "anchor", "anchor", "all");
        double threshold = args.decimal("threshold", 0.5);
        if (!Double.isFinite(threshold)) {
            throw new UsageException("--threshold expects a finite number, got '" + args.string("threshold") + "'");
        }
        String kind = args.choice("baseline-kind", "gaussian-rows", "gaussian-rows", "haar");
        Path outdir = args.path("outdir");
        List<Path> summaryFiles = existing(summaryArgs, "summary");
        List<Path> statsFiles = existing(args.strings("stats"), "stats");

        // model_a -> model_b -> the summaries of that pair (possibly several layer ranges), in order of appearance
        Map<String, Map<String, List<PairSummary>>> byAnchor = new LinkedHashMap<>();
        PairSummary firstSummary = null;
        for (Path f : summaryFiles) {
            PairSummary s = PairSummary.read(f, kind);
            checkName(f, s.modelA());
            checkName(f, s.modelB());
            if (s.modelA().equals(s.modelB())) {
                throw new InputException(f + ": model_a and model_b are both '" + s.modelA() + "'; a model is not its own other seed");
            }
            if (firstSummary == null) {
                firstSummary = s;
            } else if (mode.equals("anchor") && !s.modelA().equals(firstSummary.modelA())) {
                throw new InputException(f + ": model_a is '" + s.modelA() + "' but " + firstSummary.file() + " has '"
                        + firstSummary.modelA() + "'; --mode anchor needs the same anchor (model_a) in every summary");
            }
            byAnchor.computeIfAbsent(s.modelA(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(s.modelB(), k -> new ArrayList<>()).add(s);
        }

        Map<String, StatsColumns> stats = new LinkedHashMap<>();
        for (Path f : statsFiles) {
            StatsColumns s = StatsColumns.read(f);
            if (!byAnchor.containsKey(s.model())) {
                throw new InputException(f + ": statistics of model '" + s.model() + "', but "
                        + (mode.equals("anchor") ? "the anchor is '" + firstSummary.modelA() + "'"
                        : "no summary has it as model_a (models: " + String.join(", ", byAnchor.keySet()) + ")"));
            }
            if (stats.containsKey(s.model())) {
                throw new InputException(f + ": a second statistics file for model '" + s.model() + "' (first: "
                        + stats.get(s.model()).file() + ")");
            }
            stats.put(s.model(), s);
        }

        for (Map.Entry<String, Map<String, List<PairSummary>>> e : byAnchor.entrySet()) {
            String anchor = e.getKey();
            List<PairSummary> pairs = new ArrayList<>();
            for (List<PairSummary> parts : e.getValue().values()) {
                pairs.add(PairSummary.join(parts));
            }
            NeuronTable t = Universality.compute(anchor, pairs, threshold);
            StatsColumns st = stats.get(anchor);
            if (st != null) {
                st.joinInto(t);
            }
            Path dir = mode.equals("anchor") ? outdir : outdir.resolve(anchor);
            Map<String, Object> attrs = new LinkedHashMap<>();
            attrs.put("mode", mode);
            attrs.put("threshold", threshold);
            attrs.put("baseline_kind", kind);
            StringJoiner seeds = new StringJoiner(",");
            StringJoiner samples = new StringJoiner(",");
            StringJoiner others = new StringJoiner(",");
            for (PairSummary p : pairs) {
                others.add(p.modelB());
                seeds.add(p.modelB() + ":" + p.baselineSeed());
                samples.add(p.modelB() + ":" + p.baselineSamples());
            }
            attrs.put("other_models", others.toString());
            attrs.put("baseline_seeds", seeds.toString());
            attrs.put("baseline_samples", samples.toString());
            StringJoiner sources = new StringJoiner(",");
            for (List<PairSummary> parts : e.getValue().values()) {
                for (PairSummary p : parts) {
                    sources.add(p.file().getFileName().toString());
                }
            }
            attrs.put("summaries", sources.toString());
            attrs.put("stats", st == null ? "" : st.file().getFileName().toString());
            TableWriter.csv(t, dir.resolve("neurons.csv"));
            TableWriter.hdf5(t, dir.resolve("neurons.h5"), attrs);
            TableWriter.layerFractions(t, dir.resolve("layer_fractions.csv"));
            if (st != null) {
                TableWriter.percentiles(Percentiles.compute(t), dir.resolve("percentiles.csv"));
            }
            int n = 0;
            for (int u : t.ints("is_universal")) {
                n += u;
            }
            err.printf(Locale.ROOT, "universality: %s against %s: %,d of %,d neurons universal (%.2f%%) at excess > %s%n",
                    anchor, others, n, t.rows(), 100.0 * n / t.rows(), Double.toString(threshold));
        }
        return EXIT_OK;
    }

    private static List<Path> existing(List<String> names, String opt) {
        List<Path> out = new ArrayList<>();
        for (String s : names) {
            Path p = Path.of(s);
            if (!Files.isRegularFile(p)) {
                throw new InputException(p + ": no such file (--" + opt + ")");
            }
            out.add(p);
        }
        return out;
    }

    /** Model names become column names and a directory name: keep them free of CSV and path syntax. */
    private static void checkName(Path f, String model) {
        if (model.isEmpty() || !model.matches("[A-Za-z0-9._+=:@-]+") || model.equals(".") || model.equals("..")) {
            throw new InputException(f + ": model name '" + model + "' must be non-empty letters, digits and ._+=:@- only"
                    + " (it names columns and directories)");
        }
    }
}
