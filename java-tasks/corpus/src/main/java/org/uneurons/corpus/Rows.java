package org.uneurons.corpus;

import java.util.ArrayList;
import java.util.List;

/**
 * Rows as TransformerLens' {@code utils.tokenize_and_concatenate} builds them (and as the tokenize task does):
 * documents joined by EOS into one stream, the stream cut into pieces of ctx-1 tokens, each row BOS + a piece, the
 * incomplete last piece dropped.
 */
final class Rows {
    private Rows() {
    }

    static List<int[]> cut(List<int[]> docs, int ctx, int bos, int eos) {
        List<int[]> rows = new ArrayList<>();
        int[] cur = null;
        int filled = 0;
        boolean first = true;
        for (int[] doc : docs) {
            int start = first ? 0 : -1; // -1: the EOS before this document
            first = false;
            for (int i = start; i < doc.length; i++) {
                if (cur == null) {
                    cur = new int[ctx];
                    cur[0] = bos;
                    filled = 1;
                }
                cur[filled++] = i < 0 ? eos : doc[i];
                if (filled == ctx) {
                    rows.add(cur);
                    cur = null;
                }
            }
        }
        return rows;
    }
}
