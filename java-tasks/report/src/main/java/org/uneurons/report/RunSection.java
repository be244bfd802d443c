package org.uneurons.report;

import org.uneurons.report.ReportModel.ModelShape;
import org.uneurons.report.ReportModel.ProcessTiming;
import org.uneurons.report.ReportModel.RunSummary;
import org.uneurons.report.ReportModel.StatsTokens;
import org.uneurons.report.ReportModel.Timings;
import org.uneurons.report.ReportModel.Tokens;
import org.uneurons.report.ReportModel.Training;
import org.uneurons.report.ReportModel.TrainingRow;

/** The "Run summary" section: models, tokens analysed, parameters, timings and training. */
final class RunSection {
    private RunSection() {
    }

    static void render(Html h, RunSummary run) {
        h.section("run", "Run summary");
        models(h, run);
        tokens(h, run.tokens());
        params(h, run);
        plan(h, run);
        h.append("<h3>Timings</h3>\n");
        if (run.timings() != null) {
            timings(h, run.timings());
        } else {
            h.na("no task timings given (--timings FILE)");
        }
        h.append("<h3>Training</h3>\n");
        if (run.training() != null) {
            training(h, run.training());
        } else {
            h.na("no training logs given (--train-log LABEL=FILE)");
        }
        h.append("</section>\n");
    }

    private static void models(Html h, RunSummary run) {
        h.append("<h3>Models</h3>\n");
        if (run.models().isEmpty()) {
            h.na("no model configs given (--model NAME=DIR)");
            return;
        }
        h.append("<table><tr><th>model</th><th>type</th><th class=\"n\">layers</th><th class=\"n\">d_model</th>")
                .append("<th class=\"n\">heads</th><th class=\"n\">d_mlp</th><th class=\"n\">neurons</th>")
                .append("<th class=\"n\">context</th><th class=\"n\">vocabulary</th></tr>\n");
        for (ModelShape m : run.models()) {
            h.append("<tr><td>").esc(m.name()).append("</td><td>").esc(m.type()).append("</td>")
                    .num(Fmt.count(m.layers())).num(Fmt.count(m.dModel())).num(Fmt.count(m.heads()))
                    .num(Fmt.count(m.dMlp())).num(Fmt.count(m.neurons())).num(Fmt.count(m.ctx()))
                    .num(Fmt.count(m.vocab())).append("</tr>\n");
        }
        h.append("</table>\n");
    }

    private static void tokens(Html h, Tokens t) {
        h.append("<h3>Tokens analysed</h3>\n");
        if (!t.any()) {
            h.na("no token count given (--tokens, --stats or --shard)");
            return;
        }
        h.append("<table>");
        if (t.given() != null) {
            tokenRow(h, "tokens analysed (as given)", t.given());
        }
        StatsTokens s = t.inStats();
        if (s != null) {
            tokenRow(h, "tokens in the statistics of " + s.model() + " (" + s.shards() + " shard" + (s.shards() == 1 ? "" : "s")
                    + ")", s.tokens());
        }
        if (t.inShards() != null) {
            tokenRow(h, "tokens in the given token shards", t.inShards());
        }
        h.append("</table>\n");
    }

    private static void tokenRow(Html h, String what, long n) {
        h.append("<tr><td>").esc(what).append("</td><td class=\"n\">").append(Fmt.count(n)).append("</td></tr>\n");
    }

    private static void params(Html h, RunSummary run) {
        h.append("<h3>Parameters</h3>\n");
        if (run.params().isEmpty()) {
            h.na("no parameters given (--params FILE or --param KEY=VALUE)");
            return;
        }
        h.append("<table class=\"params\"><tr><th>parameter</th><th>value</th></tr>\n");
        run.params().forEach((k, v) -> h.append("<tr><td><code>").esc(k).append("</code></td><td><code>").esc(v)
                .append("</code></td></tr>\n"));
        h.append("</table>\n");
    }

    /** The plan printed before the run (tasks, memory per task, disk in work/, FLOPs), when given. */
    private static void plan(Html h, RunSummary run) {
        if (run.plan() == null) {
            return;
        }
        h.append("<h3>Plan</h3>\n<table class=\"params\"><tr><th>item</th><th>as planned before the run</th></tr>\n");
        run.plan().forEach((k, v) -> h.append("<tr data-plan=\"").esc(k).append("\"><td>").esc(k).append("</td><td>")
                .esc(v).append("</td></tr>\n"));
        h.append("</table>\n<p class=\"note\">The pipeline's plan (<code>pipeline_info/plan.txt</code>): memory is each ")
                .append("task's request, disk the sum of every file the run keeps in <code>work/</code>, GB = 10<sup>9</sup> ")
                .append("bytes. Compare with the measured peak memory in the timings below.</p>\n");
    }

    /** One row per process, then the pipeline-wide sums. */
    private static void timings(Html h, Timings t) {
        h.append("<table><tr><th>process</th><th class=\"n\">tasks</th><th class=\"n\">total wall time</th>")
                .append("<th class=\"n\">longest task</th><th class=\"n\">total CPU time</th>")
                .append("<th class=\"n\">peak memory (one task)</th></tr>\n");
        for (ProcessTiming p : t.processes()) {
            h.append("<tr data-timing=\"").esc(p.process()).append("\"><td>").esc(p.process()).append("</td>")
                    .num(Fmt.count(p.tasks()) + (p.failedRuns() > 0 ? " (" + p.failedRuns() + " failed)" : ""))
                    .num(Fmt.duration(p.wallMs()))
                    .num(Fmt.duration(p.longestMs()))
                    .num(p.cpuUnknown() > 0 && p.cpuMs() == 0 ? "–"
                            : Fmt.duration(p.cpuMs()) + (p.cpuUnknown() > 0 ? " (+" + p.cpuUnknown() + " unknown)" : ""))
                    .num(p.peakRssMib() < 0 ? "–" : Fmt.count(p.peakRssMib()) + " MiB")
                    .append("</tr>\n");
        }
        h.append("<tr class=\"total\"><td>all processes</td>").num(Fmt.count(t.tasks())).num(Fmt.duration(t.wallMs()))
                .append("<td></td>").num(Fmt.duration(t.cpuMs()) + (t.cpuComplete() ? "" : " (some unknown)"))
                .append("<td></td></tr>\n</table>\n<p class=\"note\">Wall time of each task's tool run as measured by ")
                .append("<code>un-task</code>, summed over the tasks: tasks run in parallel, so the sum exceeds the ")
                .append("pipeline's elapsed time. A cached task shows the run that computed its result. CPU time is the ")
                .append("JVM's user + system time (above its wall time when it uses several cores); peak memory is the ")
                .append("largest resident memory of one task's JVM (sampled each second). The report task itself is not listed.</p>\n");
    }

    /** Final losses and tokens per model, beside the loss chart. */
    private static void training(Html h, Training t) {
        h.append("<div class=\"pair\">\n<table><tr><th>model</th><th class=\"n\">steps</th><th class=\"n\">final train loss</th>")
                .append("<th class=\"n\">final validation loss</th><th class=\"n\">tokens trained on</th></tr>\n");
        for (TrainingRow r : t.rows()) {
            h.append("<tr data-train=\"").esc(r.label()).append("\"><td>").esc(r.label()).append("</td>")
                    .num(Fmt.count(r.steps()))
                    .num(Fmt.general(r.finalTrain()))
                    .num(Fmt.general(r.finalVal()) + (r.valStep() != null ? " (step " + Fmt.count(r.valStep()) + ")" : ""))
                    .num(r.tokens() < 0 ? "–" : Fmt.count(r.tokens()))
                    .append("</tr>\n");
        }
        h.append("</table>\n").img(ReportCharts.LOSS, "Training (solid) and validation (dashed) loss per step")
                .append("</div>\n");
    }
}
