package org.uneurons.models;

import java.util.Locale;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * Process-level settings for PyTorch on CPU that must be in place before the engine starts.
 *
 * <p>Transparent huge pages: PyTorch maps every large CPU tensor freshly from the OS and faults it in page by
 * page; with 4 KB pages the faults of a forward pass's scratch tensors cost as much as its GEMMs. PyTorch backs
 * allocations of 2 MB and more with huge pages when THP_MEM_ALLOC_ENABLE=1 is in its environment (read once, at
 * its first allocation). Tools call {@link #preferHugePages()} before touching the engine; a value already in the
 * environment (including 0) is respected.
 */
public final class NativeTuning {
    private NativeTuning() {
    }

    private interface LibC extends Library {
        int setenv(String name, String value, int overwrite);
    }

    /** True if THP_MEM_ALLOC_ENABLE is now set for this process (by us or by the caller's environment). */
    public static synchronized boolean preferHugePages() {
        if (System.getenv("THP_MEM_ALLOC_ENABLE") != null) {
            return true;
        }
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return false;
        }
        try {
            LibC c = Native.load("c", LibC.class);
            // overwrite 0: never override a value set after the JVM started
            return c.setenv("THP_MEM_ALLOC_ENABLE", "1", 0) == 0;
        } catch (LinkageError | RuntimeException e) {
            return false; // a performance setting only
        }
    }
}
