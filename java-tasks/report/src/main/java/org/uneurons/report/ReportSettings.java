package org.uneurons.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.uneurons.core.cli.Args;
import org.uneurons.formats.Threshold;
import org.uneurons.core.cli.UsageException;

/**
 * The report's command line, parsed and checked; nothing here reads a file. Optional paths are null when not given,
 * repeatable options are lists in the order given, and {@code threshold} is null unless {@code --threshold} was
 * given (the run parameters may then supply it, see {@link ReportInputs}). {@code plan} is the run's plan file;
 * {@code reference} a neuron table to compare the anchor's with (label {@code reference} unless given);
 * {@code families} the families.h5 of some groups, each labelled with its group (a label of {@code neurons}, once);
 * {@code roles} the weights task's directory of some models (a name of {@code models} when models are given, once
 * each); {@code interventions} the intervene task's directory of some groups (once each); {@code control} the model
 * among {@code roles} that is the random-init control (drawn apart from the trained ones), or null.
 */
record ReportSettings(Path outdir, List<Labelled> neurons, Path layerFractions, Path percentiles, List<Labelled> stats,
                      List<Path> shards, List<Labelled> models, Path paramsFile, List<Map.Entry<String, String>> params,
                      Double threshold, List<Path> timings, List<Labelled> trainLogs, Long tokens, int top,
                      int contexts, int window, String title, Path plan, Labelled reference,
                      List<Labelled> families, List<Labelled> roles, List<Labelled> interventions, String control,
                      boolean browser, int browserContexts) {
    static final int DEFAULT_TOP = 20;
    static final int DEFAULT_CONTEXTS = 5;
    static final int DEFAULT_WINDOW = 12;
    static final int DEFAULT_BROWSER_CONTEXTS = 10;
    static final String DEFAULT_TITLE = "Universal neurons";
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9_.+-]+");

    /** A labelled input file: {@code --neurons LABEL=FILE}, {@code --model NAME=DIR}, {@code --train-log LABEL=FILE}. */
    record Labelled(String label, Path file) {
    }

    ReportSettings {
        if (outdir == null) {
            throw new UsageException("missing required option --outdir (see --help)");
        }
        if (neurons.isEmpty()) {
            throw new UsageException("missing required option --neurons (see --help)");
        }
        positive("top", top);
        positive("contexts", contexts);
        if (window < 0) {
            throw new UsageException("--window expects a non-negative integer, got " + window);
        }
        if (tokens != null && tokens < 0) {
            throw new UsageException("--tokens expects a non-negative integer, got " + tokens);
        }
        Set<String> labels = new HashSet<>();
        for (Labelled g : neurons) {
            if (!labels.add(g.label())) {
                throw new UsageException("--neurons: label '" + g.label() + "' is given twice; labels must be unique");
            }
        }
        positive("browser-contexts", browserContexts);
        checkGroups(neurons, families, "--families", "GROUP=FILE", "families file");
        checkGroups(neurons, stats, "--stats", "[GROUP=]FILE", "statistics file");
        checkRoles(models, roles, control);
        checkGroups(neurons, interventions, "--interventions", "GROUP=DIR", "directory");
        roles = List.copyOf(roles);
        interventions = List.copyOf(interventions);
        neurons = List.copyOf(neurons);
        families = List.copyOf(families);
        stats = List.copyOf(stats);
        shards = List.copyOf(shards);
        models = List.copyOf(models);
        params = List.copyOf(params);
        timings = List.copyOf(timings);
        trainLogs = List.copyOf(trainLogs);
    }

    /** Every input path with the option that names it, for the checks of the outputs against the inputs. */
    List<Labelled> inputs() {
        List<Labelled> out = new ArrayList<>();
        neurons.forEach(g -> out.add(new Labelled("--neurons", g.file())));
        optional(out, "--layer-fractions", layerFractions);
        optional(out, "--percentiles", percentiles);
        stats.forEach(f -> out.add(new Labelled("--stats", f.file())));
        optional(out, "--params", paramsFile);
        optional(out, "--plan", plan);
        shards.forEach(p -> out.add(new Labelled("--shard", p)));
        models.forEach(m -> out.add(new Labelled("--model", m.file())));
        timings.forEach(p -> out.add(new Labelled("--timings", p)));
        trainLogs.forEach(g -> out.add(new Labelled("--train-log", g.file())));
        optional(out, "--reference", reference == null ? null : reference.file());
        families.forEach(f -> out.add(new Labelled("--families", f.file())));
        roles.forEach(f -> out.add(new Labelled("--roles", f.file())));
        interventions.forEach(f -> out.add(new Labelled("--interventions", f.file())));
        return out;
    }

    /** Each roles directory names a model (one of --model when models are given), once; --control is one of them. */
    private static void checkRoles(List<Labelled> models, List<Labelled> roles, String control) {
        List<String> names = models.stream().map(Labelled::label).toList();
        Set<String> seen = new HashSet<>();
        for (Labelled r : roles) {
            if (!names.isEmpty() && !names.contains(r.label())) {
                throw new UsageException("--roles: no model '" + r.label() + "' among the --model names ("
                        + String.join(", ", names) + "); expected MODEL=DIR with one of them");
            }
            if (!seen.add(r.label())) {
                throw new UsageException("--roles: model '" + r.label() + "' is given twice; give one directory per model");
            }
        }
        if (control != null && !roles.isEmpty() && !seen.contains(control)) {
            throw new UsageException("--control " + control + " is not a model of --roles (" + String.join(", ", seen) + ")");
        }
    }

    /**
     * Each labelled input of {@code option} (--families, --interventions) names a group of --neurons, and a group has
     * at most one ({@code what}: "families file", "directory").
     */
    private static void checkGroups(List<Labelled> neurons, List<Labelled> inputs, String option, String expected,
                                    String what) {
        List<String> labels = neurons.stream().map(Labelled::label).toList();
        Set<String> seen = new HashSet<>();
        for (Labelled f : inputs) {
            if (!labels.contains(f.label())) {
                throw new UsageException(option + ": no group '" + f.label() + "' among the --neurons groups ("
                        + String.join(", ", labels) + "); expected " + expected + " with one of them");
            }
            if (!seen.add(f.label())) {
                throw new UsageException(option + ": group '" + f.label() + "' is given twice; give one " + what
                        + " per group");
            }
        }
    }

    private static void optional(List<Labelled> out, String option, Path p) {
        if (p != null) {
            out.add(new Labelled(option, p));
        }
    }

    /** Parses the options {@link ReportTool} declares. */
    static ReportSettings from(Args args) {
        return new ReportSettings(
                args.has("outdir") ? args.path("outdir") : null,
                labelled(args.strings("neurons"), "neurons", "group"),
                optionalPath(args, "layer-fractions"),
                optionalPath(args, "percentiles"),
                groupStats(args.strings("stats"), args.strings("neurons")),
                paths(args.strings("shard")),
                named(rawValues(args, "model")),
                optionalPath(args, "params"),
                params(rawValues(args, "param")),
                args.has("threshold") ? Threshold.check(args.decimal("threshold", 0.5), "--threshold",
                        args.string("threshold")) : null,
                paths(args.strings("timings")),
                labelled(args.strings("train-log"), "train-log", "model"),
                args.has("tokens") ? args.longValue("tokens", 0) : null,
                args.integer("top", DEFAULT_TOP),
                args.integer("contexts", DEFAULT_CONTEXTS),
                args.integer("window", DEFAULT_WINDOW),
                args.string("title", DEFAULT_TITLE),
                optionalPath(args, "plan"),
                reference(args.strings("reference")),
                pairs(rawValues(args, "families"), "families", "GROUP=FILE (a group of --neurons and its families.h5)"),
                pairs(rawValues(args, "roles"), "roles", "MODEL=DIR (a model and its weights task directory)"),
                pairs(rawValues(args, "interventions"), "interventions",
                        "GROUP=DIR (a group of --neurons and its intervene task directory)"),
                args.has("control") ? args.string("control") : null,
                !args.has("no-browser"),
                args.integer("browser-contexts", DEFAULT_BROWSER_CONTEXTS));
    }

    /** The anchor's statistics file (for the top-neuron contexts), or null. */
    Path anchorStats() {
        return statsOf(neurons.get(0).label());
    }

    /** A group's statistics file, or null. */
    Path statsOf(String group) {
        return stats.stream().filter(f -> f.label().equals(group)).map(Labelled::file).findFirst().orElse(null);
    }

    /** --stats [GROUP=]FILE values; a file without a group is the anchor's (the first --neurons label). */
    private static List<Labelled> groupStats(List<String> specs, List<String> neurons) {
        List<Labelled> out = new ArrayList<>();
        String anchor = neurons.isEmpty() ? "group1" : labelled(neurons.subList(0, 1), "neurons", "group").get(0).label();
        for (String spec : specs) {
            int eq = spec.indexOf('=');
            if (eq > 0 && LABEL.matcher(spec.substring(0, eq)).matches()) {
                out.add(new Labelled(spec.substring(0, eq), Path.of(spec.substring(eq + 1))));
            } else {
                out.add(new Labelled(anchor, Path.of(spec)));
            }
        }
        return out;
    }

    /** NAME=PATH values of a repeatable option. */
    private static List<Labelled> pairs(List<String> specs, String option, String expected) {
        List<Labelled> out = new ArrayList<>();
        for (String spec : specs) {
            int eq = spec.indexOf('=');
            if (eq <= 0 || eq == spec.length() - 1) {
                throw new UsageException("--" + option + " expects " + expected + ", got '" + spec + "'");
            }
            out.add(new Labelled(spec.substring(0, eq), Path.of(spec.substring(eq + 1))));
        }
        return out;
    }

    private static void positive(String opt, int v) {
        if (v <= 0) {
            throw new UsageException("--" + opt + " expects a positive integer, got " + v);
        }
    }

    private static Path optionalPath(Args args, String opt) {
        return args.has(opt) ? args.path(opt) : null;
    }

    private static List<Path> paths(List<String> values) {
        return values.stream().map(Path::of).toList();
    }

    /**
     * KEY=VALUE option values. {@link Args#strings} also splits on commas, so a part without '=' is rejoined to the
     * value before it: {@code --param layers=0,1} stays one value.
     */
    private static List<String> rawValues(Args args, String opt) {
        List<String> out = new ArrayList<>();
        for (String part : args.strings(opt)) {
            if (part.indexOf('=') <= 0 && !out.isEmpty()) {
                out.set(out.size() - 1, out.get(out.size() - 1) + "," + part);
            } else {
                out.add(part);
            }
        }
        return out;
    }

    /** [LABEL=]FILE values; a value without a label gets {@code defaultPrefix} and its 1-based position. */
    private static List<Labelled> labelled(List<String> specs, String opt, String defaultPrefix) {
        List<Labelled> out = new ArrayList<>();
        for (String spec : specs) {
            int eq = spec.indexOf('=');
            if (eq > 0 && LABEL.matcher(spec.substring(0, eq)).matches()) {
                out.add(new Labelled(spec.substring(0, eq), Path.of(spec.substring(eq + 1))));
            } else if (eq == 0) {
                throw new UsageException("--" + opt + " expects [LABEL=]FILE with a label of letters, digits, _ . + -, got '"
                        + spec + "'");
            } else {
                out.add(new Labelled(defaultPrefix + (out.size() + 1), Path.of(spec)));
            }
        }
        return out;
    }

    /** The one --reference [LABEL=]FILE, or null. */
    private static Labelled reference(List<String> specs) {
        if (specs.size() > 1) {
            throw new UsageException("--reference is given " + specs.size() + " times; give one reference table");
        }
        if (specs.isEmpty()) {
            return null;
        }
        String spec = specs.get(0);
        int eq = spec.indexOf('=');
        Labelled l = labelled(specs, "reference", "reference").get(0);
        return eq > 0 && LABEL.matcher(spec.substring(0, eq)).matches() ? l : new Labelled("reference", l.file());
    }

    /** --model NAME=DIR values. */
    private static List<Labelled> named(List<String> specs) {
        List<Labelled> out = new ArrayList<>();
        for (String spec : specs) {
            int eq = spec.indexOf('=');
            if (eq <= 0) {
                throw new UsageException("--model expects NAME=DIR, got '" + spec + "'");
            }
            out.add(new Labelled(spec.substring(0, eq), Path.of(spec.substring(eq + 1))));
        }
        return out;
    }

    private static List<Map.Entry<String, String>> params(List<String> specs) {
        return specs.stream().map(Params::option).toList();
    }
}
