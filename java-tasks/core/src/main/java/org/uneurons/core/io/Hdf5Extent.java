package org.uneurons.core.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.uneurons.core.cli.InputException;

/**
 * Finds an HDF5 file that is shorter than it says it is (an interrupted copy or write) before jhdf reads it, which
 * would otherwise report the damage as whatever its garbage looks like: a missing dataset, token ids outside the
 * vocabulary. The superblock (at offset 0, or 512, 1024, ... after a user block) records the file's end-of-file
 * address; a file shorter than that, or than its superblock, is truncated. {@link #checkDataset} does the same for
 * one contiguous dataset's bytes, for files whose end-of-file address is not set.
 *
 * <p>Superblock layouts (HDF5 file format specification, section II.A): versions 0 and 1 hold the base address,
 * the free-space address, the end-of-file address and the driver block address (each of "size of offsets" bytes)
 * from byte 24 (version 0) or 28 (version 1) and a root symbol table entry after them; versions 2 and 3 hold the
 * base, superblock-extension, end-of-file and root object header addresses from byte 12 and a 4-byte checksum.
 */
public final class Hdf5Extent {
    static final byte[] SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    private static final String HINT = " (an interrupted copy or write?)";

    private Hdf5Extent() {
    }

    /** The line for a file of {@code size} bytes whose datasets need {@code need}. */
    public static InputException truncated(Path file, long size, long need) {
        return new InputException(file + ": truncated: " + size + " bytes, its datasets need at least " + need + HINT);
    }

    /**
     * Checks {@code file} against its superblock: nothing happens for a complete file or one that is not HDF5 at all
     * (jhdf then says so); an empty file, a file cut inside its superblock, or one shorter than its end-of-file address
     * is one {@link InputException} line. Returns the file's length.
     */
    public static long check(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            check(file, ch);
            return ch.size();
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read", e);
        }
    }

    static void check(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size == 0) {
            throw new InputException(file + ": empty (0 bytes), expected an HDF5 file" + HINT);
        }
        // the signature is at 0, or after a user block at 512, 1024, 2048, ...
        for (long at = 0; at < size; at = at == 0 ? 512 : 2 * at) {
            ByteBuffer head = read(ch, at, 8);
            if (head.remaining() < 8) {
                if (isSignaturePrefix(head)) {
                    throw superblockCut(file, size, at + 8);
                }
                return;
            }
            if (isSignaturePrefix(head)) {
                checkSuperblock(file, ch, at, size);
                return;
            }
        }
    }

    private static void checkSuperblock(Path file, FileChannel ch, long at, long size) throws IOException {
        ByteBuffer b = read(ch, at, 96);
        if (b.limit() < 10) {
            throw superblockCut(file, size, at + 10);
        }
        int version = b.get(8) & 0xff;
        int offsets;
        long addresses;
        long length;
        switch (version) {
            case 0, 1 -> {
                if (b.limit() < 14) {
                    throw superblockCut(file, size, at + 14);
                }
                offsets = b.get(13) & 0xff;
                addresses = version == 0 ? 24 : 28;
                length = addresses + 4L * offsets + (2L * offsets + 24); // + the root group's symbol table entry
            }
            case 2, 3 -> {
                offsets = b.get(9) & 0xff;
                addresses = 12;
                length = addresses + 4L * offsets + 4;
            }
            default -> {
                return; // not a superblock this reader knows: jhdf says what it makes of it
            }
        }
        if (offsets != 2 && offsets != 4 && offsets != 8) {
            return;
        }
        if (size < at + length) {
            throw superblockCut(file, size, at + length);
        }
        b = read(ch, at, (int) length);
        long base = address(b, (int) addresses, offsets);
        long eof = address(b, (int) addresses + 2 * offsets, offsets);
        if (base < 0 || eof < 0) {
            return; // undefined addresses: nothing to compare
        }
        long need = base + eof;
        if (size < need) {
            throw truncated(file, size, need);
        }
    }

    /**
     * A contiguous dataset whose bytes {@code [address, address + bytes)} (absolute, user block included) reach past
     * the end of {@code file}.
     */
    public static void checkDataset(Path file, long fileSize, long address, long bytes) {
        if (address >= 0 && bytes > 0 && address + bytes > fileSize) {
            throw truncated(file, fileSize, address + bytes);
        }
    }

    private static InputException superblockCut(Path file, long size, long need) {
        return new InputException(file + ": truncated: " + size + " bytes, its superblock needs at least " + need + HINT);
    }

    private static boolean isSignaturePrefix(ByteBuffer head) {
        for (int i = 0; i < head.limit(); i++) {
            if (head.get(i) != SIGNATURE[i]) {
                return false;
            }
        }
        return head.limit() > 0;
    }

    /** An unsigned address of {@code size} bytes; -1 for the undefined address (all bits set). */
    private static long address(ByteBuffer b, int at, int size) {
        long v = 0;
        boolean undefined = true;
        for (int i = size - 1; i >= 0; i--) {
            int x = b.get(at + i) & 0xff;
            undefined &= x == 0xff;
            v = (v << 8) | x;
        }
        return undefined || v < 0 ? -1 : v;
    }

    /** Up to {@code n} bytes at {@code position} (fewer at the end of the file), little-endian, position 0. */
    private static ByteBuffer read(FileChannel ch, long position, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            int k = ch.read(b, position + b.position());
            if (k < 0) {
                break;
            }
        }
        b.flip();
        return b;
    }
}
