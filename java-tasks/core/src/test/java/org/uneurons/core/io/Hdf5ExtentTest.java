package org.uneurons.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.dataset.ContiguousDataset;
import io.jhdf.checksum.ChecksumUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.cli.InputException;

/**
 * {@link Hdf5Extent} beyond the formats' own cases (TruncatedFilesTest in formats): a file behind a user block, whose
 * superblock addresses are relative to its base address, and a file whose end-of-file address is undefined, where
 * only the extent of a contiguous dataset shows the cut. The superblocks are edited by hand (offsets from the HDF5
 * specification, section II.A, version 2: base address at byte 12, end-of-file address at byte 28, checksum at 44).
 */
class Hdf5ExtentTest {
    @TempDir
    Path tmp;

    /** A jhdf file with one int32 dataset of 4096 values, 0..4095. */
    private Path file() {
        Path f = tmp.resolve("plain.h5");
        int[] v = new int[4096];
        for (int i = 0; i < v.length; i++) {
            v[i] = i;
        }
        try (WritableHdfFile h = HdfFile.write(f)) {
            h.putAttribute("a", "b");
            h.putDataset("values", v);
        }
        return f;
    }

    /** The superblock (48 bytes) with one 8-byte address replaced and its checksum recomputed. */
    private static byte[] patch(byte[] file, int at, long address) {
        byte[] out = file.clone();
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(at, address);
        b.putInt(44, ChecksumUtils.checksum(Arrays.copyOf(out, 44)));
        return out;
    }

    @Test
    void aFileBehindAUserBlockIsMeasuredFromItsBaseAddress() throws IOException {
        byte[] plain = Files.readAllBytes(file());
        byte[] withBase = patch(plain, 12, 512);
        byte[] ub = new byte[512 + plain.length];
        System.arraycopy(withBase, 0, ub, 512, plain.length);
        Path f = tmp.resolve("userblock.h5");
        Files.write(f, ub);
        try (Hdf5Reader r = Hdf5Reader.open(f)) {
            assertEquals(4095, r.ints("/values", 4096, "test")[4095], "the complete file reads");
        }
        Path cut = tmp.resolve("userblock-cut.h5");
        Files.write(cut, Arrays.copyOf(ub, ub.length - 100));
        InputException e = assertThrows(InputException.class, () -> Hdf5Reader.open(cut));
        assertEquals(cut + ": truncated: " + (ub.length - 100) + " bytes, its datasets need at least " + ub.length
                + " (an interrupted copy or write?)", e.getMessage());
        Path inSuperblock = tmp.resolve("userblock-superblock.h5");
        Files.write(inSuperblock, Arrays.copyOf(ub, 512 + 30));
        e = assertThrows(InputException.class, () -> Hdf5Reader.open(inSuperblock));
        assertEquals(inSuperblock + ": truncated: 542 bytes, its superblock needs at least 560 (an interrupted copy or"
                + " write?)", e.getMessage());
    }

    @Test
    void withoutAnEndOfFileAddressAContiguousDatasetPastTheEndIsTheCut() throws IOException {
        Path f = file();
        long address;
        long bytes;
        try (HdfFile h = new HdfFile(f)) {
            ContiguousDataset d = (ContiguousDataset) h.getDatasetByPath("/values");
            address = d.getDataAddress();
            bytes = d.getSizeInBytes();
        }
        assertEquals(4096 * 4, bytes);
        byte[] undefined = patch(Files.readAllBytes(f), 28, -1L);
        Path whole = tmp.resolve("no-eof.h5");
        Files.write(whole, undefined);
        try (Hdf5Reader r = Hdf5Reader.open(whole)) {
            int[] v = r.ints("/values", 4096, "test");
            assertEquals(4095, v[4095], "nothing to compare, nothing refused");
        }
        // the dataset's bytes are the last thing jhdf writes here: cut inside them, the metadata is still whole
        long cutAt = address + bytes / 2;
        Path cut = tmp.resolve("no-eof-cut.h5");
        Files.write(cut, Arrays.copyOf(undefined, (int) cutAt));
        try (Hdf5Reader r = Hdf5Reader.open(cut)) {
            InputException e = assertThrows(InputException.class, () -> r.ints("/values", 4096, "test"));
            assertEquals(cut + ": truncated: " + cutAt + " bytes, its datasets need at least " + (address + bytes)
                    + " (an interrupted copy or write?)", e.getMessage());
        }
    }

    @Test
    void filesThatAreNotHdf5AreLeftToJhdf() throws IOException {
        Path text = tmp.resolve("text.h5");
        Files.writeString(text, "not an HDF5 file at all, but long enough to hold a superblock and more: ........");
        Hdf5Extent.check(text);
        Path tiny = tmp.resolve("tiny.h5");
        Files.write(tiny, new byte[] {1, 2, 3});
        Hdf5Extent.check(tiny);
        assertArrayEquals(new byte[] {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'}, Hdf5Extent.SIGNATURE);
    }
}
