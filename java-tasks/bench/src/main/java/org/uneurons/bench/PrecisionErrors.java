package org.uneurons.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import ai.djl.Device;
import org.apache.commons.cli.Options;
import org.uneurons.accumulate.DeviceMoments;
import org.uneurons.accumulate.DevicePass;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.stats.Baselines;
import org.uneurons.core.stats.Gemm;
import org.uneurons.core.stats.MomentShape;
import org.uneurons.core.stats.PairMoments;
import org.uneurons.core.stats.Pearson;
import org.uneurons.core.stats.PlainGemm;
import org.uneurons.core.stats.Rotations;
import org.uneurons.core.stats.RowSummaries;
import org.uneurons.formats.TokenShard;
import org.uneurons.models.Checkpoints;
import org.uneurons.models.Devices;
import org.uneurons.models.Hook;
import org.uneurons.models.TransformerModel;

/**
 * What each product precision costs in correlation on real activations: two checkpoints run over token shards
 * (the shards' own filter, as the anchor's pairs use), the pair's moments are accumulated by the device path
 * ({@link DevicePass}) once per precision, and every correlation, max partner, max correlation and excess
 * correlation (max minus the gaussian-rows baseline max, seed 0) is compared with float64's. Prints one table row
 * per precision; asserts nothing. The table in docs/correlate.md comes from it.
 */
public final class PrecisionErrors extends Tool {
    public PrecisionErrors() {
        super("precision-errors", "Measures |dr| of float32, tf32 and bf16 products against float64 on real activations.");
    }

    public static void main(String[] argv) {
        main(new PrecisionErrors(), argv);
    }

    @Override
    protected void declareOptions(Options o) {
        o.addOption(option("checkpoint", "DIR", "model a, then model b (twice)"));
        o.addOption(option("shard", "FILE", "token shard (repeatable); its filter_ids are the token filter"));
        o.addOption(option("batch-size", "N", "sequences per batch (default 8)"));
        o.addOption(option("device", "DEV", "cpu (default), gpu or gpu:N"));
        o.addOption(option("hook", "H", "mlp_post (default) or mlp_pre"));
    }

    @Override
    protected int doWork(Args args) {
        List<String> dirs = args.strings("checkpoint");
        if (dirs.size() != 2) {
            throw new org.uneurons.core.cli.UsageException("--checkpoint must be given twice (a, then b)");
        }
        Device device = Devices.parse(args.string("device", "cpu"));
        Hook hook = Hook.byName(args.choice("hook", "mlp_post", "mlp_post", "mlp_pre"));
        int batch = args.positive("batch-size", 8);
        List<TokenShard> shards = new ArrayList<>();
        for (String s : args.strings("shard")) {
            shards.add(TokenShard.read(Path.of(s)));
        }
        List<TransformerModel> models = new ArrayList<>();
        try {
            for (String d : dirs) {
                models.add(Checkpoints.load(Path.of(d), device));
            }
            PairMoments reference = accumulate(models, shards, device, hook, batch, Gemm.Precision.FLOAT64);
            Summary ref = Summary.of(reference);
            out.printf(Locale.ROOT, "%s vs %s, %s, %,d tokens kept of %d shard(s), %s, against float64 products:%n",
                    dirs.get(0), dirs.get(1), reference.shape(), reference.count(), shards.size(), hook.lowerName());
            out.println("| products | max |dr| | 99.9th pct |dr| | max partner changed | |d max_corr| > 1e-3 |"
                    + " |d excess_corr| > 1e-3 | max |d excess_corr| |");
            for (Gemm.Precision p : new Gemm.Precision[] {Gemm.Precision.FLOAT32, Gemm.Precision.TF32, Gemm.Precision.BF16}) {
                Summary other = Summary.of(accumulate(models, shards, device, hook, batch, p));
                out.println(ref.compare(other, p.optionName()));
            }
        } finally {
            models.forEach(TransformerModel::close);
        }
        return EXIT_OK;
    }

    private static PairMoments accumulate(List<TransformerModel> models, List<TokenShard> shards, Device device,
                                          Hook hook, int batch, Gemm.Precision p) {
        MomentShape shape = MomentShape.full(models.get(0).config().nLayers, models.get(0).config().dMlp,
                models.get(1).config().nLayers, models.get(1).config().dMlp);
        try (DeviceMoments m = new DeviceMoments(shape, device, p)) {
            for (TokenShard shard : shards) {
                DevicePass pass = new DevicePass(models, List.of("a", "b"), List.of(new int[] {0, 1}), List.of(m),
                        shard.filter(), hook);
                int[][] tokens = shard.tokens();
                for (int s = 0; s < tokens.length; s += batch) {
                    pass.step(Arrays.copyOfRange(tokens, s, Math.min(tokens.length, s + batch)), s);
                }
            }
            return m.totals();
        }
    }

    /** Every correlation of the pair, each row's max partner and max, and the excess over the baseline. */
    private record Summary(double[] r, RowSummaries rows, double[] excess) {
        static Summary of(PairMoments m) {
            MomentShape s = m.shape();
            double[] r = new double[Math.multiplyExact(s.neuronsA(), s.neuronsB())];
            for (int la = 0; la < s.layersInRangeA(); la++) {
                for (int lb = 0; lb < s.nLayersB(); lb++) {
                    double[][] block = Pearson.block(m, la, lb);
                    for (int i = 0; i < s.dA(); i++) {
                        for (int j = 0; j < s.dB(); j++) {
                            r[(la * s.dA() + i) * s.neuronsB() + lb * s.dB() + j] = block[i][j];
                        }
                    }
                }
            }
            RowSummaries rows = RowSummaries.of(m, 1);
            Baselines base = Baselines.of(m, Rotations.Kind.GAUSSIAN_ROWS, 0, 1, new PlainGemm(), null);
            double[] excess = new double[s.neuronsA()];
            for (int i = 0; i < excess.length; i++) {
                excess[i] = rows.max[i] - base.max[0][i];
            }
            return new Summary(r, rows, excess);
        }

        String compare(Summary o, String label) {
            double[] d = new double[r.length];
            for (int i = 0; i < r.length; i++) {
                d[i] = Math.abs(r[i] - o.r[i]);
            }
            Arrays.sort(d);
            double p999 = d[(int) Math.min(d.length - 1, Math.ceil(0.999 * d.length) - 1)];
            int partner = 0, maxMoved = 0, excessMoved = 0;
            double worstExcess = 0;
            for (int i = 0; i < excess.length; i++) {
                if (rows.maxLayer[i] != o.rows.maxLayer[i] || rows.maxNeuron[i] != o.rows.maxNeuron[i]) {
                    partner++;
                }
                maxMoved += Math.abs(rows.max[i] - o.rows.max[i]) > 1e-3 ? 1 : 0;
                double de = Math.abs(excess[i] - o.excess[i]);
                excessMoved += de > 1e-3 ? 1 : 0;
                worstExcess = Math.max(worstExcess, de);
            }
            return String.format(Locale.ROOT, "| %s | %.2e | %.2e | %d of %d | %d | %d | %.2e |", label, d[d.length - 1],
                    p999, partner, excess.length, maxMoved, excessMoved, worstExcess);
        }
    }
}
