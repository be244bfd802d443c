package org.uneurons.core.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.jar.Manifest;

/** Version and git commit of the jar a class was loaded from, as written by the build into its manifest. */
public final class Version {
    private Version() {
    }

    /** "0.1.0 (commit abc123)", or "dev (not from a jar)" when run from classes (tests, IDE). */
    public static String describe(Class<?> cls) {
        Manifest m = manifest(cls);
        if (m == null) {
            return "dev (not from a jar)";
        }
        String v = m.getMainAttributes().getValue("Implementation-Version");
        String c = m.getMainAttributes().getValue("Git-Commit");
        return (v == null ? "unknown" : v) + " (commit " + (c == null ? "unknown" : c) + ")";
    }

    /** Just the version string ("0.1.0", or "dev"). */
    public static String version(Class<?> cls) {
        Manifest m = manifest(cls);
        String v = m == null ? null : m.getMainAttributes().getValue("Implementation-Version");
        return v == null ? "dev" : v;
    }

    private static Manifest manifest(Class<?> cls) {
        URL self = cls.getResource(cls.getSimpleName() + ".class");
        if (self == null || !"jar".equals(self.getProtocol())) {
            return null;
        }
        String s = self.toString();
        String manifestUrl = s.substring(0, s.indexOf('!') + 1) + "/META-INF/MANIFEST.MF";
        try (InputStream in = new URL(manifestUrl).openStream()) {
            return new Manifest(in);
        } catch (IOException e) {
            return null;
        }
    }
}
