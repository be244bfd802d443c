package org.uneurons.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.uneurons.report.ReportModel.GroupHeadline;
import org.uneurons.report.ReportModel.Headline;
import org.uneurons.report.ReportModel.Histogram;
import org.uneurons.report.ReportModel.Mismatch;
import org.uneurons.report.ReportModel.Partner;
import org.uneurons.report.ReportModel.Share;
import org.uneurons.report.ReportModel.Sweep;
import org.uneurons.report.ReportModel.SweepRow;
import org.uneurons.report.ReportModel.TopNeuron;
import org.uneurons.report.ReportModel.TopNeurons;

/**
 * Computes the {@link ReportModel} from the loaded inputs: the run summary ({@link RunSummaryBuilder}), the per-layer
 * part ({@link LayersBuilder}), the properties ({@link PropertiesBuilder}), the neuron families
 * ({@link FamiliesBuilder}), the reference comparison ({@link ReferenceBuilder}) and here the other neuron-table
 * sections. The numbers come from {@link Analysis}; nothing is formatted, drawn or written here.
 */
final class ModelBuilder {
    /** The quantities of the distribution charts: neurons.csv column, chart title, x-axis label. */
    private static final String[][] QUANTITIES = {
        {"mean_corr", "Mean max neuron correlation", "mean over other models of max correlation"},
        {"mean_baseline", "Baseline (random rotation)", "mean over other models of max baseline correlation"},
        {"excess_corr", "Excess correlation", "excess correlation ϱ"}};

    private ModelBuilder() {
    }

    static ReportModel build(ReportSettings settings, ReportInputs in, String version) {
        List<NeuronGroup> groups = in.groups();
        TopNeurons top = top(in.anchor(), settings.top(), in.contexts());
        return new ReportModel(settings.title(), groups.stream().map(g -> g.label).toList(), in.threshold(), version,
                RunSummaryBuilder.build(settings, in), headline(groups, in.threshold()), distributions(groups),
                sweep(groups, in.threshold()), LayersBuilder.build(groups, in.threshold(), in.layerFractions()),
                PropertiesBuilder.build(in.anchor(), in.percentiles(), in.threshold()),
                FamiliesBuilder.build(groups, in.families(), top),
                in.reference() == null ? null : ReferenceBuilder.build(in.anchor(), in.reference()), top,
                RolesBuilder.build(settings.control(),
                        settings.models().stream().map(ReportSettings.Labelled::label).toList(), in.roles(),
                        in.interventions()));
    }

    static Headline headline(List<NeuronGroup> groups, double threshold) {
        List<GroupHeadline> rows = new ArrayList<>();
        List<Mismatch> mismatches = new ArrayList<>();
        for (NeuronGroup g : groups) {
            Analysis.Headline h = Analysis.headline(g);
            rows.add(new GroupHeadline(g.label, h.n(), h.meanCorr(), h.meanBaseline(), h.meanExcess(), h.medianExcess(),
                    h.maxExcess(), share(h.above02(), h.n()), share(h.above05(), h.n()), share(h.universal(), h.n()),
                    h.dead()));
            int differ = 0;
            for (int r = 0; r < g.size(); r++) {
                differ += g.universal[r] != (g.excess[r] > threshold && !g.dead[r]) ? 1 : 0;
            }
            if (differ > 0) {
                mismatches.add(new Mismatch(g.label, differ));
            }
        }
        return new Headline(List.copyOf(rows), List.copyOf(mismatches));
    }

    /** Density histograms of mean_corr, mean_baseline and excess_corr over bins shared by the groups. */
    static List<Histogram> distributions(List<NeuronGroup> groups) {
        List<Histogram> out = new ArrayList<>();
        for (String[] q : QUANTITIES) {
            List<double[]> samples = new ArrayList<>();
            for (NeuronGroup g : groups) {
                samples.add(switch (q[0]) {
                    case "mean_corr" -> g.meanCorr;
                    case "mean_baseline" -> g.meanBaseline;
                    default -> g.excess;
                });
            }
            int n = samples.stream().mapToInt(s -> s.length).max().orElse(1);
            double[] edges = Analysis.edges(samples, Analysis.bins(n));
            List<ReportModel.Density> densities = new ArrayList<>();
            for (int i = 0; i < groups.size(); i++) {
                densities.add(new ReportModel.Density(groups.get(i).label, list(Analysis.density(samples.get(i), edges))));
            }
            out.add(new Histogram(q[0], q[1], q[2], list(edges), List.copyOf(densities)));
        }
        return List.copyOf(out);
    }

    /** Neurons with excess strictly above each {@link Analysis#SWEEP} threshold, per group. */
    static Sweep sweep(List<NeuronGroup> groups, double threshold) {
        List<SweepRow> rows = new ArrayList<>();
        boolean any = false;
        for (double t : Analysis.SWEEP) {
            List<Share> byGroup = new ArrayList<>();
            for (NeuronGroup g : groups) {
                int c = Analysis.countAbove(g.excess, t);
                byGroup.add(share(c, g.size()));
                any |= c > 0;
            }
            rows.add(new SweepRow(t, Math.abs(t - threshold) < 1e-9, List.copyOf(byGroup)));
        }
        return new Sweep(List.copyOf(rows), any);
    }

    /** The anchor's top neurons by excess, their partners in the other models and their contexts. */
    static TopNeurons top(NeuronGroup g, int topN, Contexts contexts) {
        List<TopNeuron> rows = new ArrayList<>();
        int[] top = Analysis.topByExcess(g, topN);
        for (int i = 0; i < top.length; i++) {
            int r = top[i];
            List<Partner> partners = new ArrayList<>();
            for (String m : g.otherModels) {
                partners.add(new Partner(m, g.table.integer(r, "partner_layer_" + m), g.table.integer(r, "partner_neuron_" + m),
                        g.table.number(r, "corr_" + m)));
            }
            Contexts.NeuronContexts nc = null;
            if (contexts != null) {
                Contexts.NeuronContexts decoded = contexts.of(g.layer[r], g.neuron[r]);
                nc = new Contexts.NeuronContexts(List.copyOf(decoded.contexts()), decoded.note());
            }
            rows.add(new TopNeuron(i + 1, g.layer[r], g.neuron[r], g.universal[r], g.excess[r], g.meanCorr[r],
                    g.meanBaseline[r], List.copyOf(partners), nc));
        }
        Map<String, String> decoding = contexts == null ? Map.of()
                : Collections.unmodifiableMap(new LinkedHashMap<>(contexts.decoding()));
        return new TopNeurons(g.label, contexts != null, List.copyOf(rows), decoding);
    }

    static Share share(long count, int of) {
        return new Share(count, count / (double) of);
    }

    /** An unmodifiable copy of {@code xs}. */
    static List<Double> list(double[] xs) {
        List<Double> out = new ArrayList<>(xs.length);
        for (double x : xs) {
            out.add(x);
        }
        return Collections.unmodifiableList(out);
    }
}
