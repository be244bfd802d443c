package org.uneurons.families;

/**
 * Whole sequences and the chosen neurons' activations on them: {@code tokens[s][t]}; {@code pre} and {@code post}
 * token-major, {@code [(s ctx + t) K + k]} for the K chosen neurons (post = exact GELU of pre); {@code tags[s][set][t]}
 * the sequence tags of each tag set (null when there is no tagger).
 */
record SequenceBatch(int[][] tokens, String[][][] tags, float[] pre, float[] post) {
    int sequences() {
        return tokens.length;
    }

    int ctx() {
        return tokens[0].length;
    }

    int rows() {
        return tokens.length * tokens[0].length;
    }
}
