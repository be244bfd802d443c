package org.uneurons.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds index.html and its PNG charts (written beside it) from loaded inputs. Every section is present; a section
 * whose optional input is missing says so in one line. All text from inputs is HTML-escaped.
 */
final class ReportPage {
    /** Everything the page shows; optional inputs are null or empty. */
    record Inputs(String title, List<NeuronGroup> groups, double threshold, List<ModelConfig> models,
                  Map<String, String> params, Long tokensOption, TopActivations stats, Long shardTokens,
                  Map<String, TaskTimings.ProcessTimes> timings, List<TrainLog> trainLogs, CsvTable layerFractions,
                  CsvTable percentiles, Contexts contexts, int topN, String version) {
    }

    private final Inputs in;
    private final Path dir;
    private final StringBuilder h = new StringBuilder(1 << 16);

    private ReportPage(Inputs in, Path dir) {
        this.in = in;
        this.dir = dir;
    }

    /** Writes the PNGs into {@code dir} and returns the HTML of index.html. */
    static String build(Inputs in, Path dir) {
        return new ReportPage(in, dir).render();
    }

    private String render() {
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>").append(Fmt.esc(in.title())).append("</title>\n<style>\n").append(CSS).append("</style>\n")
                .append("</head>\n<body>\n<main>\n");
        h.append("<h1>").append(Fmt.esc(in.title())).append("</h1>\n");
        h.append("<p class=\"sub\">Groups: ");
        for (int i = 0; i < in.groups().size(); i++) {
            NeuronGroup g = in.groups().get(i);
            h.append(i > 0 ? ", " : "").append("<span class=\"swatch\" style=\"background:")
                    .append(hex(i)).append("\"></span><b>").append(Fmt.esc(g.label)).append("</b>")
                    .append(i == 0 ? " (anchor)" : "");
        }
        h.append(". Universality threshold ").append(Fmt.threshold(in.threshold()))
                .append(" on excess correlation. Report ").append(Fmt.esc(in.version())).append(".</p>\n");
        h.append("<nav><a href=\"#run\">Run</a><a href=\"#headline\">Headline</a><a href=\"#distributions\">Distributions</a>")
                .append("<a href=\"#sweep\">Threshold sweep</a><a href=\"#layers\">Per layer</a>")
                .append("<a href=\"#properties\">Properties</a><a href=\"#top\">Top neurons</a></nav>\n");
        run();
        headline();
        distributions();
        sweep();
        layers();
        properties();
        top();
        h.append("</main>\n</body>\n</html>\n");
        return h.toString();
    }

    // ---------------------------------------------------------------- run summary

    private void run() {
        section("run", "Run summary");
        h.append("<h3>Models</h3>\n");
        if (in.models().isEmpty()) {
            na("no model configs given (--model NAME=DIR)");
        } else {
            h.append("<table><tr><th>model</th><th>type</th><th class=\"n\">layers</th><th class=\"n\">d_model</th>")
                    .append("<th class=\"n\">heads</th><th class=\"n\">d_mlp</th><th class=\"n\">neurons</th>")
                    .append("<th class=\"n\">context</th><th class=\"n\">vocabulary</th></tr>\n");
            for (ModelConfig m : in.models()) {
                h.append("<tr><td>").append(Fmt.esc(m.name())).append("</td><td>").append(Fmt.esc(m.type())).append("</td>");
                num(Fmt.count(m.layers()));
                num(Fmt.count(m.dModel()));
                num(Fmt.count(m.heads()));
                num(Fmt.count(m.dMlp()));
                num(Fmt.count((long) m.layers() * m.dMlp()));
                num(Fmt.count(m.ctx()));
                num(Fmt.count(m.vocab()));
                h.append("</tr>\n");
            }
            h.append("</table>\n");
        }

        h.append("<h3>Tokens analysed</h3>\n");
        List<String[]> tok = new ArrayList<>();
        if (in.tokensOption() != null) {
            tok.add(new String[] {"tokens analysed (as given)", Fmt.count(in.tokensOption())});
        }
        if (in.stats() != null && in.stats().nTokens >= 0) {
            tok.add(new String[] {"tokens in the statistics of " + in.stats().model + " (" + in.stats().shards.size()
                    + " shard" + (in.stats().shards.size() == 1 ? "" : "s") + ")", Fmt.count(in.stats().nTokens)});
        }
        if (in.shardTokens() != null) {
            tok.add(new String[] {"tokens in the given token shards", Fmt.count(in.shardTokens())});
        }
        if (tok.isEmpty()) {
            na("no token count given (--tokens, --stats or --shard)");
        } else {
            h.append("<table>");
            for (String[] t : tok) {
                h.append("<tr><td>").append(Fmt.esc(t[0])).append("</td><td class=\"n\">").append(t[1]).append("</td></tr>\n");
            }
            h.append("</table>\n");
        }

        h.append("<h3>Parameters</h3>\n");
        if (in.params().isEmpty()) {
            na("no parameters given (--params FILE or --param KEY=VALUE)");
        } else {
            h.append("<table class=\"params\"><tr><th>parameter</th><th>value</th></tr>\n");
            in.params().forEach((k, v) -> h.append("<tr><td><code>").append(Fmt.esc(k)).append("</code></td><td><code>")
                    .append(Fmt.esc(v)).append("</code></td></tr>\n"));
            h.append("</table>\n");
        }

        h.append("<h3>Timings</h3>\n");
        if (in.timings() != null) {
            taskTimings();
        } else {
            na("no task timings given (--timings FILE)");
        }

        h.append("<h3>Training</h3>\n");
        if (in.trainLogs().isEmpty()) {
            na("no training logs given (--train-log LABEL=FILE)");
        } else {
            h.append("<div class=\"pair\">\n<table><tr><th>model</th><th class=\"n\">steps</th><th class=\"n\">final train loss</th>")
                    .append("<th class=\"n\">final validation loss</th><th class=\"n\">tokens trained on</th></tr>\n");
            for (TrainLog t : in.trainLogs()) {
                int lt = TrainLog.last(t.train);
                int lv = TrainLog.last(t.val);
                h.append("<tr data-train=\"").append(Fmt.esc(t.label)).append("\"><td>").append(Fmt.esc(t.label)).append("</td>");
                num(Fmt.count((long) t.step[t.step.length - 1]));
                num(lt < 0 ? "–" : Fmt.general(t.train[lt]));
                num(lv < 0 ? "–" : Fmt.general(t.val[lv]) + (lv < t.step.length - 1 ? " (step " + Fmt.count((long) t.step[lv]) + ")" : ""));
                num(t.tokens < 0 ? "–" : Fmt.count(t.tokens));
                h.append("</tr>\n");
            }
            h.append("</table>\n");
            List<Charts.Curve> curves = new ArrayList<>();
            for (int i = 0; i < in.trainLogs().size(); i++) {
                TrainLog t = in.trainLogs().get(i);
                curves.add(new Charts.Curve(t.label + " train", t.step, t.train, i, false));
                curves.add(new Charts.Curve(t.label + " validation", t.step, t.val, i, true));
            }
            Charts.curves(dir.resolve("loss.png"), "Training loss", "step", "loss", curves);
            img("loss.png", "Training (solid) and validation (dashed) loss per step");
            h.append("</div>\n");
        }
        h.append("</section>\n");
    }

    // ---------------------------------------------------------------- headline numbers

    /** The Timings table from the tasks' timing.tsv files: one row per process, then the pipeline-wide sum. */
    private void taskTimings() {
        long total = 0;
        long cpu = 0;
        int tasks = 0;
        boolean cpuComplete = true;
        h.append("<table><tr><th>process</th><th class=\"n\">tasks</th><th class=\"n\">total wall time</th>")
                .append("<th class=\"n\">longest task</th><th class=\"n\">total CPU time</th>")
                .append("<th class=\"n\">peak memory (one task)</th></tr>\n");
        for (Map.Entry<String, TaskTimings.ProcessTimes> e : in.timings().entrySet()) {
            TaskTimings.ProcessTimes p = e.getValue();
            total += p.totalMs;
            cpu += p.cpuMs;
            tasks += p.tasks;
            cpuComplete &= p.cpuUnknown == 0;
            h.append("<tr data-timing=\"").append(Fmt.esc(e.getKey())).append("\"><td>").append(Fmt.esc(e.getKey()))
                    .append("</td>");
            num(Fmt.count(p.tasks) + (p.failedRuns > 0 ? " (" + p.failedRuns + " failed)" : ""));
            num(Fmt.duration(p.totalMs));
            num(Fmt.duration(p.maxMs));
            num(p.cpuUnknown > 0 && p.cpuMs == 0 ? "–" : Fmt.duration(p.cpuMs) + (p.cpuUnknown > 0 ? " (+" + p.cpuUnknown + " unknown)" : ""));
            num(p.peakRssMib < 0 ? "–" : Fmt.count(p.peakRssMib) + " MiB");
            h.append("</tr>\n");
        }
        h.append("<tr class=\"total\"><td>all processes</td>");
        num(Fmt.count(tasks));
        num(Fmt.duration(total));
        h.append("<td></td>");
        num(Fmt.duration(cpu) + (cpuComplete ? "" : " (some unknown)"));
        h.append("<td></td></tr>\n</table>\n<p class=\"note\">Wall time of each task's tool run as measured by ")
                .append("<code>un-task</code>, summed over the tasks: tasks run in parallel, so the sum exceeds the ")
                .append("pipeline's elapsed time. A cached task shows the run that computed its result. CPU time is the ")
                .append("JVM's user + system time (above its wall time when it uses several cores); peak memory is the ")
                .append("largest resident memory of one task's JVM (sampled each second). The report task itself is not listed.</p>\n");
    }

    private void headline() {
        section("headline", "Headline numbers");
        h.append("<p>Excess correlation ϱ = mean over the other models of the max correlation, minus the same for the")
                .append(" random-rotation baseline (METHOD 3.3). Fractions count neurons with ϱ strictly above the value.</p>\n");
        h.append("<table class=\"headline\"><tr><th>group</th><th class=\"n\">neurons</th><th class=\"n\">mean max corr</th>")
                .append("<th class=\"n\">mean baseline</th><th class=\"n\">mean excess</th><th class=\"n\">median excess</th>")
                .append("<th class=\"n\">max excess</th><th class=\"n\">ϱ &gt; 0.2</th><th class=\"n\">ϱ &gt; 0.5</th>")
                .append("<th class=\"n\">universal</th></tr>\n");
        for (int i = 0; i < in.groups().size(); i++) {
            NeuronGroup g = in.groups().get(i);
            Analysis.Headline hl = Analysis.headline(g);
            h.append("<tr data-group=\"").append(Fmt.esc(g.label)).append("\"><td class=\"nw\">").append(swatch(i)).append(Fmt.esc(g.label))
                    .append("</td>");
            cell("neurons", Fmt.count(hl.n()));
            cell("mean_corr", Fmt.mean(hl.meanCorr()));
            cell("mean_baseline", Fmt.mean(hl.meanBaseline()));
            cell("mean_excess", Fmt.mean(hl.meanExcess()));
            cell("median_excess", Fmt.mean(hl.medianExcess()));
            cell("max_excess", Fmt.corr(hl.maxExcess()));
            cell("above_0.2", Fmt.percent(hl.fraction(hl.above02())) + " <small>(" + Fmt.count(hl.above02()) + ")</small>");
            cell("above_0.5", Fmt.percent(hl.fraction(hl.above05())) + " <small>(" + Fmt.count(hl.above05()) + ")</small>");
            cell("universal", Fmt.percent(hl.fraction(hl.universal())) + " <small>(" + Fmt.count(hl.universal()) + ")</small>");
            h.append("</tr>\n");
        }
        h.append("</table>\n");
        for (NeuronGroup g : in.groups()) {
            int differ = 0;
            for (int r = 0; r < g.size(); r++) {
                differ += g.universal[r] != g.excess[r] > in.threshold() ? 1 : 0;
            }
            if (differ > 0) {
                h.append("<p class=\"na\">Note: <code>is_universal</code> of ").append(Fmt.esc(g.label)).append(" differs from")
                        .append(" excess &gt; ").append(Fmt.threshold(in.threshold())).append(" for ").append(Fmt.count(differ))
                        .append(" neurons: its table was made with another threshold than the one given here.</p>\n");
            }
        }
        h.append("<p class=\"note\">For reference, the paper reports 4.16% universal neurons (ϱ &gt; 0.5) in")
                .append(" GPT-2 small and 1.23% in GPT-2 medium. Small models trained briefly sit far below; the")
                .append(" distributions and the threshold sweep below show the whole picture.</p>\n</section>\n");
    }

    // ---------------------------------------------------------------- distributions

    private void distributions() {
        section("distributions", "Distributions (Figure 2 style)");
        h.append("<p>Density histograms (step outlines, shared bins) over all neurons of each group.</p>\n<div class=\"grid\">\n");
        String[][] q = {{"mean_corr", "Mean max neuron correlation", "mean over other models of max correlation"},
            {"mean_baseline", "Baseline (random rotation)", "mean over other models of max baseline correlation"},
            {"excess_corr", "Excess correlation", "excess correlation ϱ"}};
        for (String[] x : q) {
            LinkedHashMap<String, double[]> samples = new LinkedHashMap<>();
            for (NeuronGroup g : in.groups()) {
                samples.put(g.label, switch (x[0]) {
                    case "mean_corr" -> g.meanCorr;
                    case "mean_baseline" -> g.meanBaseline;
                    default -> g.excess;
                });
            }
            String file = "density_" + x[0] + ".png";
            Charts.densities(dir.resolve(file), x[1], x[2], samples);
            img(file, x[1] + ": density per group");
        }
        h.append("</div>\n</section>\n");
    }

    // ---------------------------------------------------------------- threshold sweep

    private void sweep() {
        section("sweep", "Universal fraction against the threshold");
        LinkedHashMap<String, double[]> series = new LinkedHashMap<>();
        for (NeuronGroup g : in.groups()) {
            series.put(g.label, Analysis.sweepFractions(g));
        }
        Charts.lines(dir.resolve("threshold_sweep.png"), "Neurons above each excess threshold",
                "threshold on excess correlation", "fraction of neurons", Analysis.SWEEP, series, true, in.threshold());
        h.append("<div class=\"pair\">\n");
        img("threshold_sweep.png", "Fraction of neurons above each threshold, per group");
        h.append("<table class=\"sweep\"><tr><th class=\"n\">threshold</th>");
        for (int i = 0; i < in.groups().size(); i++) {
            h.append("<th class=\"n\">").append(swatch(i)).append(Fmt.esc(in.groups().get(i).label)).append("</th>");
        }
        h.append("</tr>\n");
        for (int t = 0; t < Analysis.SWEEP.length; t++) {
            String th = Fmt.threshold(Analysis.SWEEP[t]);
            h.append("<tr data-threshold=\"").append(th).append("\"").append(Math.abs(Analysis.SWEEP[t] - in.threshold()) < 1e-9
                    ? " class=\"run\"" : "").append("><td class=\"n\">").append(th).append("</td>");
            for (NeuronGroup g : in.groups()) {
                double f = series.get(g.label)[t];
                h.append("<td class=\"n\" data-group=\"").append(Fmt.esc(g.label)).append("\">").append(Fmt.percent(f))
                        .append(" <small>(").append(Fmt.count(Math.round(f * g.size()))).append(")</small></td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n</div>\n</section>\n");
    }

    // ---------------------------------------------------------------- per layer

    private void layers() {
        section("layers", "Universal fraction per layer");
        h.append("<p>Neurons flagged universal (<code>is_universal</code>, excess above the run's threshold) per layer.")
                .append(" The paper's GPT-2 small shows a U shape: high in the first and last layers, lowest in the middle.</p>\n");
        int maxLayers = in.groups().stream().mapToInt(g -> g.nLayers).max().orElse(0);
        LinkedHashMap<String, LinkedHashMap<String, Double>> bars = new LinkedHashMap<>();
        List<Analysis.LayerCounts> counts = new ArrayList<>();
        for (NeuronGroup g : in.groups()) {
            Analysis.LayerCounts c = Analysis.layerCounts(g);
            counts.add(c);
            LinkedHashMap<String, Double> byLayer = new LinkedHashMap<>();
            for (int l = 0; l < g.nLayers; l++) {
                byLayer.put("L" + l, c.fraction(l));
            }
            bars.put(g.label, byLayer);
        }
        Charts.bars(dir.resolve("layer_fractions.png"), "Universal neurons per layer", "layer", "fraction of the layer's neurons",
                bars, true, null, null);
        h.append("<div class=\"pair\">\n");
        img("layer_fractions.png", "Fraction of universal neurons per layer, per group");
        // Beside the universal fraction: ϱ > 0.2 and the mean excess per layer, which show the depth profile of
        // small models that have almost no neuron past the run's threshold.
        h.append("<table class=\"layers\"><tr><th class=\"n\" rowspan=\"2\">layer</th>");
        for (int i = 0; i < in.groups().size(); i++) {
            h.append("<th class=\"n group\" colspan=\"3\">").append(swatch(i)).append(Fmt.esc(in.groups().get(i).label)).append("</th>");
        }
        h.append("</tr>\n<tr>");
        for (int i = 0; i < in.groups().size(); i++) {
            h.append("<th class=\"n\">universal</th><th class=\"n\">ϱ &gt; 0.2</th><th class=\"n\">mean ϱ</th>");
        }
        h.append("</tr>\n");
        for (int l = 0; l < maxLayers; l++) {
            h.append("<tr data-layer=\"").append(l).append("\"><td class=\"n\">").append(l).append("</td>");
            for (int i = 0; i < in.groups().size(); i++) {
                Analysis.LayerCounts c = counts.get(i);
                h.append("<td class=\"n\" data-group=\"").append(Fmt.esc(in.groups().get(i).label)).append("\">");
                if (l < c.total().length) {
                    h.append(Fmt.percent(c.fraction(l))).append(" <small>(").append(Fmt.count(c.universal()[l])).append(" / ")
                            .append(Fmt.count(c.total()[l])).append(")</small>");
                } else {
                    h.append("–");
                }
                h.append("</td>");
                NeuronGroup g = in.groups().get(i);
                int n = 0;
                int above = 0;
                double sum = 0;
                for (int r = 0; r < g.size(); r++) {
                    if (g.layer[r] == l) {
                        n++;
                        above += g.excess[r] > 0.2 ? 1 : 0;
                        sum += g.excess[r];
                    }
                }
                h.append("<td class=\"n\" data-group=\"").append(Fmt.esc(g.label)).append("\" data-key=\"above_0.2\">")
                        .append(n == 0 ? "–" : Fmt.percent(above / (double) n) + " <small>(" + Fmt.count(above) + ")</small>")
                        .append("</td><td class=\"n\" data-group=\"").append(Fmt.esc(g.label)).append("\" data-key=\"mean_excess\">")
                        .append(n == 0 ? "–" : Fmt.mean(sum / n)).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n</div>\n");
        if (in.layerFractions() != null) {
            h.append("<p class=\"note\">The anchor's counts agree with <code>").append(Fmt.esc(in.layerFractions().file().getFileName().toString()))
                    .append("</code>.</p>\n");
        }
        h.append("</section>\n");
    }

    // ---------------------------------------------------------------- properties (METHOD 5.4)

    private void properties() {
        section("properties", "What distinguishes universal neurons");
        NeuronGroup anchor = in.groups().get(0);
        List<Analysis.PercentileContrast> contrast = Analysis.percentileContrast(anchor);
        CsvTable pc = in.percentiles();
        if (contrast.isEmpty() && pc == null) {
            na("needs percentiles.csv (--percentiles) or a neurons.csv with statistics columns (universality --stats),"
                    + " and at least one universal neuron");
            h.append("</section>\n");
            return;
        }
        h.append("<p>Median within-layer percentile of each property (scipy's <code>percentileofscore</code> within the")
                .append(" neuron's layer; 50 = typical). Universal neurons of GPT-2 have low activation frequency, large")
                .append(" weight norm, negative input bias and high skew and kurtosis (METHOD 5.4).</p>\n");
        // universal medians over all layers: percentiles.csv when given, else computed from the neuron table
        LinkedHashMap<String, Double> uni = new LinkedHashMap<>();
        LinkedHashMap<String, Integer> uniN = new LinkedHashMap<>();
        LinkedHashMap<String, Double> other = new LinkedHashMap<>();
        LinkedHashMap<String, Integer> otherN = new LinkedHashMap<>();
        Map<String, Map<String, String>> perLayer = new LinkedHashMap<>();
        List<String> layerCols = new ArrayList<>();
        if (pc != null) {
            pc.require("metric", "layer", "median_percentile", "n_universal");
            for (int r = 0; r < pc.rows(); r++) {
                String metric = pc.string(r, "metric");
                String layer = pc.string(r, "layer");
                double med = pc.number(r, "median_percentile");
                int n = pc.integer(r, "n_universal");
                if (layer.equals("all")) {
                    uni.put(metric, med);
                    uniN.put(metric, n);
                } else {
                    String col = "L" + layer;
                    if (!layerCols.contains(col)) {
                        layerCols.add(col);
                    }
                    perLayer.computeIfAbsent(metric, k -> new LinkedHashMap<>()).put(col, Fmt.percentile(med)
                            + " <small>(" + Fmt.count(n) + ")</small>");
                }
            }
            layerCols.sort((a, b) -> Integer.compare(Integer.parseInt(a.substring(1)), Integer.parseInt(b.substring(1))));
        }
        for (Analysis.PercentileContrast c : contrast) {
            uni.putIfAbsent(c.metric(), c.universalMedian());
            uniN.putIfAbsent(c.metric(), c.nUniversal());
            other.put(c.metric(), c.otherMedian());
            otherN.put(c.metric(), c.nOther());
        }
        if (uni.isEmpty()) {
            na("the anchor has no universal neuron at the run's threshold, so there are no percentiles to compare");
            h.append("</section>\n");
            return;
        }
        LinkedHashMap<String, LinkedHashMap<String, Double>> bars = new LinkedHashMap<>();
        bars.put("universal", new LinkedHashMap<>());
        if (!other.isEmpty()) {
            bars.put("non-universal", new LinkedHashMap<>());
        }
        for (String m : uni.keySet()) {
            bars.get("universal").put(label(m), uni.get(m));
            if (!other.isEmpty()) {
                bars.get("non-universal").put(label(m), other.getOrDefault(m, Double.NaN));
            }
        }
        Charts.bars(dir.resolve("properties.png"), "Median within-layer percentile (" + anchor.label + ")", "property",
                "median percentile", bars, false, 100.0, 50.0);
        h.append("<div class=\"pair\">\n");
        img("properties.png", "Median within-layer percentile of each property, universal against non-universal");
        h.append("<table class=\"props\"><tr><th>property</th><th class=\"n\">universal</th>");
        if (!other.isEmpty()) {
            h.append("<th class=\"n\">non-universal</th>");
        }
        for (String c : layerCols) {
            h.append("<th class=\"n\">universal ").append(c).append("</th>");
        }
        h.append("</tr>\n");
        for (String m : uni.keySet()) {
            h.append("<tr data-metric=\"").append(Fmt.esc(m)).append("\"><td>").append(Fmt.esc(label(m)))
                    .append(" <code>").append(Fmt.esc(m)).append("</code></td>");
            num(Fmt.percentile(uni.get(m)) + " <small>(" + Fmt.count(uniN.get(m)) + ")</small>");
            if (!other.isEmpty()) {
                num(other.containsKey(m) ? Fmt.percentile(other.get(m)) + " <small>(" + Fmt.count(otherN.get(m)) + ")</small>" : "–");
            }
            for (String c : layerCols) {
                num(perLayer.getOrDefault(m, Map.of()).getOrDefault(c, "–"));
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n</div>\n<p class=\"note\">Counts in brackets are neurons. ")
                .append(pc != null ? "Universal columns come from <code>" + Fmt.esc(pc.file().getFileName().toString()) + "</code>"
                        : "Universal medians are computed from the neuron table")
                .append(other.isEmpty() ? "." : "; non-universal medians are computed from the anchor's neuron table with the same rule.")
                .append("</p>\n</section>\n");
    }

    private static String label(String metric) {
        return switch (metric) {
            case "act_freq" -> "act frequency";
            case "mean" -> "act mean";
            case "skew" -> "act skew";
            case "kurt" -> "act kurtosis";
            case "input_bias" -> "input bias";
            case "in_out_sim" -> "cos(w_in, w_out)";
            case "l2_penalty" -> "L2 penalty";
            case "vocab_kurt" -> "W_U kurtosis";
            default -> metric;
        };
    }

    // ---------------------------------------------------------------- top neurons

    private void top() {
        NeuronGroup g = in.groups().get(0);
        section("top", "Top neurons by excess correlation (" + Fmt.esc(g.label) + ")");
        int[] rows = Analysis.topByExcess(g, in.topN());
        h.append("<p>The ").append(rows.length).append(" neurons of the anchor with the highest excess correlation,")
                .append(" their best-matching neuron in each other model (layer·neuron and correlation)");
        if (in.contexts() != null) {
            h.append(", and the tokens on which they fire most (highlighted, after the tokens before them)");
        }
        h.append(".</p>\n");
        if (in.contexts() == null) {
            na("top-activating contexts need the anchor's statistics file (--stats) and its token shards (--shard)");
        }
        h.append("<table class=\"top\"><tr><th class=\"n\">#</th><th>neuron</th><th class=\"n\">excess</th>")
                .append("<th class=\"n\">mean corr</th><th class=\"n\">baseline</th><th>partners</th>");
        if (in.contexts() != null) {
            h.append("<th>top-activating contexts</th>");
        }
        h.append("</tr>\n");
        for (int i = 0; i < rows.length; i++) {
            int r = rows[i];
            int layer = g.layer[r];
            int neuron = g.neuron[r];
            h.append("<tr data-neuron=\"").append(layer).append('.').append(neuron).append("\"")
                    .append(g.universal[r] ? " class=\"universal\"" : "").append("><td class=\"n\">").append(i + 1)
                    .append("</td><td class=\"nw\">L").append(layer).append(" N").append(neuron)
                    .append(g.universal[r] ? " <span class=\"tag\">universal</span>" : "").append("</td>");
            num(Fmt.corr(g.excess[r]));
            num(Fmt.corr(g.meanCorr[r]));
            num(Fmt.corr(g.meanBaseline[r]));
            h.append("<td class=\"partners\">");
            if (g.otherModels.isEmpty()) {
                h.append("–");
            }
            for (String m : g.otherModels) {
                h.append("<div><span class=\"model\">").append(Fmt.esc(m)).append("</span> L")
                        .append(g.table.integer(r, "partner_layer_" + m)).append("·N")
                        .append(g.table.integer(r, "partner_neuron_" + m)).append(" <small>(")
                        .append(Fmt.corr(g.table.number(r, "corr_" + m))).append(")</small></div>");
            }
            h.append("</td>");
            if (in.contexts() != null) {
                Contexts.NeuronContexts nc = in.contexts().of(layer, neuron);
                h.append("<td class=\"ctxs\">");
                for (Contexts.Context c : nc.contexts()) {
                    h.append("<div class=\"ctx\"><span class=\"act\">").append(Fmt.general(c.value())).append("</span> <span class=\"text\">")
                            .append(c.clipped() ? "…" : "").append(Fmt.esc(visible(c.before()))).append("<mark>")
                            .append(Fmt.esc(visible(c.token()))).append("</mark></span></div>");
                }
                if (nc.note() != null) {
                    h.append("<div class=\"na\">").append(Fmt.esc(nc.note())).append("</div>");
                }
                h.append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");
        if (in.contexts() != null && !in.contexts().decoding().isEmpty()) {
            h.append("<p class=\"note\">Activation (post-GELU) before each context. Decoded with: ");
            List<String> d = new ArrayList<>();
            in.contexts().decoding().forEach((s, how) -> d.add(Fmt.esc(s) + " → " + Fmt.esc(how)));
            h.append(String.join("; ", d)).append(". ↵ marks a newline.</p>\n");
        }
        h.append("</section>\n");
    }

    /** Newlines and tabs as visible marks, so a context stays on one line. */
    private static String visible(String s) {
        return s.replace("\r\n", "↵").replace("\n", "↵").replace("\r", "↵").replace("\t", "→");
    }

    // ---------------------------------------------------------------- helpers

    private void section(String id, String title) {
        h.append("<section id=\"").append(id).append("\">\n<h2>").append(title).append("</h2>\n");
    }

    private void na(String why) {
        h.append("<p class=\"na\">Not available: ").append(Fmt.esc(why)).append(".</p>\n");
    }

    private void num(String html) {
        h.append("<td class=\"n\">").append(html).append("</td>");
    }

    private void cell(String key, String html) {
        h.append("<td class=\"n\" data-key=\"").append(key).append("\">").append(html).append("</td>");
    }

    private void img(String file, String alt) {
        h.append("<figure><img src=\"").append(file).append("\" alt=\"").append(Fmt.esc(alt)).append("\" width=\"")
                .append(Charts.WIDTH).append("\" height=\"").append(Charts.HEIGHT).append("\"></figure>\n");
    }

    private static String swatch(int i) {
        return "<span class=\"swatch\" style=\"background:" + hex(i) + "\"></span>";
    }

    private static String hex(int i) {
        return String.format("#%06X", Charts.colour(i).getRGB() & 0xFFFFFF);
    }

    /** The page's one style sheet, {@code report.css} beside this class in the jar. */
    private static final String CSS = css();

    private static String css() {
        try (InputStream in = ReportPage.class.getResourceAsStream("report.css")) {
            if (in == null) {
                throw new IllegalStateException("report.css is missing from the report jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read report.css from the report jar", e);
        }
    }
}
