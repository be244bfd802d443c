package org.uneurons.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.uneurons.formats.CsvTable;
import org.uneurons.report.ReportModel.AttentionRow;
import org.uneurons.report.ReportModel.AttentionScatter;
import org.uneurons.report.ReportModel.EntropyCurve;
import org.uneurons.report.ReportModel.EntropyPoint;
import org.uneurons.report.ReportModel.FunctionalRoles;
import org.uneurons.report.ReportModel.GroupInterventions;
import org.uneurons.report.ReportModel.ModelCandidates;
import org.uneurons.report.ReportModel.PercentileBand;
import org.uneurons.report.ReportModel.PredictionRow;
import org.uneurons.report.ReportModel.RoleCount;
import org.uneurons.report.ReportModel.RoleCountRow;
import org.uneurons.report.ReportModel.RoleTotal;

/**
 * The functional-roles part of the report: the trained models' per-layer percentiles of vocab_kurt and vocab_skew as
 * their mean with a min-max band (the paper's main roles figure, METHOD 7.1) and the control's apart, role counts,
 * and each group's intervention tables turned into curves and rows.
 */
final class RolesBuilder {
    private RolesBuilder() {
    }

    /** {@code models}: the report's --model names, to name those without roles. */
    static FunctionalRoles build(String control, List<String> models, List<RolesInput> roles,
                                 List<InterventionsInput> interventions) {
        if (roles.isEmpty() && interventions.isEmpty()) {
            return null;
        }
        List<RolesInput> trained = roles.stream().filter(r -> !r.model().equals(control)).toList();
        RolesInput ctl = roles.stream().filter(r -> r.model().equals(control)).findFirst().orElse(null);
        int layers = roles.stream().mapToInt(RolesInput::layers).max().orElse(0);
        List<PercentileBand> kurt = new ArrayList<>(), skew = new ArrayList<>();
        for (int k = 0; k < RolesInput.PERCENTILES.length; k++) {
            kurt.add(band(k, layers, trained, ctl, true));
            skew.add(band(k, layers, trained, ctl, false));
        }
        List<RoleCountRow> counts = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            List<RoleCount> byRole = new ArrayList<>();
            for (int k = 0; k < RolesInput.ROLES.length; k++) {
                double sum = 0;
                int n = 0, min = Integer.MAX_VALUE, max = Integer.MIN_VALUE;
                for (RolesInput r : trained) {
                    if (l < r.layers()) {
                        int c = r.counts()[l][k];
                        sum += c;
                        n++;
                        min = Math.min(min, c);
                        max = Math.max(max, c);
                    }
                }
                Integer c = ctl != null && l < ctl.layers() ? ctl.counts()[l][k] : null;
                byRole.add(new RoleCount(n == 0 ? Double.NaN : sum / n, n == 0 ? 0 : min, n == 0 ? 0 : max, c));
            }
            counts.add(new RoleCountRow(l, List.copyOf(byRole)));
        }
        List<RoleTotal> totals = new ArrayList<>();
        for (RolesInput r : roles) {
            List<Integer> t = new ArrayList<>();
            for (int k = 0; k < RolesInput.ROLES.length; k++) {
                int s = 0;
                for (int l = 0; l < r.layers(); l++) {
                    s += r.counts()[l][k];
                }
                t.add(s);
            }
            totals.add(new RoleTotal(r.model(), r.model().equals(control), List.copyOf(t)));
        }
        List<ModelCandidates> candidates = roles.stream().map(r -> new ModelCandidates(r.model(),
                r.model().equals(control), r.attention(), r.entropy())).toList();
        List<String> with = roles.stream().map(RolesInput::model).toList();
        List<String> without = roles.isEmpty() ? List.of() : models.stream().filter(m -> !with.contains(m)).toList();
        List<GroupInterventions> groups = interventions.stream().map(RolesBuilder::interventions).toList();
        return new FunctionalRoles(trained.stream().map(RolesInput::model).toList(), ctl == null ? null : ctl.model(),
                roles.isEmpty() ? List.of() : List.copyOf(kurt), roles.isEmpty() ? List.of() : List.copyOf(skew),
                List.copyOf(counts), List.copyOf(totals), candidates, without, groups);
    }

    private static PercentileBand band(int k, int layers, List<RolesInput> trained, RolesInput ctl, boolean kurtosis) {
        List<Double> mean = new ArrayList<>(), min = new ArrayList<>(), max = new ArrayList<>(), control = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            double sum = 0, lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
            int n = 0;
            for (RolesInput r : trained) {
                if (l < r.layers()) {
                    double v = (kurtosis ? r.kurt() : r.skew())[l][k];
                    sum += v;
                    n++;
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
            mean.add(n == 0 ? Double.NaN : sum / n);
            min.add(n == 0 ? Double.NaN : lo);
            max.add(n == 0 ? Double.NaN : hi);
            control.add(ctl != null && l < ctl.layers() ? (kurtosis ? ctl.kurt() : ctl.skew())[l][k] : Double.NaN);
        }
        return new PercentileBand(RolesInput.PERCENTILES[k], List.copyOf(mean), List.copyOf(min), List.copyOf(max),
                List.copyOf(control));
    }

    private static GroupInterventions interventions(InterventionsInput in) {
        CsvTable e = in.entropy();
        EntropyPoint nominal = point(e, 0);
        Map<String, List<Integer>> byCurve = new LinkedHashMap<>();
        for (int r = 1; r < e.rows(); r++) {
            String key = neuron(e, r) + "|" + e.string(r, "kind") + "|" + e.string(r, "ln_frozen");
            byCurve.computeIfAbsent(key, x -> new ArrayList<>()).add(r);
        }
        List<EntropyCurve> curves = new ArrayList<>();
        for (Map.Entry<String, List<Integer>> c : byCurve.entrySet()) {
            String[] k = c.getKey().split("\\|");
            List<Integer> rows = new ArrayList<>(c.getValue());
            rows.sort((a, b) -> Double.compare(e.number(a, "value"), e.number(b, "value")));
            curves.add(new EntropyCurve(k[0], k[1], Boolean.parseBoolean(k[2]),
                    rows.stream().map(r -> e.number(r, "value")).toList(), rows.stream().map(r -> point(e, r)).toList()));
        }
        CsvTable a = in.attention();
        List<AttentionRow> attention = new ArrayList<>();
        for (int r = 0; r < a.rows(); r++) {
            attention.add(new AttentionRow(neuron(a, r), "L" + a.string(r, "head_layer") + "H" + a.string(r, "head"),
                    a.string(r, "kind"), n(a, r, "bos_score"), n(a, r, "bos_ratio"), a.integer(r, "points"),
                    n(a, r, "mean_activation"), n(a, r, "mean_bos_prob_effect"), n(a, r, "mean_norm_effect"),
                    n(a, r, "mean_frac_norm_effect"), n(a, r, "pearson_norm"), n(a, r, "spearman_norm"),
                    n(a, r, "pearson_bos"), n(a, r, "spearman_bos")));
        }
        CsvTable p = in.prediction();
        List<PredictionRow> prediction = new ArrayList<>();
        for (int r = 0; r < p.rows(); r++) {
            prediction.add(new PredictionRow(neuron(p, r), p.string(r, "kind"), n(p, r, "vocab_kurt"), n(p, r, "vocab_skew"),
                    p.integer(r, "active_tokens"), n(p, r, "mean_activation"), n(p, r, "delta_prob_boosted"),
                    n(p, r, "delta_prob_suppressed"), n(p, r, "delta_loss")));
        }
        return new GroupInterventions(in.group(), nominal, List.copyOf(curves), List.copyOf(attention),
                List.copyOf(prediction), scatter(in));
    }

    /** The top pair's points where all three values are finite. */
    private static AttentionScatter scatter(InterventionsInput in) {
        InterventionsInput.TopPair p = in.topPair();
        if (p == null) {
            return null;
        }
        List<Double> act = new ArrayList<>(), norm = new ArrayList<>(), bos = new ArrayList<>();
        int dropped = 0;
        for (int i = 0; i < p.activation().length; i++) {
            float a = p.activation()[i], n = p.normEffect()[i], b = p.bosEffect()[i];
            if (Float.isFinite(a) && Float.isFinite(n) && Float.isFinite(b)) {
                act.add((double) a);
                norm.add((double) n);
                bos.add((double) b);
            } else {
                dropped++;
            }
        }
        CsvTable a = in.attention();
        return new AttentionScatter(neuron(a, p.row()), "L" + a.string(p.row(), "head_layer") + "H"
                + a.string(p.row(), "head"), List.copyOf(act), List.copyOf(norm), List.copyOf(bos), dropped);
    }

    private static EntropyPoint point(CsvTable e, int r) {
        return new EntropyPoint(e.integer(r, "tokens"), n(e, r, "loss"), n(e, r, "entropy"), n(e, r, "reciprocal_rank"),
                n(e, r, "ln_scale"));
    }

    private static String neuron(CsvTable t, int r) {
        return "L" + t.string(r, "layer") + "." + t.string(r, "neuron");
    }

    private static double n(CsvTable t, int r, String column) {
        return InterventionsInput.number(t, r, column);
    }
}
