package org.uneurons.tokenize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.uneurons.core.io.OutputSet;
import org.uneurons.core.stats.TokenFilter;
import org.uneurons.formats.TokenShard;

/**
 * Collects rows and writes them as token shards of --seqs-per-shard rows each: DIR/NAME.00000.h5, NAME.00001.h5,
 * ... Each shard goes to a temporary file when full; {@link #publish} renames them all together (and removes an
 * earlier run's shards under the same name), {@link #discard} deletes them: a run publishes all its shards or none.
 */
final class ShardWriter implements RowCutter.RowSink, AutoCloseable {
    private final Path dir;
    private final String name;
    private final int seqsPerShard;
    private final TokenShard.Meta meta;
    private final byte[][] vocabBytes;
    private final TokenFilter filter;
    private final List<int[]> pending = new ArrayList<>();
    private final List<Path> written = new ArrayList<>();
    private final OutputSet set = new OutputSet();

    /**
     * {@code vocabBytes}: each token's bytes ({@code /vocab_bytes}), or null when the vocabulary is not known;
     * {@code filter}: the token ids every shard records as dropped by the analyses ({@code filter_ids}).
     */
    ShardWriter(Path dir, String name, int seqsPerShard, TokenShard.Meta meta, byte[][] vocabBytes, TokenFilter filter) {
        this.dir = dir;
        this.name = name;
        this.seqsPerShard = seqsPerShard;
        this.meta = meta;
        this.vocabBytes = vocabBytes;
        this.filter = filter;
    }

    static String shardName(String name, int index) {
        return String.format(Locale.ROOT, "%s.%05d.h5", name, index);
    }

    @Override
    public void row(int[] row) {
        pending.add(row);
        if (pending.size() == seqsPerShard) {
            flush();
        }
    }

    private void flush() {
        if (pending.isEmpty()) {
            return;
        }
        Path f = dir.resolve(shardName(name, written.size()));
        set.write(f, TokenShard.content(f, pending.toArray(new int[0][]), meta, null, vocabBytes, filter, -1));
        written.add(f);
        pending.clear();
    }

    /** Writes the last, possibly smaller shard and returns every shard of this run. */
    List<Path> finish() {
        flush();
        return List.copyOf(written);
    }

    /** The shards in {@code dir} under {@code name}, of this run or an earlier one. */
    static List<Path> existing(Path dir, String name) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        Pattern p = Pattern.compile(Pattern.quote(name) + "\\.\\d{5}\\.h5");
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> p.matcher(f.getFileName().toString()).matches()).sorted().toList();
        }
    }

    /**
     * Publishes this run's shards together; shards of an earlier run under the same name beyond the ones just
     * written (NAME.00007.h5 when this run wrote 5) would be read as part of this data set, so they are removed in
     * the same step. Returns those removed.
     */
    List<Path> publish() throws IOException {
        List<Path> stale = existing(dir, name).stream().filter(f -> !set.targets().contains(f.toAbsolutePath())).toList();
        stale.forEach(set::retire);
        set.commit();
        return stale;
    }

    /** Deletes the shards of this run not published. */
    void discard() {
        set.close();
    }

    @Override
    public void close() {
        set.close();
    }
}
