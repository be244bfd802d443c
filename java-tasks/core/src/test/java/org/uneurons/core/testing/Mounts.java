package org.uneurons.core.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Small file systems for fault tests: a tmpfs of a few KB fills up (ENOSPC), a read-only one refuses writes (EROFS),
 * and an immutable directory refuses new files even to root (chattr +i). Mounting needs root with CAP_SYS_ADMIN;
 * where it is refused the test is skipped and says so in exactly one line starting with SKIP.
 */
public final class Mounts {
    private Mounts() {
    }

    /** Mounts a tmpfs on {@code dir} with {@code options} (e.g. "size=64k" or "ro,size=64k"); false when refused. */
    public static boolean tmpfs(Path dir, String options, String testCase) {
        if (run("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir.toString())) {
            return true;
        }
        System.out.println("SKIP " + testCase + ": cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)");
        return false;
    }

    /** Unmounts {@code dir}; false when it is busy (a file still open there), then it is detached lazily. */
    public static boolean unmount(Path dir) {
        if (run("umount", dir.toString())) {
            return true;
        }
        run("umount", "-l", dir.toString());
        return false;
    }

    /** Makes {@code dir} immutable (chattr +i), or returns false with one SKIP line. */
    public static boolean immutable(Path dir, String testCase) {
        if (run("chattr", "+i", dir.toString())) {
            return true;
        }
        System.out.println("SKIP " + testCase + ": chattr +i is refused here (needs root and ext4/xfs/tmpfs)");
        return false;
    }

    public static void mutable(Path dir) {
        run("chattr", "-i", dir.toString());
    }

    private static boolean run(String... command) {
        List<String> argv = new ArrayList<>(List.of(command));
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
