package org.uneurons.formats.testing;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.uneurons.core.stats.Gemm;
import org.uneurons.core.stats.MomentShape;
import org.uneurons.core.stats.PairMoments;
import org.uneurons.core.stats.PlainGemm;
import org.uneurons.core.stats.Synthetic;
import org.uneurons.core.stats.TokenFilter;
import org.uneurons.formats.FilterChoice;
import org.uneurons.formats.MomentsFile;

/**
 * Partial moments files for the tests of merge and finalise, made without the correlate tool: rows from..to of
 * synthetic activations, filtered by token id, folded into {@link PairMoments} in batches of 64 with float64
 * products, written as correlate writes them (models model-a and model-b).
 */
public final class TestPartials {
    private TestPartials() {
    }

    /** Every layer of a. */
    public static Path write(Path out, Synthetic s, int[] ids, int from, int to, String shard, TokenFilter filter) {
        return write(out, s, ids, from, to, shard, filter, 0, s.layersA - 1);
    }

    /** The content hashes of model a's and b's weights and of the shard's tokens (null: not recorded). */
    public record Ids(String modelASha256, String modelBSha256, String shardSha256) {
    }

    /** Every layer of a, recording the identities {@code ids}. */
    public static Path write(Path out, Synthetic s, int[] ids, int from, int to, String shard, TokenFilter filter,
                             Ids hashes) {
        return write(out, s, ids, from, to, shard, filter, 0, s.layersA - 1, hashes);
    }

    public static Path write(Path out, Synthetic s, int[] ids, int from, int to, String shard, TokenFilter filter,
                             int firstLayerA, int lastLayerA) {
        return write(out, s, ids, from, to, shard, filter, firstLayerA, lastLayerA, new Ids(null, null, null));
    }

    public static Path write(Path out, Synthetic s, int[] ids, int from, int to, String shard, TokenFilter filter,
                             int firstLayerA, int lastLayerA, Ids hashes) {
        MomentShape shape = new MomentShape(s.layersA, s.dA, firstLayerA, lastLayerA, s.layersB, s.dB);
        PairMoments m = new PairMoments(shape);
        for (int at = from; at < to; at += 64) {
            int end = Math.min(to, at + 64);
            int[] keep = filter.keptRows(ids, at, end);
            float[][] a = new float[lastLayerA - firstLayerA + 1][];
            for (int l = firstLayerA; l <= lastLayerA; l++) {
                a[l - firstLayerA] = TokenFilter.select(Synthetic.rows(new float[][] {s.a[l]}, s.dA, at, end)[0], s.dA, keep);
            }
            float[][] b = new float[s.layersB][];
            for (int l = 0; l < s.layersB; l++) {
                b[l] = TokenFilter.select(Synthetic.rows(new float[][] {s.b[l]}, s.dB, at, end)[0], s.dB, keep);
            }
            m.update(a, b, keep.length, new PlainGemm(), Gemm.Precision.FLOAT64);
        }
        MomentsFile.write(out, m, new MomentsFile.Info("model-a", "model-b", List.of(shard), FilterChoice.describe(filter),
                "float64", to - from, hashes.modelASha256(), hashes.modelBSha256(),
                List.of(hashes.shardSha256() == null ? "" : hashes.shardSha256())));
        return out;
    }

    /** A made-up content hash, 64 hex digits: SHA-256 of the text. */
    public static String sha(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** GPT-2's pad/BOS/EOS 50256 and newline 198. */
    public static TokenFilter gpt2() {
        return new TokenFilter(Arrays.asList(50256, 198).stream().mapToInt(Integer::intValue).toArray());
    }
}
