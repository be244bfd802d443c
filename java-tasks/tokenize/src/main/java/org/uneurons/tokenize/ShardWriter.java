package org.uneurons.tokenize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.uneurons.core.stats.TokenFilter;
import org.uneurons.formats.TokenShard;

/**
 * Collects rows and writes them as token shards of --seqs-per-shard rows each: DIR/NAME.00000.h5, NAME.00001.h5,
 * ... Each shard is published atomically when full; on failure {@link #discard} removes the shards of this run.
 */
final class ShardWriter implements RowCutter.RowSink {
    private final Path dir;
    private final String name;
    private final int seqsPerShard;
    private final TokenShard.Meta meta;
    private final TokenFilter filter;
    private final List<int[]> pending = new ArrayList<>();
    private final List<Path> written = new ArrayList<>();

    /** {@code filter}: the token ids every shard records as dropped by the analyses ({@code filter_ids}). */
    ShardWriter(Path dir, String name, int seqsPerShard, TokenShard.Meta meta, TokenFilter filter) {
        this.dir = dir;
        this.name = name;
        this.seqsPerShard = seqsPerShard;
        this.meta = meta;
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
        TokenShard.write(f, pending.toArray(new int[0][]), meta, null, filter);
        written.add(f);
        pending.clear();
    }

    /** Writes the last, possibly smaller shard and returns every shard of this run. */
    List<Path> finish() {
        flush();
        return List.copyOf(written);
    }

    /**
     * Shards of an earlier run under the same name beyond the ones just written (NAME.00007.h5 when this run wrote
     * 5): left in place they would be read as part of this data set, so they are removed.
     */
    List<Path> removeStale() throws IOException {
        Pattern p = Pattern.compile(Pattern.quote(name) + "\\.\\d{5}\\.h5");
        List<Path> stale = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.filter(f -> p.matcher(f.getFileName().toString()).matches() && !written.contains(f))
                    .sorted().forEach(stale::add);
        }
        for (Path f : stale) {
            Files.delete(f);
        }
        return stale;
    }

    void discard() {
        for (Path f : written) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException ignored) {
                // best effort; the run failed and says so
            }
        }
    }
}
