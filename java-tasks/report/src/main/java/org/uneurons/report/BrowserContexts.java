package org.uneurons.report;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.uneurons.core.cli.InputException;
import org.uneurons.formats.TokenShard;
import org.uneurons.formats.TopActivations;

/**
 * Every neuron's top-activating contexts for the browser: for each group with statistics, the first {@code perNeuron}
 * of each neuron's top tokens as text before the token, the token, and text after it. The shards are read one at a
 * time (memory: one shard plus the decoded texts), each serving every group whose statistics name it.
 */
final class BrowserContexts {
    /** One context; {@code shard} indexes the statistics file's shards. */
    record Context(double value, int shard, int seq, int pos, String before, String token, String after) {
    }

    /** Decoded contexts per group (same order as given), [row][slot], null slots where a shard was not given. */
    final Context[][][] contexts;
    /** Shards named by some statistics file but not given, for the browser's notes. */
    final List<String> missing;
    /** Token texts of the first given shard (the top-token lists use them), or null without shards. */
    final TokenText vocab;

    private BrowserContexts(Context[][][] contexts, List<String> missing, TokenText vocab) {
        this.contexts = contexts;
        this.missing = missing;
        this.vocab = vocab;
    }

    static BrowserContexts decode(List<BrowserGroup> groups, List<Path> shards, int perNeuron, int before, int after) {
        Map<String, Path> byName = new LinkedHashMap<>();
        for (Path p : shards) {
            byName.putIfAbsent(p.getFileName().toString(), p);
        }
        Context[][][] out = new Context[groups.size()][][];
        java.util.Set<String> needed = new java.util.LinkedHashSet<>();
        for (int g = 0; g < groups.size(); g++) {
            TopActivations top = groups.get(g).top();
            out[g] = top == null ? null : new Context[top.values.length][Math.min(perNeuron, width(top))];
            if (top != null) {
                needed.addAll(top.shards);
            }
        }
        TokenText vocab = null;
        List<String> missing = new java.util.ArrayList<>();
        for (String name : needed) {
            Path p = byName.get(name);
            if (p == null) {
                missing.add(name);
                continue;
            }
            TokenShard shard = TokenShard.read(p);
            TokenText text = new TokenText(shard.meta(), TokenShard.readVocab(p), TokenShard.readVocabBytes(p));
            vocab = vocab == null ? text : vocab;
            for (int g = 0; g < groups.size(); g++) {
                if (out[g] != null) {
                    fill(out[g], groups.get(g).top(), name, shard, text, before, after);
                }
            }
        }
        if (vocab == null && !shards.isEmpty()) {
            TokenShard first = TokenShard.read(shards.get(0));
            vocab = new TokenText(first.meta(), TokenShard.readVocab(shards.get(0)), TokenShard.readVocabBytes(shards.get(0)));
        }
        return new BrowserContexts(out, List.copyOf(missing), vocab);
    }

    private static int width(TopActivations top) {
        return top.values.length == 0 ? 0 : top.values[0].length;
    }

    /** The slots of {@code top} that point into shard {@code name}. */
    private static void fill(Context[][] out, TopActivations top, String name, TokenShard shard, TokenText text,
                             int before, int after) {
        int source = top.shards.indexOf(name);
        int ctx = shard.ctx();
        for (int i = 0; i < out.length; i++) {
            for (int j = 0; j < out[i].length; j++) {
                long row = top.rows[i][j];
                if (row < 0 || top.sources[i][j] != source) {
                    continue; // an unfilled slot, or another shard's
                }
                long seq = row / ctx;
                int pos = (int) (row % ctx);
                if (seq >= shard.nSeq()) {
                    throw new InputException(shard.file() + ": the statistics file " + top.file + " names row " + row
                            + ", but this shard has only " + (long) shard.nSeq() * ctx + " tokens; expected the shard"
                            + " the statistics were computed on");
                }
                int[] ids = shard.tokens()[(int) seq];
                out[i][j] = new Context(top.values[i][j], source, (int) seq, pos,
                        text.text(ids, Math.max(0, pos - before), pos), text.text(ids, pos, pos + 1),
                        text.text(ids, pos + 1, Math.min(ctx, pos + 1 + after)));
            }
        }
    }
}
