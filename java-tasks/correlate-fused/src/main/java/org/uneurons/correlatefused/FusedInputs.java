package org.uneurons.correlatefused;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.uneurons.core.cli.InputException;
import org.uneurons.core.stats.LayerRange;
import org.uneurons.core.stats.TokenFilter;
import org.uneurons.formats.CheckpointRef;
import org.uneurons.formats.FilterChoice;
import org.uneurons.formats.ModelConfig;
import org.uneurons.formats.TokenShard;

/**
 * correlate-fused's inputs, checked before anything heavy (input errors, exit 1): checkpoint names, every shard of
 * the chunk (one context length, one filter, one unknown id) against every used model's config, each pair's layer range, and the
 * output files. Shards are read one at a time here and again during the run: the chunk is never held whole.
 */
record FusedInputs(List<String> shardNames, List<String> shardSha256, long tokens, boolean[] loaded, List<int[]> layersA,
                   TokenFilter filter, List<Path> targets, List<Path> statsTargets) {

    static FusedInputs check(FusedSettings s) {
        CheckpointRef.checkAll(s.checkpoints(), "--checkpoint");
        boolean[] loaded = new boolean[s.dirs().size()];
        for (ModelPairs.Pair p : s.pairs()) {
            loaded[p.a()] = true;
            loaded[p.b()] = true;
        }
        s.statsModels().forEach(m -> loaded[s.names().indexOf(m)] = true);
        List<ModelConfig> configs = new ArrayList<>();
        for (int i = 0; i < s.dirs().size(); i++) {
            configs.add(loaded[i] ? ModelConfig.read(s.dirs().get(i), s.names().get(i)) : null);
        }
        ShardCheck shards = checkShards(s.shards(), configs);
        List<int[]> layersA = new ArrayList<>();
        for (ModelPairs.Pair p : s.pairs()) {
            LayerRange r = LayerRange.parse(s.layersA(), configs.get(p.a()).nLayers, "checkpoint " + s.names().get(p.a()));
            layersA.add(new int[] {r.first(), r.last()});
        }
        TokenFilter filter = s.filterOption() != null ? s.filterOption() : shards.filter();
        return new FusedInputs(shards.names(), shards.sha256(), shards.tokens(), loaded, layersA, filter, s.targets(),
                s.statsTargets());
    }

    /**
     * What the chunk's shards have in common, after each was checked against every loaded model, and each one's
     * identity (TokenShard#contentSha256).
     */
    private record ShardCheck(List<String> names, List<String> sha256, long tokens, TokenFilter filter) {
    }

    private static ShardCheck checkShards(List<Path> files, List<ModelConfig> configs) {
        List<String> names = new ArrayList<>();
        List<String> sha256 = new ArrayList<>();
        long tokens = 0;
        TokenShard first = null;
        for (Path f : files) {
            if (!Files.exists(f)) {
                throw new InputException(f + ": no such file or directory (--shard)");
            }
            TokenShard shard = TokenShard.read(f);
            if (first == null) {
                first = shard;
            } else if (shard.ctx() != first.ctx() || !shard.filter().equals(first.filter())) {
                throw new InputException(f + ": rows of " + shard.ctx() + " tokens with filter "
                        + FilterChoice.describe(shard.filter()) + ", but " + first.file() + " has " + first.ctx()
                        + " tokens and filter " + FilterChoice.describe(first.filter())
                        + "; the shards of one chunk must share both");
            } else if (shard.unkId() != first.unkId()) {
                throw new InputException(f + ": unknown id " + shard.unkId() + ", but " + first.file() + " has "
                        + first.unkId() + " (-1: none); the shards of one chunk must share it");
            }
            if (names.contains(f.getFileName().toString())) {
                throw new InputException(f + ": the shard " + f.getFileName() + " is given twice; its tokens would count twice");
            }
            String hash = shard.contentSha256();
            int same = sha256.indexOf(hash);
            if (same >= 0) {
                throw new InputException(f + ": the same tokens as " + files.get(same) + " (sha256 "
                        + hash.substring(0, 12) + "); its tokens would count twice");
            }
            for (ModelConfig cfg : configs) {
                if (cfg != null) {
                    cfg.checkTokens(f, shard.tokens(), shard.nSeq());
                }
            }
            names.add(f.getFileName().toString());
            sha256.add(hash);
            tokens += (long) shard.nSeq() * shard.ctx();
        }
        return new ShardCheck(names, sha256, tokens, first.filter());
    }
}
