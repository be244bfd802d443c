package org.uneurons.formats;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.uneurons.core.io.Hdf5Reader;
import org.uneurons.core.io.Hdf5Writer;

/**
 * The token shards a file's numbers come from, stored as the string dataset {@code /shards}: a list that grows with
 * the data (a merged file of a 100M-token study names thousands of shards) cannot be an attribute, whose messages
 * jhdf writes with 16-bit sizes. Files of earlier versions hold it as a comma-separated attribute, still read.
 */
final class ShardList {
    static final String DATASET = "shards";

    private ShardList() {
    }

    static void write(Hdf5Writer w, List<String> shards) {
        w.dataset(DATASET, shards.toArray(new String[0]));
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
