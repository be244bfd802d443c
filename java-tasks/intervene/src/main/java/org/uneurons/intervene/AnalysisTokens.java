package org.uneurons.intervene;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.UsageException;
import org.uneurons.formats.ModelConfig;
import org.uneurons.formats.TokenShard;

/**
 * The sequences the checks run on: the shards in file-name order, each sequence cut to the first {@code context}
 * tokens, as many sequences as fit in {@code maxTokens}, in batches.
 */
record AnalysisTokens(List<int[][]> batches, int context, int bosId, long tokens, String shards) {

    static AnalysisTokens read(List<Path> files, ModelConfig cfg, int context, long maxTokens, int batchSize) {
        List<Path> sorted = new ArrayList<>(files);
        sorted.sort(Comparator.comparing(p -> p.getFileName().toString()));
        List<int[]> seqs = new ArrayList<>();
        int ctx = -1;
        int bos = -1;
        List<String> used = new ArrayList<>();
        for (Path f : sorted) {
            TokenShard sh = TokenShard.read(f);
            cfg.checkTokens(f, sh.tokens(), sh.nSeq());
            if (ctx < 0) {
                ctx = Math.min(Math.min(context, sh.ctx()), cfg.nCtx);
                bos = sh.meta().bosId();
            } else if (sh.ctx() < ctx) {
                throw new InputException(f + ": sequences of " + sh.ctx() + " tokens, the first shard's are cut to " + ctx);
            }
            used.add(f.getFileName().toString());
            for (int[] s : sh.tokens()) {
                if ((long) (seqs.size() + 1) * ctx > maxTokens) {
                    break;
                }
                seqs.add(java.util.Arrays.copyOf(s, ctx));
            }
            if ((long) (seqs.size() + 1) * ctx > maxTokens) {
                break;
            }
        }
        if (seqs.isEmpty()) {
            throw new UsageException("--max-tokens " + maxTokens + " holds no sequence of " + ctx + " tokens");
        }
        List<int[][]> batches = new ArrayList<>();
        for (int i = 0; i < seqs.size(); i += batchSize) {
            batches.add(seqs.subList(i, Math.min(seqs.size(), i + batchSize)).toArray(new int[0][]));
        }
        return new AnalysisTokens(batches, ctx, bos, (long) seqs.size() * ctx, String.join(",", used));
    }

    int sequences() {
        return batches.stream().mapToInt(b -> b.length).sum();
    }
}
