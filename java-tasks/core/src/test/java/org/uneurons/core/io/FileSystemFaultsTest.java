package org.uneurons.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.apache.commons.cli.Options;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.testing.Mounts;
import org.uneurons.core.testing.ToolRunner;

/**
 * A full disk, a read-only file system, an immutable directory and a refused permission, met by a tool writing an
 * HDF5 file: one line naming the path and the operating system's reason, no file and no temporary left.
 */
class FileSystemFaultsTest {
    @TempDir
    Path dir;

    /** Writes an HDF5 file of --kb kilobytes to --output. */
    static final class Fill extends Tool {
        Fill() {
            super("fill", "writes an HDF5 file");
        }

        @Override
        protected void declareOptions(Options o) {
            o.addOption(option("output", "FILE", "file to write"));
            o.addOption(option("kb", "N", "size"));
        }

        @Override
        protected int doWork(Args a) {
            Path out = a.output("output");
            double[] data = new double[a.positive("kb", 1) * 128];
            java.util.Arrays.fill(data, 1.5);
            try (AtomicOutput o = AtomicOutput.create(out)) {
                try (Hdf5Writer w = Hdf5Writer.create(o.temp())) {
                    w.dataset("data", data);
                }
                o.commit();
            }
            return EXIT_OK;
        }
    }

    private static void failsWith(Path out, String line, String... extra) throws IOException {
        List<String> argv = new java.util.ArrayList<>(List.of("--output", out.toString(), "--kb", "1024"));
        argv.addAll(List.of(extra));
        ToolRunner r = ToolRunner.run(new Fill(), argv.toArray(new String[0]));
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("fill: error: " + line + "\n", r.stderr);
        assertEquals(List.of(), OutputSetTest.listing(out.getParent()), "no file and no temporary left");
    }

    @Test
    void aFullDiskSaysNoSpaceLeftOnDeviceWithThePath() throws IOException {
        Path small = Files.createDirectories(dir.resolve("small"));
        assumeTrue(Mounts.tmpfs(small, "size=64k", "full disk (tmpfs of 64 KB)"));
        try {
            Path out = small.resolve("big.h5");
            failsWith(out, out + ": No space left on device");
        } finally {
            assertTrue(Mounts.unmount(small), "no file left open on the full disk (its blocks would stay allocated)");
        }
    }

    @Test
    void aReadOnlyFileSystemIsRefusedBeforeAnyWork() throws IOException {
        Path ro = Files.createDirectories(dir.resolve("ro"));
        assumeTrue(Mounts.tmpfs(ro, "ro,size=64k", "read-only output directory (ro tmpfs)"));
        try {
            Path out = ro.resolve("big.h5");
            failsWith(out, ro + ": Read-only file system (--output " + out + " needs a writable directory)");
        } finally {
            Mounts.unmount(ro);
        }
    }

    @Test
    void anImmutableDirectoryIsRefusedEvenToRoot() throws IOException {
        Path locked = Files.createDirectories(dir.resolve("locked"));
        assumeTrue(Mounts.immutable(locked, "immutable output directory (chattr +i)"));
        try {
            Path out = locked.resolve("big.h5");
            failsWith(out, locked + ": Operation not permitted (--output " + out + " needs a writable directory)");
        } finally {
            Mounts.mutable(locked);
        }
    }

    /** Root ignores permissions, so a refused permission is injected where the tool makes its temporary. */
    @Test
    void aRefusedPermissionNamesTheOutputNotItsTemporary() throws IOException {
        Path out = dir.resolve("big.h5");
        try (InjectedFaults f = InjectedFaults.failWriting("big.h5", new AccessDeniedException(out + ".tmp-1-0@h"))) {
            failsWith(out, out + ": Permission denied");
        }
        try (InjectedFaults f = InjectedFaults.failWriting("big.h5", new IOException("No space left on device"))) {
            failsWith(out, out + ": No space left on device");
        }
    }
}
