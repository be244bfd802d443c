package org.uneurons.tokenize;

import java.util.List;

import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.UsageException;
import org.uneurons.core.stats.TokenFilter;
import org.uneurons.formats.FilterChoice;
import org.uneurons.formats.TokenShard;

/**
 * The options that make a data set the paper's way (METHOD 1.3-1.4): drop documents shorter than
 * {@code --min-doc-chars} characters (the paper drops those of 50 or fewer: 51); cut each {@code --group-field} group
 * (the Pile's {@code meta.pile_set_name}) as its own stream; shuffle all rows with {@code --shuffle-seed} before the
 * {@code --max-tokens} cap takes the first ones; and the token filter the shards record ({@code --filter-ids}, else
 * the default for the tokenizer, {@link FilterChoice#defaults}).
 */
record Sampling(int minDocChars, String groupField, Long shuffleSeed, String filterIds) {

    static Sampling parse(Args a, List<TokenizeTool.Format> formats) {
        int minChars = a.integer("min-doc-chars", 0);
        if (minChars < 0) {
            throw new UsageException("--min-doc-chars expects 0 (keep every document) or a positive integer, got "
                    + minChars);
        }
        String group = a.string("group-field", null);
        boolean text = formats.get(0).isText();
        if (!text && (minChars > 0 || group != null)) {
            throw new UsageException((minChars > 0 ? "--min-doc-chars" : "--group-field") + " applies to text documents;"
                    + " id inputs (.npy, .bin) are tokens already (drop short documents before tokenizing them)");
        }
        if (group != null && formats.contains(TokenizeTool.Format.TXT)) {
            throw new UsageException("--group-field needs .jsonl inputs (a .txt file is one document without fields)");
        }
        if (group != null && (group.isBlank() || group.startsWith(".") || group.endsWith(".") || group.contains(".."))) {
            throw new UsageException("--group-field expects a field name or a dotted path like meta.pile_set_name, got '"
                    + group + "'");
        }
        Long seed = a.has("shuffle-seed") ? a.longValue("shuffle-seed", 0) : null;
        return new Sampling(minChars, group, seed, a.string("filter-ids", null));
    }

    /** The filter the shards record: --filter-ids (ids within the vocabulary, or none), else the tokenizer's default. */
    TokenFilter filter(TokenShard.Meta meta) {
        if (filterIds == null) {
            return FilterChoice.defaults(meta, null);
        }
        if (filterIds.strip().equals("none")) {
            return TokenFilter.none();
        }
        TokenFilter f = TokenFilter.parseOption(filterIds);
        if (f.ids().length == 0) {
            throw new UsageException("--filter-ids expects comma-separated token ids or none, got '" + filterIds + "'");
        }
        for (int id : f.ids()) {
            if (id < 0 || id >= meta.vocabSize()) {
                throw new UsageException("--filter-ids: token id " + id + " is outside the vocabulary [0, "
                        + meta.vocabSize() + ")");
            }
        }
        return f;
    }

    /** What the summary line adds: documents dropped, the shuffle, an explicit filter. */
    String describe(long docsKept, long docsDropped, long rowsCut, long rowsKept, TokenFilter filter) {
        StringBuilder b = new StringBuilder();
        if (minDocChars > 0) {
            b.append("; dropped ").append(docsDropped).append(" of ").append(docsKept + docsDropped)
                    .append(" documents shorter than ").append(minDocChars).append(" characters");
        }
        if (shuffleSeed != null) {
            b.append("; shuffled all ").append(rowsCut).append(" rows with seed ").append(shuffleSeed);
            if (rowsKept < rowsCut) {
                b.append(" and kept the first ").append(rowsKept);
            }
        }
        if (filterIds != null) {
            b.append("; filter_ids ").append(FilterChoice.describe(filter));
        }
        return b.toString();
    }
}
