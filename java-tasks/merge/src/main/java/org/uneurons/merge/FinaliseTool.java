package org.uneurons.merge;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.Progress;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.stats.Baselines;
import org.uneurons.core.stats.Pearson;
import org.uneurons.core.stats.PairMoments;
import org.uneurons.core.stats.RowSummaries;
import org.uneurons.core.stats.Rotations;
import org.uneurons.correlate.MomentsFile;
import org.uneurons.correlate.OpenBlasGemm;

/**
 * finalise: merged moments in, per neuron of a its correlation summary against every neuron of b (max with its
 * layer and neuron, min, mean, top-k) and seeded baseline maxima computed from the moments alone.
 */
public final class FinaliseTool extends Tool {

    public static void main(String[] argv) {
        main(new FinaliseTool(), argv);
    }

    @Override
    public String name() {
        return "finalise";
    }

    @Override
    public String description() {
        return "Turns merged moments into per-neuron correlation summaries and baseline maxima (HDF5).";
    }

    @Override
    protected void declareOptions(Options o) {
        o.addOption(Option.builder().longOpt("input").hasArg().argName("FILE").desc("merged (or partial) moments file").build());
        o.addOption(Option.builder().longOpt("output").hasArg().argName("FILE").desc("summary file to write").build());
        o.addOption(Option.builder().longOpt("top-k").hasArg().argName("K").desc("top correlations kept per neuron (default 50, at most b's neuron count)").build());
        o.addOption(Option.builder().longOpt("baseline").hasArg().argName("KIND")
                .desc("gaussian-rows (default, the paper's), haar, both, or none").build());
        o.addOption(Option.builder().longOpt("baseline-seed").hasArg().argName("S").desc("seed of the random matrices (default 0)").build());
        o.addOption(Option.builder().longOpt("baseline-samples").hasArg().argName("N").desc("independent baseline draws (default 1)").build());
        o.addOption(Option.builder().longOpt("full-matrix").desc("also write every correlation block (float32)").build());
        o.addOption(Option.builder().longOpt("threads").hasArg().argName("N").desc("BLAS threads (default: all cores)").build());
    }

    @Override
    protected int doWork(Args args) {
        Path input = args.existing("input");
        Path output = args.path("output");
        int topK = args.positive("top-k", 50); // the default is capped at b's neuron count below
        String baseline = args.choice("baseline", "gaussian-rows", "gaussian-rows", "haar", "both", "none");
        long seed = args.longValue("baseline-seed", 0);
        int samples = args.positive("baseline-samples", 1);
        int threads = args.positive("threads", Runtime.getRuntime().availableProcessors());
        boolean full = args.has("full-matrix");

        MomentsFile.Header h = MomentsFile.readHeader(input);
        if (h.n() < 2) {
            throw new InputException(input + ": moments of " + h.n() + " tokens; correlations need at least 2"
                    + " (were all tokens filtered out?)");
        }
        if (!args.has("top-k")) {
            topK = Math.min(topK, h.shape().neuronsB());
        }
        if (topK > h.shape().neuronsB()) {
            throw new InputException(input + ": --top-k " + topK + " exceeds model b's " + h.shape().neuronsB() + " neurons");
        }
        PairMoments m = MomentsFile.read(input);
        err.printf(Locale.ROOT, "finalise: %s vs %s, %s, %,d tokens%n", h.info().modelA(), h.info().modelB(), h.shape(), h.n());
        RowSummaries summaries = RowSummaries.of(m, topK);
        List<Rotations.Kind> kinds = switch (baseline) {
            case "both" -> List.of(Rotations.Kind.GAUSSIAN_ROWS, Rotations.Kind.HAAR);
            case "none" -> List.of();
            default -> List.of(Rotations.Kind.parse(baseline));
        };
        List<Baselines> baselines = new ArrayList<>();
        try (OpenBlasGemm gemm = new OpenBlasGemm(threads)) {
            for (Rotations.Kind kind : kinds) {
                Progress progress = new Progress(err, "finalise: baseline " + kind.label, "layers of b",
                        (long) samples * h.shape().nLayersB(), 10);
                baselines.add(Baselines.of(m, kind, seed, samples, gemm, (s, l) -> progress.advance(1)));
                progress.finish();
            }
        }
        SummaryFile.write(output, h, summaries, baselines, full ? (la, lb) -> toFloat(Pearson.block(m, la, lb)) : null);
        return EXIT_OK;
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
