package org.uneurons.nlp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

/** spaCy's English stop words (resource stop-words-en.txt, MIT; its header says where they come from). */
final class StopWords {
    static final String RESOURCE = "stop-words-en.txt";
    private static final Set<String> WORDS = load();

    private StopWords() {
    }

    /** A stop word, compared in lower case with typographic apostrophes as ASCII (as spaCy's is_stop). */
    static boolean contains(String form) {
        return WORDS.contains(EnglishMorphology.normalise(form));
    }

    static int size() {
        return WORDS.size();
    }

    private static Set<String> load() {
        Set<String> out = new HashSet<>();
        try (InputStream in = StopWords.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource org/uneurons/nlp/" + RESOURCE + " is missing");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                String w = line.strip();
                if (!w.isEmpty() && !w.startsWith("#")) {
                    out.add(w);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Set.copyOf(out);
    }
}
