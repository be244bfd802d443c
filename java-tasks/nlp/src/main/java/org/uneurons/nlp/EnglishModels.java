package org.uneurons.nlp;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import opennlp.tools.lemmatizer.LemmatizerModel;
import opennlp.tools.postag.POSModel;
import opennlp.tools.sentdetect.SentenceModel;
import opennlp.tools.tokenize.TokenizerModel;

/**
 * The four OpenNLP English models (UD English EWT 1.3, for OpenNLP 2.5.4), read once per JVM from the model jars
 * on the classpath (org.apache.opennlp:opennlp-models-*-en:1.3.0). OpenNLP models are immutable and may be shared
 * by threads; the *ME tools built on them may not, so each tagger builds its own.
 */
final class EnglishModels {
    static final String SENTENCE = "opennlp-en-ud-ewt-sentence-1.3-2.5.4.bin";
    static final String TOKENS = "opennlp-en-ud-ewt-tokens-1.3-2.5.4.bin";
    static final String POS = "opennlp-en-ud-ewt-pos-1.3-2.5.4.bin";
    static final String LEMMAS = "opennlp-en-ud-ewt-lemmas-1.3-2.5.4.bin";

    final SentenceModel sentence;
    final TokenizerModel tokens;
    final POSModel pos;
    final LemmatizerModel lemmas;

    private EnglishModels() throws IOException {
        try (InputStream s = open(SENTENCE); InputStream t = open(TOKENS); InputStream p = open(POS);
                InputStream l = open(LEMMAS)) {
            sentence = new SentenceModel(s);
            tokens = new TokenizerModel(t);
            pos = new POSModel(p);
            lemmas = new LemmatizerModel(l);
        }
    }

    private static final class Holder {
        static final EnglishModels INSTANCE = load();
    }

    /** The models, loaded by the first call (thread-safe: class initialisation). */
    static EnglishModels get() {
        return Holder.INSTANCE;
    }

    private static EnglishModels load() {
        try {
            return new EnglishModels();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the OpenNLP English models from the classpath", e);
        }
    }

    private static InputStream open(String name) throws IOException {
        InputStream in = EnglishModels.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IOException("model " + name + " is not on the classpath (the jar org.apache.opennlp:"
                    + "opennlp-models-*-en:1.3.0 is missing)");
        }
        return in;
    }
}
