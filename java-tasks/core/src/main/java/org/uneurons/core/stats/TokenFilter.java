package org.uneurons.core.stats;

import java.util.Arrays;

/**
 * Drops tokens before they reach the moments, as the paper's code does (METHOD 1.4): the pad token (for GPT-2 the
 * same id as BOS and EOS) and the newline token. Rows are selected by token id.
 */
public final class TokenFilter {
    /** GPT-2 BPE: {@code <|endoftext|>} (pad, BOS and EOS) and {@code "\n"}. */
    public static final int GPT2_EOT = 50256;
    public static final int GPT2_NEWLINE = 198;

    private final int[] ids;

    public TokenFilter(int... ids) {
        this.ids = Arrays.stream(ids).distinct().sorted().toArray();
    }

    /**
     * The filter of a {@code --filter-ids} option: comma-separated token ids ("50256,198"); a malformed id is a usage
     * error naming the option.
     */
    public static TokenFilter parseOption(String ids) {
        return new TokenFilter(Arrays.stream(ids.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .mapToInt(s -> {
                    try {
                        return Integer.parseInt(s);
                    } catch (NumberFormatException e) {
                        throw new org.uneurons.core.cli.UsageException(
                                "--filter-ids expects comma-separated token ids, got '" + s + "'");
                    }
                }).toArray());
    }

    public static TokenFilter none() {
        return new TokenFilter();
    }

    /** The dropped ids, ascending. */
    public int[] ids() {
        return ids.clone();
    }

    public boolean drops(int tokenId) {
        return Arrays.binarySearch(ids, tokenId) >= 0;
    }

    /** Indices (relative to {@code from}) of the rows {@code from..to-1} that are kept. */
    public int[] keptRows(int[] tokenIds, int from, int to) {
        int[] keep = new int[to - from];
        int k = 0;
        for (int t = from; t < to; t++) {
            if (!drops(tokenIds[t])) {
                keep[k++] = t - from;
            }
        }
        return Arrays.copyOf(keep, k);
    }

    /** The kept rows of a [rows x d] row-major batch, packed to the front of a new array of {@code keep.length} rows. */
    public static float[] select(float[] batch, int d, int[] keep) {
        float[] out = new float[keep.length * d];
        for (int r = 0; r < keep.length; r++) {
            System.arraycopy(batch, keep[r] * d, out, r * d, d);
        }
        return out;
    }

    /** Two filters are equal when they drop the same ids. */
    @Override
    public boolean equals(Object o) {
        return o instanceof TokenFilter f && Arrays.equals(ids, f.ids);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(ids);
    }

    @Override
    public String toString() {
        return ids.length == 0 ? "none" : Arrays.toString(ids);
    }
}
