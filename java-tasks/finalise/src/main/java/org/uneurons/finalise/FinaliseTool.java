package org.uneurons.finalise;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.commons.cli.Options;
import org.uneurons.blas.OpenBlasGemm;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.Progress;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.stats.Baselines;
import org.uneurons.core.stats.MomentBlocks;
import org.uneurons.core.stats.Pearson;
import org.uneurons.core.stats.Rotations;
import org.uneurons.core.stats.RowSummaries;
import org.uneurons.formats.CorrelationSummaryFile;
import org.uneurons.formats.MomentsFile;

/**
 * finalise: merged moments in, per neuron of a its correlation summary against every neuron of b (max with its
 * layer and neuron, min, mean, top-k) and seeded baseline maxima computed from the moments alone. Moments of a
 * block of a's layers give the summary of those rows, as a summary of all layers would; universality joins them.
 */
public final class FinaliseTool extends Tool {
    public FinaliseTool() {
        super("finalise", "Turns merged moments into per-neuron correlation summaries and baseline maxima (HDF5).");
    }

    public static void main(String[] argv) {
        main(new FinaliseTool(), argv);
    }

    @Override
    protected void declareOptions(Options o) {
        o.addOption(option("input", "FILE", "merged (or partial) moments file"));
        o.addOption(option("output", "FILE", "summary file to write"));
        o.addOption(option("top-k", "K", "top correlations kept per neuron (default 50, at most b's neuron count)"));
        o.addOption(option("baseline", "KIND", "gaussian-rows (default, the paper's), haar, both, or none"));
        o.addOption(option("baseline-seed", "S", "seed of the random matrices (default 0)"));
        o.addOption(option("baseline-samples", "N", "independent baseline draws (default 1)"));
        o.addOption(flag("full-matrix", "also write every correlation block (float32)"));
        o.addOption(option("threads", "N", "BLAS threads (default: all cores)"));
    }

    /** The command line; {@code topK} is null when not given (then b's neuron count caps the default, 50). */
    record Settings(Path input, Path output, Integer topK, List<Rotations.Kind> baselines, long seed, int samples,
                    int threads, boolean fullMatrix) {

        static Settings parse(Args args) {
            Path input = args.existing("input");
            Path output = args.output("output");
            Integer topK = args.has("top-k") ? args.positive("top-k", 50) : null;
            String baseline = args.choice("baseline", "gaussian-rows", "gaussian-rows", "haar", "both", "none");
            List<Rotations.Kind> kinds = switch (baseline) {
                case "both" -> List.of(Rotations.Kind.GAUSSIAN_ROWS, Rotations.Kind.HAAR);
                case "none" -> List.of();
                default -> List.of(Rotations.Kind.parse(baseline));
            };
            return new Settings(input, output, topK, kinds, args.longValue("baseline-seed", 0),
                    args.positive("baseline-samples", 1),
                    args.positive("threads", Runtime.getRuntime().availableProcessors()), args.has("full-matrix"));
        }
    }

    @Override
    protected int doWork(Args args) {
        Settings s = Settings.parse(args);
        // the moments are read block by block (summaries, baselines, the full matrix): memory of a few blocks
        try (MomentsFile.Reader m = MomentsFile.open(s.input())) {
            MomentsFile.Header h = m.header();
            int topK = topK(s, h);
            err.printf(Locale.ROOT, "finalise: %s vs %s, %s, %,d tokens%n", h.info().modelA(), h.info().modelB(),
                    h.shape(), h.n());
            RowSummaries summaries = RowSummaries.of(m, topK);
            List<Baselines> baselines = baselines(s, m, h.info());
            CorrelationSummaryFile.write(s.output(), h, summaries, baselines,
                    s.fullMatrix() ? (la, lb) -> toFloat(Pearson.block(m, la, lb)) : null);
        }
        return EXIT_OK;
    }

    /** --top-k, checked against b's neurons; the default 50 is capped at b's neuron count. */
    private static int topK(Settings s, MomentsFile.Header h) {
        if (h.n() < 2) {
            throw new InputException(s.input() + ": moments of " + h.n() + " tokens; correlations need at least 2"
                    + " (were all tokens filtered out?)");
        }
        int neuronsB = h.shape().neuronsB();
        if (s.topK() == null) {
            return Math.min(50, neuronsB);
        }
        if (s.topK() > neuronsB) {
            throw new InputException(s.input() + ": --top-k " + s.topK() + " exceeds model b's " + neuronsB + " neurons");
        }
        return s.topK();
    }

    /** Each kind's baselines, drawn for this pair (Rotations.pairSeed of the run's seed and the two model names). */
    private List<Baselines> baselines(Settings s, MomentBlocks m, MomentsFile.Info pair) {
        List<Baselines> out = new ArrayList<>();
        try (OpenBlasGemm gemm = new OpenBlasGemm(s.threads())) {
            for (Rotations.Kind kind : s.baselines()) {
                Progress progress = new Progress(err, "finalise: baseline " + kind.label, "layers of b",
                        (long) s.samples() * m.shape().nLayersB(), 10);
                out.add(Baselines.forPair(m, kind, s.seed(), pair.modelA(), pair.modelB(), s.samples(), gemm,
                        (sample, l) -> progress.advance(1)));
                progress.finish();
            }
        }
        return out;
    }

    private static float[][] toFloat(double[][] x) {
        float[][] f = new float[x.length][];
        for (int i = 0; i < x.length; i++) {
            f[i] = new float[x[i].length];
            for (int j = 0; j < f[i].length; j++) {
                f[i][j] = (float) x[i][j];
            }
        }
        return f;
    }
}
