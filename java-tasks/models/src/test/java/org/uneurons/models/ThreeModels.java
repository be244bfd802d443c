package org.uneurons.models;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.uneurons.formats.TokenShard;

/**
 * Three random GPT-2 checkpoints and one token shard for the correlate tools' tests: m1, m2 with 2 layers x 32
 * neurons, m3 with 3 layers x 48 (pairs of unequal shapes); vocabulary 60, 5 sequences of 16 tokens with BOS 0 and
 * EOS 1 (dropped by the shard's filter) at sequence starts and here and there, and the largest id once.
 */
public record ThreeModels(List<Path> checkpoints, Path shard) {
    public static final int VOCAB = 60;
    public static final int CTX = 16;
    public static final int SEQS = 5;

    public static ThreeModels write(Path dir) {
        List<Path> checkpoints = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            RandomCheckpoint c = RandomCheckpoint.gpt2();
            c.nLayers = i == 3 ? 3 : 2;
            c.dModel = 16;
            c.nHeads = 2;
            c.dMlp = i == 3 ? 48 : 32;
            c.vocab = VOCAB;
            c.nCtx = CTX;
            c.seed = 100 + i;
            checkpoints.add(c.writeGpt2(dir.resolve("ckpt").resolve("m" + i)));
        }
        int[][] tokens = tokens(SEQS, 7);
        tokens[SEQS - 1][CTX - 1] = VOCAB - 1; // the largest id, for the vocabulary test
        Path shard = dir.resolve("toks.00000.h5");
        TokenShard.write(shard, tokens, new TokenShard.Meta("test-ids", VOCAB, 0, 1, "random"));
        return new ThreeModels(checkpoints, shard);
    }

    /** Another shard like the first (same vocabulary, context and filter), of {@code seqs} sequences. */
    public static Path moreTokens(Path file, int seqs, long seed) {
        TokenShard.write(file, tokens(seqs, seed), new TokenShard.Meta("test-ids", VOCAB, 0, 1, "random"));
        return file;
    }

    private static int[][] tokens(int seqs, long seed) {
        Random r = new Random(seed);
        int[][] tokens = new int[seqs][CTX];
        for (int s = 0; s < seqs; s++) {
            for (int t = 0; t < CTX; t++) {
                tokens[s][t] = t == 0 ? 0 : (r.nextInt(8) == 0 ? 1 : 2 + r.nextInt(VOCAB - 2));
            }
        }
        return tokens;
    }
}
