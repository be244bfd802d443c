package org.uneurons.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.uneurons.core.cli.InputException;
import org.uneurons.formats.TokenShard;
import org.uneurons.formats.TopActivations;

/**
 * Decoded top-activating contexts: for a neuron, each of its top-k (shard, row) tokens from the statistics file
 * becomes the text of up to {@code window} tokens before it plus the token itself. Row r of a shard is sequence
 * r / ctx, position r % ctx (activation files are sequence-major). Shards are matched by file name to the
 * statistics file's {@code shards} attribute and read only when a context needs them.
 */
final class Contexts {
    /** One context; {@code before} starts mid-sequence when {@code clipped}. */
    record Context(double value, String shard, int seq, int pos, String before, String token, boolean clipped) {
    }

    /** A neuron's contexts, or why there are none. */
    record NeuronContexts(List<Context> contexts, String note) {
    }

    private final TopActivations top;
    private final Map<String, Path> shardFiles = new LinkedHashMap<>();
    private final Map<String, TokenShard> loaded = new HashMap<>();
    private final Map<String, TokenText> decoders = new HashMap<>();
    private final int window;
    private final int perNeuron;

    Contexts(TopActivations top, List<Path> shards, int window, int perNeuron) {
        this.top = top;
        this.window = window;
        this.perNeuron = perNeuron;
        for (Path p : shards) {
            String name = p.getFileName().toString();
            if (shardFiles.put(name, p) != null) {
                throw new InputException(p + ": two --shard files are named " + name + "; shard names must be unique");
            }
        }
    }

    /** How the shards were decoded (per shard name), for the notes under the table. */
    Map<String, String> decoding() {
        Map<String, String> m = new LinkedHashMap<>();
        decoders.forEach((k, v) -> m.put(k, v.source()));
        return m;
    }

    private final Map<Integer, NeuronContexts> done = new HashMap<>();

    /** A neuron's contexts (decoded once, then remembered). */
    NeuronContexts of(int layer, int neuron) {
        return done.computeIfAbsent(layer * top.dMlp + neuron, this::decode);
    }

    private NeuronContexts decode(int i) {
        List<Context> out = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (int j = 0; j < top.values[i].length && out.size() < perNeuron; j++) {
            long row = top.rows[i][j];
            if (row < 0) {
                continue; // an unfilled slot
            }
            String name = top.shards.get(top.sources[i][j]);
            TokenShard shard = shard(name);
            if (shard == null) {
                if (!missing.contains(name)) {
                    missing.add(name);
                }
                continue;
            }
            int ctx = shard.ctx();
            long seq = row / ctx;
            int pos = (int) (row % ctx);
            if (seq >= shard.nSeq()) {
                throw new InputException(shardFiles.get(name) + ": the statistics file " + top.file + " names row "
                        + row + ", but this shard has only " + (long) shard.nSeq() * ctx + " tokens ("
                        + shard.nSeq() + " x " + ctx + "); expected the shard the statistics were computed on");
            }
            int[] ids = shard.tokens()[(int) seq];
            int from = Math.max(0, pos - window);
            TokenText dec = decoders.get(name);
            out.add(new Context(top.values[i][j], name, (int) seq, pos, dec.text(ids, from, pos),
                    dec.text(ids, pos, pos + 1), from > 0));
        }
        String note = null;
        if (!missing.isEmpty()) {
            note = "token shard" + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing) + " not given (--shard)";
        } else if (out.isEmpty()) {
            note = "no activating tokens recorded";
        }
        return new NeuronContexts(out, note);
    }

    private TokenShard shard(String name) {
        if (loaded.containsKey(name)) {
            return loaded.get(name);
        }
        Path p = shardFiles.get(name);
        TokenShard s = null;
        if (p != null) {
            s = TokenShard.read(p);
            decoders.put(name, new TokenText(s.meta(), TokenShard.readVocab(p), TokenShard.readVocabBytes(p)));
        }
        loaded.put(name, s);
        return s;
    }
}
