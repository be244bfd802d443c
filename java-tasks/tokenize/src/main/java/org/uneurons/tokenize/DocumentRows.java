package org.uneurons.tokenize;

import java.util.LinkedHashMap;
import java.util.Map;

import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.IntArrayList;

import org.uneurons.core.cli.Progress;

/**
 * Text documents into rows: documents shorter than the minimum length (in characters, i.e. Unicode code points, as
 * Python's {@code len} counts them) are dropped first; the others are tokenized with GPT-2's BPE and joined by EOS
 * into one stream per group (all documents form one group unless the input names groups), each stream cut into
 * rows by its own {@link RowCutter}, all of them feeding one shared row count. With groups (the Pile's subsets) no
 * row spans two groups and each group drops its own incomplete last row, as tokenizing each subset separately does.
 */
final class DocumentRows implements TextDocuments.DocumentSink {
    private final Encoding bpe;
    private final int ctx;
    private final int eos;
    private final RowCutter.Count out;
    private final int minChars;
    private final Progress progress;
    private final Map<String, RowCutter> groups = new LinkedHashMap<>();
    private long kept;
    private long dropped;

    /** {@code eos} is both the BOS that starts every row and the separator between documents (GPT-2's 50256). */
    DocumentRows(Encoding bpe, int ctx, int eos, RowCutter.Count out, int minChars, Progress progress) {
        this.bpe = bpe;
        this.ctx = ctx;
        this.eos = eos;
        this.out = out;
        this.minChars = minChars;
        this.progress = progress;
    }

    @Override
    public void document(String text, String group, long bytes) {
        if (progress != null) {
            progress.advance(bytes);
        }
        if (minChars > 0 && text.codePointCount(0, text.length()) < minChars) {
            dropped++;
            return;
        }
        String key = group == null ? "" : group;
        RowCutter cutter = groups.get(key);
        if (cutter == null) {
            cutter = new RowCutter(ctx, eos, out);
            groups.put(key, cutter);
        } else {
            cutter.stream(new int[] {eos}, 1);
        }
        IntArrayList ids = bpe.encodeOrdinary(text);
        cutter.stream(ids.toArray(), ids.size());
        kept++;
    }

    @Override
    public boolean done() {
        return out.full();
    }

    /** Documents tokenized. */
    long kept() {
        return kept;
    }

    /** Documents dropped for being shorter than the minimum. */
    long dropped() {
        return dropped;
    }

    int groups() {
        return groups.size();
    }

    /** Stream tokens of every group (EOS separators included). */
    long streamTokens() {
        return groups.values().stream().mapToLong(RowCutter::streamTokens).sum();
    }

    /** Tokens of the incomplete last rows, which are dropped. */
    long pending() {
        return groups.values().stream().mapToLong(RowCutter::pending).sum();
    }
}
