package org.uneurons.formats;

import java.nio.file.Path;
import java.util.regex.Pattern;

import org.uneurons.core.cli.InputException;
import org.uneurons.core.io.Hdf5Reader;

/**
 * The identities every file carries from what made it, as attributes of 64 lower-case hex digits: a model's
 * {@code model_sha256} (or {@code model_a_sha256}, {@code model_b_sha256}), the content hash of its checkpoint's
 * weights (org.uneurons.core.io.WeightsDigest), and a shard's {@code shard_sha256}, the identity of its tokens
 * ({@link TokenShard#contentSha256(int)}). Files of earlier versions lack them: readers give null, and the tools go
 * on with one warning line per such file ({@link #unchecked}), since nothing can be checked without them.
 */
public final class Provenance {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private Provenance() {
    }

    /** {@code value} when it is a hash (64 lower-case hex digits); anything else is a programming error. */
    public static String checkSha256(String value, String what) {
        if (value == null || !SHA256.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " must be 64 lower-case hex digits, got " + value);
        }
        return value;
    }

    /** A root attribute holding a hash, or null when absent; anything but 64 hex digits is an error naming the file. */
    static String readSha256(Hdf5Reader h, String attribute) {
        return readSha256(h, "/", attribute);
    }

    static String readSha256(Hdf5Reader h, String path, String attribute) {
        Object v = h.attribute(path, attribute);
        if (v == null) {
            return null;
        }
        if (!(v instanceof String s) || !SHA256.matcher(s).matches()) {
            throw new InputException(h.file() + ": attribute '" + attribute + "' is '" + v
                    + "', expected a SHA-256 (64 lower-case hex digits)");
        }
        return s;
    }

    /** The first 12 hex digits, as messages show a hash. */
    public static String abbreviate(String sha256) {
        return sha256 == null ? "unknown" : sha256.length() <= 12 ? sha256 : sha256.substring(0, 12);
    }

    /** True when both hashes are known and differ: the files come from different checkpoints (or tokens). */
    public static boolean differ(String a, String b) {
        return a != null && b != null && !a.isEmpty() && !b.isEmpty() && !a.equals(b);
    }

    /**
     * The warning (without the tool's prefix) for a file of an earlier version that lacks {@code attribute}: its
     * {@code what} (model, tokens) cannot be checked.
     */
    public static String unchecked(Path file, String attribute, String what) {
        return file + ": no " + attribute + " (written by an earlier version); " + what + " cannot be checked";
    }
}
