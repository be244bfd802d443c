package org.uneurons.report;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.cli.Version;
import org.uneurons.core.io.OutputSet;

/**
 * The report task: a static HTML report ({@code OUTDIR/report/index.html} with its charts beside it as PNG, SVG and
 * CSV) that opens offline, from one or more labelled neuron tables (the anchor first, e.g. a random-init control after
 * it) and optional run inputs. Everything is read and checked before anything is drawn; the report directory is published
 * whole or not at all.
 */
public final class ReportTool extends Tool {
    public ReportTool() {
        super("report",
                "Writes OUTDIR/report/index.html (offline HTML with PNG and SVG charts) from neuron tables and run inputs.");
    }

    public static void main(String[] a) {
        System.setProperty("java.awt.headless", "true");
        main(new ReportTool(), a);
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
        o.addOption(Option.builder().longOpt("stats").hasArg().argName("[GROUP=]FILE")
                .desc("a group's statistics file (stats tool), repeatable, once per group; without GROUP= the anchor's."
                        + " For the top-activating contexts and the neuron browser's histograms").build());
        o.addOption(Option.builder().longOpt("no-browser").desc("do not write the neuron browser (report/neurons/)").build());
        o.addOption(Option.builder().longOpt("browser-contexts").hasArg().argName("K")
                .desc("top-activating contexts per neuron in the browser (default 10)").build());
        o.addOption(Option.builder().longOpt("shard").hasArg().argName("FILE")
                .desc("token shard named in the statistics file, repeatable (matched by file name)").build());
        o.addOption(Option.builder().longOpt("model").hasArg().argName("NAME=DIR")
                .desc("a model's checkpoint directory (or its config.json), repeatable").build());
        o.addOption(Option.builder().longOpt("params").hasArg().argName("FILE")
                .desc("run parameters: a JSON object, or 'key=value' / 'key: value' lines").build());
        o.addOption(Option.builder().longOpt("param").hasArg().argName("KEY=VALUE").desc("a run parameter, repeatable").build());
        o.addOption(Option.builder().longOpt("timings").hasArg().argName("FILE")
                .desc("timing.tsv of a task (bin/un-task: process, tag, exit, wall_s, cpu_s, peak_rss_mib), repeatable").build());
        o.addOption(Option.builder().longOpt("plan").hasArg().argName("FILE")
                .desc("the run's plan, shown in the run summary: a tab-separated file with the columns item, value"
                        + " (the pipeline's pipeline_info/plan.tsv)").build());
        o.addOption(Option.builder().longOpt("train-log").hasArg().argName("[LABEL=]FILE")
                .desc("training log CSV (step, train_loss[, val_loss]), repeatable").build());
        o.addOption(Option.builder().longOpt("reference").hasArg().argName("[LABEL=]FILE")
                .desc("a neuron table of the anchor's model shape to compare with (a neurons.csv, or the paper's"
                        + " universal.csv); default label 'reference'").build());
        o.addOption(Option.builder().longOpt("families").hasArg().argName("GROUP=FILE")
                .desc("families.h5 of the families tool for a group of --neurons (e.g. trained=..., control=...),"
                        + " repeatable, once per group; without it the report says families were not computed").build());
        o.addOption(Option.builder().longOpt("roles").hasArg().argName("MODEL=DIR")
                .desc("a model's weights task directory (roles.csv, roles_layers.csv), repeatable, once per model;"
                        + " without it the report says roles were not computed").build());
        o.addOption(Option.builder().longOpt("control").hasArg().argName("MODEL")
                .desc("the random-init control among the --roles models, drawn apart from the trained ones").build());
        o.addOption(Option.builder().longOpt("interventions").hasArg().argName("GROUP=DIR")
                .desc("a group's intervene task directory (entropy.csv, attention.csv, prediction.csv), repeatable,"
                        + " once per group of --neurons").build());
        o.addOption(Option.builder().longOpt("dynamics").hasArg().argName("DIR")
                .desc("a study's dynamics tool directory (curves.csv, layers.csv, onset.csv, persistence.csv): the"
                        + " section 'Universality through training'").build());
        o.addOption(Option.builder().longOpt("tokens").hasArg().argName("N").desc("tokens analysed, as shown in the summary").build());
        o.addOption(Option.builder().longOpt("threshold").hasArg().argName("X")
                .desc("the run's universality threshold (default: param 'threshold', else 0.5)").build());
        o.addOption(Option.builder().longOpt("top").hasArg().argName("N").desc("top neurons listed (default 20)").build());
        o.addOption(Option.builder().longOpt("contexts").hasArg().argName("K").desc("contexts per top neuron (default 5)").build());
        o.addOption(Option.builder().longOpt("window").hasArg().argName("W")
                .desc("tokens shown before each activating token (default 12)").build());
        o.addOption(Option.builder().longOpt("title").hasArg().argName("TEXT").desc("page title (default 'Universal neurons')").build());
    }

    /** Read inputs, compute the model, write the charts, render the page, publish the directory. */
    @Override
    protected int doWork(Args args) throws Exception {
        System.setProperty("java.awt.headless", "true");
        ReportSettings settings = ReportSettings.from(args);
        settings.inputs().forEach(in -> args.input(in.label(), in.file()));
        args.outputDir("outdir");
        Path target = args.outputTree("--outdir", settings.outdir().resolve("report"));
        ReportInputs inputs = ReportInputs.read(settings);
        ReportModel model = ModelBuilder.build(settings, inputs, Version.describe(getClass()));
        Browser browser = settings.browser() ? browser(settings, inputs) : null;
        DynamicsSection dynamics = args.has("dynamics")
                ? DynamicsSection.read(args.input("--dynamics", Path.of(args.string("dynamics")))) : null;
        // written into a temporary directory, which replaces the report directory whole
        try (OutputSet out = new OutputSet()) {
            Path dir = out.tempDirectory(target);
            ReportCharts.write(model, dir);
            if (dynamics != null) {
                dynamics.writeCharts(dir);
            }
            Files.writeString(dir.resolve("index.html"), ReportPage.render(model, browser != null, dynamics),
                    StandardCharsets.UTF_8);
            if (browser != null) {
                int files = NeuronBrowser.write(dir, browser.groups(), browser.contexts(), settings.title(),
                        NeuronBrowser.CHUNK);
                err.println("report: neuron browser of " + browser.groups().stream().mapToInt(g -> g.table().size())
                        .sum() + " neurons in " + files + " data files");
            }
            out.commit();
        }
        err.println("report: wrote " + target.resolve("index.html"));
        return EXIT_OK;
    }

    /** The neuron browser's inputs, read and checked before anything is written. */
    private record Browser(java.util.List<BrowserGroup> groups, BrowserContexts contexts) {
    }

    /** The neuron browser of every group's table model, with its histograms, contexts, roles and families. */
    private static Browser browser(ReportSettings settings, ReportInputs inputs) {
        java.util.List<BrowserGroup> groups = new java.util.ArrayList<>();
        java.util.Map<String, Path> rolesDirs = new java.util.HashMap<>();
        settings.roles().forEach(r -> rolesDirs.put(r.label(), r.file()));
        for (NeuronGroup g : inputs.groups()) {
            FamiliesInput families = inputs.families().stream().filter(f -> f.group().equals(g.label)).findFirst()
                    .orElse(null);
            groups.add(BrowserGroup.read(g, settings.statsOf(g.label), families, rolesDirs));
        }
        return new Browser(groups, BrowserContexts.decode(groups, settings.shards(), settings.browserContexts(),
                settings.window(), NeuronBrowser.AFTER));
    }
}
