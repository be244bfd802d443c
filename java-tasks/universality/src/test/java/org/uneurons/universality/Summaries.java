package org.uneurons.universality;

import java.nio.file.Path;
import java.util.List;

import org.uneurons.core.stats.Baselines;
import org.uneurons.core.stats.Gemm;
import org.uneurons.core.stats.MomentShape;
import org.uneurons.core.stats.PairMoments;
import org.uneurons.core.stats.PlainGemm;
import org.uneurons.core.stats.RowSummaries;
import org.uneurons.core.stats.Rotations;
import org.uneurons.formats.MomentsFile;
import org.uneurons.formats.CorrelationSummaryFile;

/** Writes real summary files with finalise's writer, from activations or from moments built by hand. */
final class Summaries {
    /** The identity of the one shard the summaries are of. */
    static final String SHARD0 = sha("shard0");

    private Summaries() {
    }

    /** A made-up content hash, 64 hex digits: SHA-256 of the text. */
    static String sha(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Streams activations ({@code a[layer]} [rows x dA], {@code b[layer]} [rows x dB]) into moments, then finalises. */
    static Path fromActivations(Path target, String modelA, String modelB, float[][] a, int dA, float[][] b, int dB,
                                int rows, long baselineSeed) {
        MomentShape shape = MomentShape.full(a.length, dA, b.length, dB);
        PairMoments m = new PairMoments(shape);
        m.update(a, b, rows, new PlainGemm(), Gemm.Precision.FLOAT64);
        return finalise(target, modelA, modelB, m, baselineSeed);
    }

    static Path finalise(Path target, String modelA, String modelB, PairMoments m, long baselineSeed) {
        return finalise(target, modelA, null, modelB, null, m, baselineSeed);
    }

    /** As the pipeline's summaries: with the content hashes of both models' weights (null: as files of earlier versions). */
    static Path finalise(Path target, String modelA, String shaA, String modelB, String shaB, PairMoments m,
                         long baselineSeed) {
        RowSummaries s = RowSummaries.of(m, 1);
        Baselines base = Baselines.of(m, Rotations.Kind.GAUSSIAN_ROWS, baselineSeed, 1, new PlainGemm(), null);
        MomentsFile.Header h = new MomentsFile.Header(m.shape(), new MomentsFile.Info(modelA, modelB, List.of("shard0"),
                "none", "plain", m.count(), shaA, shaB, List.of(SHARD0)), m.count());
        CorrelationSummaryFile.write(target, h, s, List.of(base), null);
        return target;
    }
}
