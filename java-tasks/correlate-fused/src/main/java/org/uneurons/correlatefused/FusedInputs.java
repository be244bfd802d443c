package org.uneurons.correlatefused;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.uneurons.core.cli.InputException;
import org.uneurons.core.stats.LayerRange;
import org.uneurons.core.stats.TokenFilter;
import org.uneurons.formats.CheckpointRef;
import org.uneurons.formats.ModelConfig;
import org.uneurons.formats.TokenShard;

/**
 * correlate-fused's inputs, checked before anything heavy (input errors, exit 1): checkpoint names, every used
 * model's config against the shard's tokens, each pair's layer range, the filter, the output files.
 */
record FusedInputs(TokenShard shard, String shardName, boolean[] used, List<int[]> layersA, TokenFilter filter,
                   List<Path> targets) {

    static FusedInputs check(FusedSettings s) {
        CheckpointRef.checkAll(s.checkpoints(), "--checkpoint");
        if (!Files.exists(s.shard())) {
            throw new InputException(s.shard() + ": no such file or directory (--shard)");
        }
        TokenShard shard = TokenShard.read(s.shard());
        boolean[] used = new boolean[s.dirs().size()];
        for (ModelPairs.Pair p : s.pairs()) {
            used[p.a()] = true;
            used[p.b()] = true;
        }
        List<ModelConfig> configs = new ArrayList<>();
        for (int i = 0; i < s.dirs().size(); i++) {
            ModelConfig cfg = used[i] ? ModelConfig.read(s.dirs().get(i), s.names().get(i)) : null;
            if (cfg != null) {
                cfg.checkTokens(s.shard(), shard.tokens(), shard.nSeq());
            }
            configs.add(cfg);
        }
        List<int[]> layersA = new ArrayList<>();
        for (ModelPairs.Pair p : s.pairs()) {
            LayerRange r = LayerRange.parse(s.layersA(), configs.get(p.a()).nLayers, "checkpoint " + s.names().get(p.a()));
            layersA.add(new int[] {r.first(), r.last()});
        }
        String shardName = s.shard().getFileName().toString();
        List<Path> targets = new ArrayList<>();
        for (ModelPairs.Pair p : s.pairs()) {
            targets.add(s.outdir().resolve(CorrelateFusedTool.outputName(s.names().get(p.a()), s.names().get(p.b()),
                    shardName)));
        }
        TokenFilter filter = s.filterOption() != null ? s.filterOption() : shard.filter();
        return new FusedInputs(shard, shardName, used, layersA, filter, targets);
    }
}
