package org.uneurons.nlp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import org.junit.jupiter.api.Test;

/**
 * Throughput of {@link OpenNlpTagger} on GPT-2 model tokens of real text, printed, never asserted (docs/families.md
 * has the figures). Rows are built as the demo corpus builds them: documents tokenized with GPT-2 BPE, joined with
 * {@code <|endoftext|>}, cut into rows that start with it (BOS); each token's text is its own bytes decoded as UTF-8
 * (U+FFFD for a partial character).
 *
 * <p>By default it runs on a short built-in text (a check that every row comes back whole). For the figures:
 * {@code -Dnlp.bench.text=DIR_OR_FILE} (every *.txt file under a directory, one document each, e.g. the demo
 * corpus's State of the Union and Moby-Dick texts), {@code -Dnlp.bench.ctx=512} (row length, BOS included),
 * {@code -Dnlp.bench.tokens=N} (at most N tokens), {@code -Dnlp.bench.threads=T} (one tagger per thread).
 */
class TaggerBenchmarkTest {
    static final String EOT = "<|endoftext|>";
    static final Encoding BPE = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);

    private static final String BUILT_IN = """
            Call it what you like: the harbour was full of ships that spring, and nobody in town could remember a \
            busier season. The fishermen's wives sold bread on the quay; the children ran between the barrels.

            Mr. Hale didn't think the boats would stay. "They'll leave by June," he said, "and we'll be poor again." \
            He had been wrong before—twice, in fact—but he wasn't going to admit it. In 1851 the price of oil rose \
            by 12%, and the company's ledgers (which I've read) show profits of $3,400,000.

            Cafés opened. Naïve visitors asked whether the whales were dangerous. The answer: sometimes…
            """;

    record Corpus(List<String[]> rows, long tokens) {
    }

    static List<String> documents() throws IOException {
        String where = System.getProperty("nlp.bench.text");
        if (where == null || where.isBlank()) {
            return List.of(BUILT_IN, BUILT_IN.toUpperCase(Locale.ROOT));
        }
        Path p = Path.of(where);
        if (!Files.isDirectory(p)) {
            return List.of(Files.readString(p, StandardCharsets.UTF_8));
        }
        try (Stream<Path> s = Files.walk(p)) {
            List<String> out = new ArrayList<>();
            for (Path f : s.filter(f -> f.toString().endsWith(".txt")).sorted().toList()) {
                out.add(Files.readString(f, StandardCharsets.UTF_8));
            }
            return out;
        }
    }

    static Corpus rows(List<String> documents, int ctx, long maxTokens) {
        List<String> stream = new ArrayList<>();
        for (String d : documents) {
            for (int id : BPE.encodeOrdinary(d).toArray()) {
                IntArrayList one = new IntArrayList(1);
                one.add(id);
                stream.add(new String(BPE.decodeBytes(one), StandardCharsets.UTF_8));
            }
            stream.add(EOT);
        }
        List<String[]> rows = new ArrayList<>();
        long tokens = 0;
        for (int at = 0; at < stream.size() && tokens < maxTokens; at += ctx - 1) {
            List<String> row = new ArrayList<>();
            row.add(EOT);
            row.addAll(stream.subList(at, Math.min(stream.size(), at + ctx - 1)));
            rows.add(row.toArray(String[]::new));
            tokens += row.size();
        }
        return new Corpus(rows, tokens);
    }

    static boolean[] special(String[] row) {
        boolean[] s = new boolean[row.length];
        for (int i = 0; i < row.length; i++) {
            s[i] = row[i].equals(EOT);
        }
        return s;
    }

    /** Tags rows [from, to) with one tagger; returns {tokens, pos MULTI, pos NONE, CPU nanoseconds of the thread}. */
    static long[] run(List<String[]> rows, int from, int to, int stride) {
        long[] counts = new long[4];
        long cpu0 = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        try (OpenNlpTagger tagger = OpenNlpTagger.english()) {
            for (int r = from; r < to; r += stride) {
                String[] row = rows.get(r);
                String[][] v = tagger.tag(row, special(row));
                assertEquals(tagger.tagSets().size(), v.length);
                for (int t = 0; t < row.length; t++) {
                    for (String[] set : v) {
                        assertNotNull(set[t]);
                    }
                    boolean blank = row[t].isBlank() || row[t].equals(EOT);
                    assertEquals(blank, v[0][t].equals(SequenceTagger.NONE), "NONE exactly on blank and special tokens: ["
                            + row[t] + "] in row " + r);
                    counts[1] += v[0][t].equals(SequenceTagger.MULTI) ? 1 : 0;
                    counts[2] += blank ? 1 : 0;
                }
                counts[0] += row.length;
            }
        }
        counts[3] = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpu0;
        return counts;
    }

    @Test
    void tokensPerSecond() throws Exception {
        int ctx = Integer.getInteger("nlp.bench.ctx", 512);
        long maxTokens = Long.getLong("nlp.bench.tokens", Long.MAX_VALUE);
        int threads = Integer.getInteger("nlp.bench.threads", 1);
        long t0 = System.nanoTime();
        Corpus corpus = rows(documents(), ctx, maxTokens);
        double bpeSeconds = (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        run(corpus.rows(), 0, Math.min(2, corpus.rows().size()), 1); // models loaded, JIT warmed
        double warmSeconds = (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        long[] total = new long[4];
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<long[]>> parts = new ArrayList<>();
            for (int k = 0; k < threads; k++) {
                int first = k;
                parts.add(pool.submit(() -> run(corpus.rows(), first, corpus.rows().size(), threads)));
            }
            for (Future<long[]> f : parts) {
                long[] c = f.get();
                for (int i = 0; i < 4; i++) {
                    total[i] += c[i];
                }
            }
        } finally {
            pool.shutdown();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(corpus.tokens(), total[0]);
        assertTrue(total[1] < total[0] / 5, "MULTI on " + total[1] + " of " + total[0] + " tokens");
        System.out.printf(Locale.ROOT, "sequence tagging: %d rows of <= %d tokens, %d tokens, %d thread(s): %.1f s,"
                + " %.0f tokens/s, %.0f tokens per CPU-second of the tagging threads (GPT-2 BPE %.1f s, first rows"
                + " incl. model load %.1f s); pos MULTI %.2f%%, NONE %.2f%% of tokens%n", corpus.rows().size(), ctx,
                total[0], threads, seconds, total[0] / seconds, total[0] / (total[3] / 1e9), bpeSeconds, warmSeconds,
                100.0 * total[1] / total[0], 100.0 * total[2] / total[0]);
    }
}
