package org.uneurons.formats;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.uneurons.core.io.Hdf5Reader;
import org.uneurons.core.io.Hdf5Writer;

/**
 * The token shards a file's numbers come from, stored as the string dataset {@code /shards}: a list that grows with
 * the data (a merged file of a 100M-token study names thousands of shards) cannot be an attribute, whose messages
 * jhdf writes with 16-bit sizes. Files of earlier versions hold it as a comma-separated attribute, still read. Beside
 * it, {@code /shard_sha256} holds each shard's identity ({@link TokenShard#contentSha256}; "" where not known), which
 * files of earlier versions lack.
 */
final class ShardList {
    static final String DATASET = "shards";
    static final String HASHES = "shard_sha256";

    private ShardList() {
    }

    static void write(Hdf5Writer w, List<String> shards) {
        w.dataset(DATASET, shards.toArray(new String[0]));
    }

    /** The shards and their content hashes (one each, "" where not known). */
    static void write(Hdf5Writer w, List<String> shards, List<String> sha256) {
        if (sha256.size() != shards.size()) {
            throw new IllegalArgumentException(shards.size() + " shards but " + sha256.size() + " shard hashes");
        }
        write(w, shards);
        if (!shards.isEmpty()) {
            // a placeholder for unknown hashes: jhdf stores strings at the longest one's length
            w.dataset(HASHES, sha256.stream().map(h -> h.isEmpty() ? UNKNOWN : h).toArray(String[]::new));
        }
    }

    /** Written for a shard whose hash is not known; read back as "". */
    private static final String UNKNOWN = "-";

    /** The content hash of each of {@code n} shards; all "" for a file without /shard_sha256 (an earlier version). */
    static List<String> readHashes(Hdf5Reader r, int n, String what) {
        String[] ds = r.stringsOrNull("/" + HASHES);
        if (ds == null) {
            return java.util.Collections.nCopies(n, "");
        }
        if (ds.length != n) {
            throw new org.uneurons.core.cli.InputException(r.file() + ": /" + HASHES + " has " + ds.length
                    + " entries for " + n + " shards (" + what + ")");
        }
        List<String> out = new ArrayList<>();
        for (String h : ds) {
            out.add(h.equals(UNKNOWN) ? "" : h);
        }
        return out;
    }

    /** /shards, else the comma-separated attribute {@code legacyAttribute}. */
    static List<String> read(Hdf5Reader r, String legacyAttribute, String what) {
        String[] ds = r.stringsOrNull("/" + DATASET);
        if (ds != null) {
            return List.of(ds);
        }
        String attr = r.string(legacyAttribute, what);
        return attr.isEmpty() ? List.of() : new ArrayList<>(Arrays.asList(attr.split(",")));
    }
}
