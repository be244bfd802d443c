package org.uneurons.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.uneurons.report.ReportModel.LossCurve;
import org.uneurons.report.ReportModel.ModelShape;
import org.uneurons.report.ReportModel.ProcessTiming;
import org.uneurons.report.ReportModel.RunSummary;
import org.uneurons.report.ReportModel.StatsTokens;
import org.uneurons.report.ReportModel.Timings;
import org.uneurons.report.ReportModel.Tokens;
import org.uneurons.report.ReportModel.Training;
import org.uneurons.report.ReportModel.TrainingRow;
import org.uneurons.formats.ModelConfig;
import org.uneurons.formats.TopActivations;
import org.uneurons.formats.TrainLog;

/** The run summary part of the {@link ReportModel}: models, tokens, parameters, timings and training. */
final class RunSummaryBuilder {
    private RunSummaryBuilder() {
    }

    static RunSummary build(ReportSettings settings, ReportInputs in) {
        List<ModelShape> models = new ArrayList<>();
        for (ModelConfig m : in.models()) {
            models.add(new ModelShape(m.name(), m.modelType(), m.nLayers, m.dModel, m.nHeads, m.dMlp,
                    (long) m.nLayers * m.dMlp, m.nCtx, m.vocabSize));
        }
        TopActivations stats = in.stats();
        StatsTokens inStats = stats != null && stats.nTokens >= 0
                ? new StatsTokens(stats.model, stats.shards.size(), stats.nTokens) : null;
        return new RunSummary(List.copyOf(models), new Tokens(settings.tokens(), inStats, in.shardTokens()),
                Collections.unmodifiableMap(new LinkedHashMap<>(in.params())), timings(in.timings()),
                training(in.trainLogs()), in.plan());
    }

    /** Per-process rows and the sums over all processes; null without timing files. */
    static Timings timings(Map<String, TaskTimings.ProcessTimes> byProcess) {
        if (byProcess == null) {
            return null;
        }
        List<ProcessTiming> rows = new ArrayList<>();
        long wall = 0;
        long cpu = 0;
        int tasks = 0;
        boolean cpuComplete = true;
        for (Map.Entry<String, TaskTimings.ProcessTimes> e : byProcess.entrySet()) {
            TaskTimings.ProcessTimes p = e.getValue();
            rows.add(new ProcessTiming(e.getKey(), p.tasks, p.failedRuns, p.totalMs, p.maxMs, p.cpuMs, p.cpuUnknown,
                    p.peakRssMib));
            wall += p.totalMs;
            cpu += p.cpuMs;
            tasks += p.tasks;
            cpuComplete &= p.cpuUnknown == 0;
        }
        return new Timings(List.copyOf(rows), tasks, wall, cpu, cpuComplete);
    }

    /** Final losses and tokens per log, and the loss curves (train solid, validation dashed); null without logs. */
    static Training training(List<TrainLog> logs) {
        if (logs.isEmpty()) {
            return null;
        }
        List<TrainingRow> rows = new ArrayList<>();
        List<LossCurve> curves = new ArrayList<>();
        for (int i = 0; i < logs.size(); i++) {
            TrainLog t = logs.get(i);
            int last = t.step.length - 1;
            int lt = TrainLog.last(t.train);
            int lv = TrainLog.last(t.val);
            rows.add(new TrainingRow(t.label, (long) t.step[last], lt < 0 ? Double.NaN : t.train[lt],
                    lv < 0 ? Double.NaN : t.val[lv], lv >= 0 && lv < last ? (long) t.step[lv] : null, t.tokens));
            List<Double> steps = ModelBuilder.list(t.step);
            curves.add(new LossCurve(t.label + " train", steps, ModelBuilder.list(t.train), i, false));
            curves.add(new LossCurve(t.label + " validation", steps, ModelBuilder.list(t.val), i, true));
        }
        return new Training(List.copyOf(rows), List.copyOf(curves));
    }
}
