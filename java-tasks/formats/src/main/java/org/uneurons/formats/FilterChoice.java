package org.uneurons.formats;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.uneurons.core.cli.InputException;
import org.uneurons.core.stats.TokenFilter;

/**
 * The default token filter of a token shard (METHOD 1.4), decided when the shard is made and stored with it: the
 * BOS and EOS ids (and a pad id, when a shard names one), plus the newline token: 198 (and pad 50256) when the
 * tokenizer is GPT-2's BPE itself; for a remapped vocabulary (the demo corpus's {@code gpt2-remap-K}, whose ids are
 * not GPT-2's) the ids whose text in the shard's {@code /vocab} is exactly a newline, and no GPT-2 id.
 * Filters are written as "198,50256" (ascending) or "none" in every file that records one.
 */
public final class FilterChoice {
    private FilterChoice() {
    }

    /** The filter of a shard with these attributes and vocabulary (null: none). */
    public static TokenFilter defaults(TokenShard.Meta meta, String[] vocab) {
        return defaults(meta, vocab, null, "token shard");
    }

    /**
     * As {@link #defaults(TokenShard.Meta, String[])}, with the pad id some shards record (null: none);
     * {@code where} names the shard in the error for a remapped vocabulary without its table, whose newline ids
     * cannot be known (a silent default would keep the newlines METHOD 1.4 drops).
     */
    public static TokenFilter defaults(TokenShard.Meta meta, String[] vocab, Integer padId, String where) {
        if (vocab == null && isRemap(meta.tokenizer())) {
            throw new InputException(where + ": tokenizer '" + meta.tokenizer() + "' is a remapped vocabulary whose"
                    + " newline ids only its /vocab table gives, and there is none; write the shard with /vocab or"
                    + " with filter_ids (tokenize --filter-ids)");
        }
        List<Integer> ids = new ArrayList<>();
        for (Integer id : new Integer[] {meta.bosId(), meta.eosId(), padId}) {
            if (id != null && id >= 0) {
                ids.add(id);
            }
        }
        if (vocab != null) {
            for (int id : newlineIds(vocab)) {
                ids.add(id);
            }
        } else if (isGpt2(meta.tokenizer())) {
            ids.add(TokenFilter.GPT2_EOT); // pad = BOS = EOS for GPT-2 even when the shard records none
            ids.add(TokenFilter.GPT2_NEWLINE);
        }
        return new TokenFilter(ids.stream().mapToInt(Integer::intValue).toArray());
    }

    /** GPT-2's own BPE ids; a remapped vocabulary built from it (e.g. {@code gpt2-remap-4095}) is not. */
    static boolean isGpt2(String tokenizer) {
        String t = tokenizer.toLowerCase(Locale.ROOT);
        return (t.contains("gpt2") || t.contains("gpt-2") || t.contains("r50k")) && !isRemap(tokenizer);
    }

    /** A vocabulary renumbered from another (the demo corpus's {@code gpt2-remap-K}): its ids mean nothing alone. */
    static boolean isRemap(String tokenizer) {
        return tokenizer.toLowerCase(Locale.ROOT).contains("remap");
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

    /** "198,50256" or "none": how a filter is recorded in files. */
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

    /** The inverse of {@link #describe}; {@code where} names the text in the error ("FILE: attribute filter_ids"). */
    public static TokenFilter parse(String recorded, String where) {
        String s = recorded.trim();
        if (s.equals("none")) {
            return TokenFilter.none();
        }
        String[] parts = s.split(",");
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new InputException(where + " is '" + recorded + "', expected token ids like 198,50256 or none");
            }
            if (ids[i] < 0) {
                throw new InputException(where + " is '" + recorded + "', expected non-negative token ids");
            }
        }
        return new TokenFilter(ids);
    }
}
