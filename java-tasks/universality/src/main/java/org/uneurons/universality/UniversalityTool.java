package org.uneurons.universality;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

import org.apache.commons.cli.Options;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.cli.UsageException;
import org.uneurons.core.io.OutputSet;
import org.uneurons.formats.CorrelationSummaryFile;
import org.uneurons.formats.LayerFractionsFile;
import org.uneurons.formats.NeuronStatsFile;
import org.uneurons.formats.NeuronTable;
import org.uneurons.formats.NeuronTableFile;
import org.uneurons.formats.PairSummary;
import org.uneurons.formats.PercentilesFile;
import org.uneurons.formats.Provenance;
import org.uneurons.formats.StatsColumns;
import org.uneurons.formats.Threshold;

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
    public UniversalityTool() {
        super("universality",
                "Excess correlation, universal neurons and the neuron table (CSV and HDF5) from correlation "
                + "summaries.");
    }

    public static void main(String[] argv) {
        main(new UniversalityTool(), argv);
    }

    @Override
    protected void declareOptions(Options o) {
        o.addOption(option("summary", "FILE", "finalised correlation summary of one pair (repeatable; a pair may come in"
                + " several layer ranges)"));
        o.addOption(option("mode", "MODE", "anchor (default: one anchor, the model_a of every summary) or all (a table per model_a)"));
        o.addOption(option("threshold", "X", "a neuron is universal if excess_corr > X, X in [0, 1) (default 0.5)"));
        o.addOption(option("baseline-kind", "KIND", "baseline of the summaries to use: gaussian-rows (default, the paper's) or haar"));
        o.addOption(option("stats", "FILE", "neuron statistics of an anchor model from stats-final, joined by layer and"
                + " neuron (repeatable)"));
        o.addOption(option("outdir", "DIR", "output directory"));
    }

    /** The command line; every named file must exist. */
    record Settings(List<Path> summaries, List<Path> stats, boolean allModels, double threshold, String baselineKind,
                    Path outdir) {
        static Settings parse(Args args) {
            List<String> summaryArgs = args.strings("summary");
            if (summaryArgs.isEmpty()) {
                throw new UsageException("missing required option --summary (see --help)");
            }
            String mode = args.choice("mode", "anchor", "anchor", "all");
            double threshold = Threshold.check(args.decimal("threshold", 0.5), "--threshold",
                    args.string("threshold", "0.5"));
            String kind = args.choice("baseline-kind", "gaussian-rows", "gaussian-rows", "haar");
            args.path("outdir");
            List<Path> summaries = args.existingFiles("summary");
            List<Path> stats = args.existingFiles("stats");
            return new Settings(summaries, stats, mode.equals("all"), threshold, kind, args.outputDir("outdir"));
        }

        String mode() {
            return allModels ? "all" : "anchor";
        }
    }

    @Override
    protected int doWork(Args args) {
        Settings s = Settings.parse(args);
        Map<String, Map<String, List<PairSummary>>> byAnchor = readSummaries(s);
        Map<String, String> sha256 = checkIdentities(byAnchor);
        Map<String, StatsColumns> stats = readStats(s, byAnchor, sha256);
        for (String anchor : byAnchor.keySet()) {
            for (String file : TABLE_FILES) {
                args.outputFile("--outdir", tableDir(s, anchor).resolve(file));
            }
        }
        // every table of every anchor is published together, or none (an older run's files never mix in)
        try (OutputSet set = new OutputSet()) {
            for (Map.Entry<String, Map<String, List<PairSummary>>> e : byAnchor.entrySet()) {
                String anchor = e.getKey();
                List<PairSummary> pairs = new ArrayList<>();
                for (List<PairSummary> parts : e.getValue().values()) {
                    pairs.add(PairSummary.join(parts));
                }
                NeuronTable t = Universality.compute(anchor, pairs, s.threshold());
                StatsColumns st = stats.get(anchor);
                if (st != null) {
                    st.joinInto(t);
                }
                writeTable(s, set, t, st, pairs, e.getValue(), sha256);
            }
            set.commit();
        }
        return EXIT_OK;
    }

    /** What one table is: the files of an anchor's directory (percentiles.csv only with statistics). */
    static final List<String> TABLE_FILES = List.of("neurons.csv", "neurons.h5", "layer_fractions.csv", "percentiles.csv");

    private static Path tableDir(Settings s, String anchor) {
        return s.allModels() ? s.outdir().resolve(anchor) : s.outdir();
    }

    /** model_a -> model_b -> the summaries of that pair (possibly several layer ranges), in order of appearance. */
    private static Map<String, Map<String, List<PairSummary>>> readSummaries(Settings s) {
        Map<String, Map<String, List<PairSummary>>> byAnchor = new LinkedHashMap<>();
        PairSummary firstSummary = null;
        for (Path f : s.summaries()) {
            PairSummary p = CorrelationSummaryFile.read(f, s.baselineKind());
            checkName(f, p.modelA());
            checkName(f, p.modelB());
            if (p.modelA().equals(p.modelB())) {
                throw new InputException(f + ": model_a and model_b are both '" + p.modelA() + "'; a model is not its own other seed");
            }
            if (firstSummary == null) {
                firstSummary = p;
            } else if (!s.allModels() && !p.modelA().equals(firstSummary.modelA())) {
                throw new InputException(f + ": model_a is '" + p.modelA() + "' but " + firstSummary.file() + " has '"
                        + firstSummary.modelA() + "'; --mode anchor needs the same anchor (model_a) in every summary");
            }
            byAnchor.computeIfAbsent(p.modelA(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(p.modelB(), k -> new ArrayList<>()).add(p);
        }
        return byAnchor;
    }

    /**
     * One name, one checkpoint: every summary that names a model (as model_a or model_b) records the same content
     * hash of its weights, else the summaries mix runs of different checkpoints under one name. Returns each model's
     * hash (models whose summaries record none, files of earlier versions, are left out, with a warning per file).
     */
    private Map<String, String> checkIdentities(Map<String, Map<String, List<PairSummary>>> byAnchor) {
        Map<String, String> sha256 = new LinkedHashMap<>();
        Map<String, Path> seenIn = new LinkedHashMap<>();
        for (Map<String, List<PairSummary>> byOther : byAnchor.values()) {
            for (List<PairSummary> parts : byOther.values()) {
                for (PairSummary p : parts) {
                    if (p.modelASha256() == null || p.modelBSha256() == null) {
                        err.println(name() + ": warning: " + Provenance.unchecked(p.file(),
                                "model_a_sha256 or model_b_sha256", "its models"));
                    }
                    identity(p.file(), p.modelA(), p.modelASha256(), sha256, seenIn);
                    identity(p.file(), p.modelB(), p.modelBSha256(), sha256, seenIn);
                }
            }
        }
        return sha256;
    }

    private static void identity(Path file, String model, String hash, Map<String, String> sha256, Map<String, Path> seenIn) {
        if (hash == null) {
            return;
        }
        String before = sha256.putIfAbsent(model, hash);
        if (before == null) {
            seenIn.put(model, file);
        } else if (!before.equals(hash)) {
            throw new InputException(file + ": model " + model + " has weights sha256 " + Provenance.abbreviate(hash)
                    + " here, but " + Provenance.abbreviate(before) + " in " + seenIn.get(model) + "; one model name must"
                    + " name one checkpoint in every summary");
        }
    }

    /**
     * The statistics files by model; each must be of a model that gets a table, one file per model, made from the
     * same weights as its summaries ({@code sha256}, where both record the hash).
     */
    private Map<String, StatsColumns> readStats(Settings s, Map<String, Map<String, List<PairSummary>>> byAnchor,
                                                Map<String, String> sha256) {
        Map<String, StatsColumns> stats = new LinkedHashMap<>();
        for (Path f : s.stats()) {
            StatsColumns c = NeuronStatsFile.readColumns(f);
            if (Provenance.differ(c.modelSha256(), sha256.get(c.model()))) {
                throw new InputException(f + ": statistics of " + c.model() + " with weights sha256 "
                        + Provenance.abbreviate(c.modelSha256()) + ", but its correlation summaries are of weights "
                        + Provenance.abbreviate(sha256.get(c.model())) + "; give the statistics of the same checkpoint");
            }
            if (c.modelSha256() == null) {
                err.println(name() + ": warning: " + Provenance.unchecked(f, "model_sha256", "its model"));
            }
            if (!byAnchor.containsKey(c.model())) {
                throw new InputException(f + ": statistics of model '" + c.model() + "', but "
                        + (!s.allModels() ? "the anchor is '" + byAnchor.keySet().iterator().next() + "'"
                        : "no summary has it as model_a (models: " + String.join(", ", byAnchor.keySet()) + ")"));
            }
            if (stats.containsKey(c.model())) {
                throw new InputException(f + ": a second statistics file for model '" + c.model() + "' (first: "
                        + stats.get(c.model()).file() + ")");
            }
            stats.put(c.model(), c);
        }
        return stats;
    }

    /**
     * neurons.csv, neurons.h5, layer_fractions.csv and (with statistics) percentiles.csv of one anchor, into the set;
     * without statistics an older percentiles.csv is retired, as it would describe another table.
     */
    private void writeTable(Settings s, OutputSet set, NeuronTable t, StatsColumns st, List<PairSummary> pairs,
                            Map<String, List<PairSummary>> parts, Map<String, String> sha256) {
        Path dir = tableDir(s, t.model());
        set.write(dir.resolve("neurons.csv"), NeuronTableFile.csvContent(t));
        set.write(dir.resolve("neurons.h5"), NeuronTableFile.hdf5Content(t, provenance(s, st, pairs, parts, sha256)));
        set.write(dir.resolve("layer_fractions.csv"), LayerFractionsFile.content(Universality.layerFractions(t)));
        if (st != null) {
            set.write(dir.resolve("percentiles.csv"), PercentilesFile.content(LayerPercentiles.compute(t)));
        } else {
            set.retire(dir.resolve("percentiles.csv"));
        }
        int n = 0;
        for (int u : t.ints("is_universal")) {
            n += u;
        }
        int dead = 0;
        for (int d : t.ints("dead")) {
            dead += d;
        }
        StringJoiner others = new StringJoiner(",");
        pairs.forEach(p -> others.add(p.modelB()));
        err.printf(Locale.ROOT, "universality: %s against %s: %,d of %,d neurons universal (%.2f%%) at excess > %s%s%n",
                t.model(), others, n, t.rows(), 100.0 * n / t.rows(), Double.toString(s.threshold()), dead == 0 ? ""
                        : String.format(Locale.ROOT, "; %,d dead (constant on the analysed tokens), never universal", dead));
    }

    /**
     * The root attributes of neurons.h5: settings, the other models, the content hashes of every model's weights
     * (model_sha256 absent and "unknown" in other_models_sha256 for summaries of earlier versions), baseline seeds and
     * samples, source files (by name).
     */
    private static Map<String, Object> provenance(Settings s, StatsColumns st, List<PairSummary> pairs,
                                                  Map<String, List<PairSummary>> parts, Map<String, String> sha256) {
        Map<String, Object> attrs = new LinkedHashMap<>();
        String anchor = sha256.get(pairs.get(0).modelA());
        if (anchor != null) {
            attrs.put("model_sha256", anchor);
        }
        attrs.put("mode", s.mode());
        attrs.put("threshold", s.threshold());
        attrs.put("baseline_kind", s.baselineKind());
        StringJoiner seeds = new StringJoiner(",");
        StringJoiner samples = new StringJoiner(",");
        StringJoiner others = new StringJoiner(",");
        for (PairSummary p : pairs) {
            others.add(p.modelB());
            seeds.add(p.modelB() + ":" + p.baselineSeed());
            samples.add(p.modelB() + ":" + p.baselineSamples());
        }
        attrs.put("other_models", others.toString());
        StringJoiner otherSha = new StringJoiner(",");
        pairs.forEach(p -> otherSha.add(p.modelB() + ":" + sha256.getOrDefault(p.modelB(), "unknown")));
        attrs.put("other_models_sha256", otherSha.toString());
        attrs.put("baseline_seeds", seeds.toString());
        attrs.put("baseline_samples", samples.toString());
        StringJoiner sources = new StringJoiner(",");
        parts.values().forEach(list -> list.forEach(p -> sources.add(p.file().getFileName().toString())));
        attrs.put("summaries", sources.toString());
        attrs.put("stats", st == null ? "" : st.file().getFileName().toString());
        return attrs;
    }

    /** Model names become column names and a directory name: keep them free of CSV and path syntax. */
    private static void checkName(Path f, String model) {
        if (model.isEmpty() || !model.matches("[A-Za-z0-9._+=:@-]+") || model.equals(".") || model.equals("..")) {
            throw new InputException(f + ": model name '" + model + "' must be non-empty letters, digits and ._+=:@- only"
                    + " (it names columns and directories)");
        }
    }
}
