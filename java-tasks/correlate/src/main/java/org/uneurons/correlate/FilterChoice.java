package org.uneurons.correlate;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.uneurons.core.cli.InputException;
import org.uneurons.core.stats.TokenFilter;

/**
 * The default token filter (METHOD 1.4): the BOS, EOS and pad ids the tokens' attributes name, plus the newline
 * token: 198 (and pad 50256) when the tokenizer is GPT-2's BPE itself; for a remapped vocabulary (the demo corpus's
 * {@code gpt2-remap-K}, whose ids are not GPT-2's) the ids whose text in the shard's {@code /vocab} is exactly a
 * newline, and no GPT-2 id. Without any tokenizer attribute there is no safe default.
 */
public final class FilterChoice {
    private FilterChoice() {
    }

    /** Key of the newline ids found in a shard's /vocab (an int[]), when it has one. */
    public static final String NEWLINE_IDS = "newline_ids";

    /**
     * The filter for tokens described by {@code attrs} (tokenizer, bos_id, eos_id, pad_id, and {@link #NEWLINE_IDS}
     * for shards with a vocabulary); {@code source} names them.
     */
    public static TokenFilter defaults(Map<String, Object> attrs, String source) {
        List<Integer> ids = new ArrayList<>();
        for (String name : new String[] {"bos_id", "eos_id", "pad_id"}) {
            Object v = attrs.get(name);
            if (v instanceof Integer id && id >= 0) {
                ids.add(id);
            }
        }
        Object tok = attrs.get("tokenizer");
        if (tok == null && ids.isEmpty()) {
            throw new InputException(source + ": no tokenizer, bos_id, eos_id or pad_id attributes to choose the token"
                    + " filter from; pass --filter-ids (GPT-2: 50256,198), --shard TOKENS.h5, or --no-filter");
        }
        if (attrs.get(NEWLINE_IDS) instanceof int[] newlines) {
            for (int id : newlines) {
                ids.add(id);
            }
        } else if (tok != null && isGpt2(tok.toString())) {
            ids.add(TokenFilter.GPT2_EOT); // pad = BOS = EOS for GPT-2 even when the shard records none
            ids.add(TokenFilter.GPT2_NEWLINE);
        }
        return new TokenFilter(ids.stream().mapToInt(Integer::intValue).toArray());
    }

    /** GPT-2's own BPE ids; a remapped vocabulary built from it (e.g. {@code gpt2-remap-4095}) is not. */
    static boolean isGpt2(String tokenizer) {
        String t = tokenizer.toLowerCase(Locale.ROOT);
        return (t.contains("gpt2") || t.contains("gpt-2") || t.contains("r50k")) && !t.contains("remap");
    }

    /** The ids whose token text is exactly a newline. */
    public static int[] newlineIds(String[] vocab) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < vocab.length; i++) {
            if ("\n".equals(vocab[i])) {
                ids.add(i);
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** "198,50256" or "none": how the filter is recorded in moments files. */
    public static String describe(TokenFilter f) {
        int[] ids = f.ids();
        if (ids.length == 0) {
            return "none";
        }
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append(sb.length() == 0 ? "" : ",").append(id);
        }
        return sb.toString();
    }
}
