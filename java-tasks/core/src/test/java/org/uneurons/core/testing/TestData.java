package org.uneurons.core.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates java-tasks/testdata (the project's own copies of fixtures), whichever module's tests ask. */
public final class TestData {
    private TestData() {
    }

    public static Path root() {
        String prop = System.getProperty("testdata.dir");
        if (prop != null) {
            return Path.of(prop);
        }
        // Fallback for IDE runs: walk up from the working directory.
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            Path t = p.resolve("testdata");
            if (Files.isDirectory(t.resolve("hf"))) {
                return t;
            }
            t = p.resolve("java-tasks/testdata");
            if (Files.isDirectory(t.resolve("hf"))) {
                return t;
            }
            p = p.getParent();
        }
        throw new IllegalStateException("java-tasks/testdata not found; set -Dtestdata.dir");
    }

    /** A Hugging Face reference fixture directory, e.g. {@code hf("gpt2-tiny")}. */
    public static Path hf(String name) {
        return root().resolve("hf").resolve(name);
    }
}
