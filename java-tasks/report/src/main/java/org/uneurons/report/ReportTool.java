package org.uneurons.report;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import io.jhdf.HdfFile;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.cli.UsageException;
import org.uneurons.core.cli.Version;
import org.uneurons.core.io.Hdf5;

/**
 * The report task: a static HTML report ({@code OUTDIR/report/index.html} with PNG charts beside it) that opens
 * offline, from one or more labelled neuron tables (the anchor first, e.g. a random-init control after it) and
 * optional run inputs. Everything is read and checked before anything is drawn; the report directory is published
 * whole or not at all.
 */
public final class ReportTool extends Tool {
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9_.+-]+");

    public static void main(String[] a) {
        System.setProperty("java.awt.headless", "true");
        main(new ReportTool(), a);
    }

    @Override
    public String name() {
        return "report";
    }

    @Override
    public String description() {
        return "Writes OUTDIR/report/index.html (offline HTML with PNG charts) from neuron tables and run inputs.";
    }

    @Override
    protected void declareOptions(Options o) {
        o.addOption(Option.builder().longOpt("neurons").hasArg().argName("[LABEL=]FILE")
                .desc("neurons.csv of the universality tool, repeatable; the first is the anchor (e.g. trained=...),"
                        + " others are compared with it (e.g. control=...). Default labels group1, group2, ...").build());
        o.addOption(Option.builder().longOpt("outdir").hasArg().argName("DIR").desc("writes DIR/report/").build());
        o.addOption(Option.builder().longOpt("layer-fractions").hasArg().argName("FILE")
                .desc("the anchor's layer_fractions.csv (checked against its neurons.csv)").build());
        o.addOption(Option.builder().longOpt("percentiles").hasArg().argName("FILE").desc("the anchor's percentiles.csv").build());
        o.addOption(Option.builder().longOpt("stats").hasArg().argName("FILE")
                .desc("the anchor's statistics file (stats tool), for top-activating contexts").build());
        o.addOption(Option.builder().longOpt("shard").hasArg().argName("FILE")
                .desc("token shard named in the statistics file, repeatable (matched by file name)").build());
        o.addOption(Option.builder().longOpt("model").hasArg().argName("NAME=DIR")
                .desc("a model's checkpoint directory (or its config.json), repeatable").build());
        o.addOption(Option.builder().longOpt("params").hasArg().argName("FILE")
                .desc("run parameters: a JSON object, or 'key=value' / 'key: value' lines").build());
        o.addOption(Option.builder().longOpt("param").hasArg().argName("KEY=VALUE").desc("a run parameter, repeatable").build());
        o.addOption(Option.builder().longOpt("timings").hasArg().argName("FILE")
                .desc("timing.tsv of a task (bin/un-task: process, tag, exit, wall_s, cpu_s, peak_rss_mib), repeatable").build());
        o.addOption(Option.builder().longOpt("train-log").hasArg().argName("[LABEL=]FILE")
                .desc("training log CSV (step, train_loss[, val_loss]), repeatable").build());
        o.addOption(Option.builder().longOpt("tokens").hasArg().argName("N").desc("tokens analysed, as shown in the summary").build());
        o.addOption(Option.builder().longOpt("threshold").hasArg().argName("X")
                .desc("the run's universality threshold (default: param 'threshold', else 0.5)").build());
        o.addOption(Option.builder().longOpt("top").hasArg().argName("N").desc("top neurons listed (default 20)").build());
        o.addOption(Option.builder().longOpt("contexts").hasArg().argName("K").desc("contexts per top neuron (default 5)").build());
        o.addOption(Option.builder().longOpt("window").hasArg().argName("W")
                .desc("tokens shown before each activating token (default 12)").build());
        o.addOption(Option.builder().longOpt("title").hasArg().argName("TEXT").desc("page title (default 'Universal neurons')").build());
    }

    @Override
    protected int doWork(Args args) throws Exception {
        System.setProperty("java.awt.headless", "true");
        Path outdir = args.path("outdir");
        List<String> neuronSpecs = args.strings("neurons");
        if (neuronSpecs.isEmpty()) {
            throw new UsageException("missing required option --neurons (see --help)");
        }
        int topN = args.positive("top", 20);
        int perNeuron = args.positive("contexts", 5);
        int window = args.integer("window", 12);
        if (window < 0) {
            throw new UsageException("--window expects a non-negative integer, got " + window);
        }
        Long tokens = args.has("tokens") ? args.longValue("tokens", 0) : null;
        if (tokens != null && tokens < 0) {
            throw new UsageException("--tokens expects a non-negative integer, got " + tokens);
        }

        // Params first: the threshold may come from them.
        Map<String, String> params = new LinkedHashMap<>();
        if (args.has("params")) {
            params.putAll(Params.read(args.path("params")));
        }
        for (String kv : rawValues(args, "param")) {
            Map.Entry<String, String> e = Params.option(kv);
            params.put(e.getKey(), e.getValue());
        }
        double threshold = threshold(args, params);

        List<NeuronGroup> groups = new ArrayList<>();
        for (int i = 0; i < neuronSpecs.size(); i++) {
            String[] lf = labelled(neuronSpecs.get(i), "neurons", "group" + (i + 1));
            for (NeuronGroup g : groups) {
                if (g.label.equals(lf[0])) {
                    throw new UsageException("--neurons: label '" + lf[0] + "' is given twice; labels must be unique");
                }
            }
            groups.add(NeuronGroup.read(lf[0], Path.of(lf[1])));
        }
        NeuronGroup anchor = groups.get(0);

        CsvTable layerFractions = null;
        if (args.has("layer-fractions")) {
            layerFractions = CsvTable.read(args.path("layer-fractions"), "a layer_fractions.csv (columns layer, n_neurons, "
                    + "n_universal, fraction)", ',');
            checkLayerFractions(layerFractions, anchor);
        }
        CsvTable percentiles = null;
        if (args.has("percentiles")) {
            percentiles = CsvTable.read(args.path("percentiles"), "a percentiles.csv (columns metric, layer, "
                    + "median_percentile, n_universal)", ',');
            percentiles.require("metric", "layer", "median_percentile", "n_universal");
            for (int r = 0; r < percentiles.rows(); r++) {
                String layer = percentiles.string(r, "layer");
                if (!layer.equals("all")) {
                    percentiles.integer(r, "layer");
                }
                percentiles.number(r, "median_percentile");
                percentiles.integer(r, "n_universal");
            }
        }

        List<ModelConfig> models = new ArrayList<>();
        for (String spec : rawValues(args, "model")) {
            int eq = spec.indexOf('=');
            if (eq <= 0) {
                throw new UsageException("--model expects NAME=DIR, got '" + spec + "'");
            }
            models.add(ModelConfig.read(spec.substring(0, eq), Path.of(spec.substring(eq + 1))));
        }

        List<Path> shards = new ArrayList<>();
        for (String s : args.strings("shard")) {
            shards.add(Path.of(s));
        }
        Long shardTokens = shards.isEmpty() ? null : shardTokens(shards);
        TopActivations stats = null;
        Contexts contexts = null;
        if (args.has("stats")) {
            stats = TopActivations.read(args.path("stats"));
            if (stats.nLayers != anchor.nLayers || (long) stats.nLayers * stats.dMlp != anchor.size()) {
                throw new InputException(stats.file + ": statistics of " + stats.model + " (" + stats.nLayers + " x "
                        + stats.dMlp + " neurons), but " + anchor.file() + " (" + anchor.label + ") has " + anchor.nLayers
                        + " layers and " + anchor.size() + " neurons; expected the anchor's statistics file");
            }
            contexts = new Contexts(stats, shards, window, perNeuron);
            // decode now, so a shard that does not match the statistics fails before anything is drawn
            for (int r : Analysis.topByExcess(anchor, topN)) {
                contexts.of(anchor.layer[r], anchor.neuron[r]);
            }
        }

        Map<String, TaskTimings.ProcessTimes> timings = null;
        if (args.has("timings")) {
            List<Path> files = new ArrayList<>();
            for (String f : args.strings("timings")) {
                files.add(Path.of(f));
            }
            timings = TaskTimings.read(files);
        }
        List<TrainLog> logs = new ArrayList<>();
        List<String> logSpecs = args.strings("train-log");
        for (int i = 0; i < logSpecs.size(); i++) {
            String[] lf = labelled(logSpecs.get(i), "train-log", "model" + (i + 1));
            logs.add(TrainLog.read(lf[0], Path.of(lf[1])));
        }

        ReportPage.Inputs in = new ReportPage.Inputs(args.string("title", "Universal neurons"), groups, threshold, models,
                params, tokens, stats, shardTokens, timings, logs, layerFractions, percentiles, contexts, topN,
                Version.describe(getClass()));
        Path target = outdir.resolve("report");
        try (DirectoryOutput out = new DirectoryOutput(target)) {
            String html = ReportPage.build(in, out.temp());
            Files.writeString(out.temp().resolve("index.html"), html, StandardCharsets.UTF_8);
            out.commit();
        }
        err.println("report: wrote " + target.resolve("index.html"));
        return EXIT_OK;
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

    /** [LABEL=]FILE -> {label, file}. */
    private static String[] labelled(String spec, String opt, String dflt) {
        int eq = spec.indexOf('=');
        if (eq > 0 && LABEL.matcher(spec.substring(0, eq)).matches()) {
            return new String[] {spec.substring(0, eq), spec.substring(eq + 1)};
        }
        if (eq == 0) {
            throw new UsageException("--" + opt + " expects [LABEL=]FILE with a label of letters, digits, _ . + -, got '" + spec + "'");
        }
        return new String[] {dflt, spec};
    }

    private static double threshold(Args args, Map<String, String> params) {
        if (args.has("threshold")) {
            return args.decimal("threshold", 0.5);
        }
        String t = params.get("threshold");
        if (t != null) {
            try {
                return Double.parseDouble(t);
            } catch (NumberFormatException e) {
                throw new UsageException("param 'threshold' is '" + t + "', expected a number");
            }
        }
        return 0.5;
    }

    private static void checkLayerFractions(CsvTable t, NeuronGroup anchor) {
        t.require("layer", "n_neurons", "n_universal", "fraction");
        Analysis.LayerCounts c = Analysis.layerCounts(anchor);
        if (t.rows() != anchor.nLayers) {
            throw new InputException(t.file() + ": " + t.rows() + " layers, but " + anchor.file() + " (" + anchor.label
                    + ") has " + anchor.nLayers + "; expected the layer_fractions.csv of the same run");
        }
        for (int r = 0; r < t.rows(); r++) {
            int l = t.integer(r, "layer");
            int n = t.integer(r, "n_neurons");
            int u = t.integer(r, "n_universal");
            t.number(r, "fraction");
            if (l < 0 || l >= anchor.nLayers || c.total()[l] != n || c.universal()[l] != u) {
                throw new InputException(t.file() + ": layer " + l + " has " + u + " universal of " + n + " neurons, but "
                        + anchor.file() + " (" + anchor.label + ") has "
                        + (l >= 0 && l < anchor.nLayers ? c.universal()[l] + " of " + c.total()[l] : "no such layer")
                        + "; expected the layer_fractions.csv of the same run");
            }
        }
    }

    /** Tokens in the shards, from the shape of /tokens (without reading them). */
    private static long shardTokens(List<Path> shards) {
        long n = 0;
        for (Path p : shards) {
            try (HdfFile h = Hdf5.open(p)) {
                int[] d = Hdf5.dataset(h, p, "/tokens", "token shard: /tokens int32 [n_seq, ctx]").getDimensions();
                if (d.length != 2) {
                    throw new InputException(p + ": /tokens has " + d.length + " dimensions, expected [n_seq, ctx]");
                }
                n += (long) d[0] * d[1];
            }
        }
        return n;
    }
}
