package org.uneurons.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.testing.ToolRunner;
import org.uneurons.formats.FilterChoice;
import org.uneurons.formats.TokenShard;

/**
 * The options that build the paper's data set (METHOD 1.3-1.4): short documents dropped (counted in characters, as
 * Python's len counts them), each group (Pile subset) cut on its own, all rows shuffled with a seed before the cap,
 * and the filter ids the shards record.
 */
class FaithfulOptionsTest {
    static final int B = TokenizeToolTest.B;
    static final Encoding BPE = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);

    @TempDir
    Path tmp;

    private Path out() {
        return tmp.resolve("out");
    }

    private static ToolRunner run(String... args) {
        return ToolRunner.run(new TokenizeTool(), args);
    }

    private Path jsonl(String name, String... lines) throws IOException {
        return Files.writeString(tmp.resolve(name), String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    }

    private static String doc(String text) {
        return "{\"text\": \"" + text + "\"}";
    }

    private static String doc(String text, String subset) {
        return "{\"text\": \"" + text + "\", \"meta\": {\"pile_set_name\": \"" + subset + "\"}}";
    }

    /** Every row of every shard, in order. */
    private List<int[]> rows() throws IOException {
        List<int[]> rows = new ArrayList<>();
        try (Stream<Path> s = Files.list(out())) {
            for (Path f : s.sorted().toList()) {
                rows.addAll(Arrays.asList(TokenShard.read(f).tokens()));
            }
        }
        return rows;
    }

    private List<String> outputFiles() throws IOException {
        try (Stream<Path> s = Files.list(out())) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static int[] ids(String text) {
        return BPE.encodeOrdinary(text).toArray();
    }

    @Test
    void documentsOfFiftyCharactersOrFewerAreDropped() throws IOException {
        String fifty = "x".repeat(50);
        String fiftyOne = "y".repeat(51);
        // 26 emoji are 52 UTF-16 units but 26 characters: dropped, as Python's len() counts
        String emoji = "\uD83D\uDE42".repeat(26);
        Path in = jsonl("docs.jsonl", doc(fifty), doc(fiftyOne), doc(emoji), doc(fiftyOne));
        ToolRunner r = run("--input", in.toString(), "--min-doc-chars", "51", "--ctx", "2", "--outdir", out().toString(),
                "--name", "t");
        assertEquals(0, r.exitCode, r.toString());
        List<Integer> stream = new ArrayList<>();
        for (int[] row : rows()) {
            assertEquals(B, row[0]);
            stream.add(row[1]);
        }
        List<Integer> want = new ArrayList<>();
        Arrays.stream(ids(fiftyOne)).forEach(want::add);
        want.add(B);
        Arrays.stream(ids(fiftyOne)).forEach(want::add);
        assertEquals(want, stream, "the two 51-character documents joined by EOS, nothing of the others");
        assertTrue(r.stdout.endsWith("; dropped 2 of 4 documents shorter than 51 characters\n"), r.stdout);
        // by default every document is kept
        r = run("--input", in.toString(), "--ctx", "2", "--outdir", out().toString(), "--name", "t");
        assertEquals(0, r.exitCode, r.toString());
        assertFalse(r.stdout.contains("documents"), r.stdout);
        assertTrue(rows().size() > want.size());
    }

    @Test
    void shuffledRowsAreASeededPermutationOfAllRowsThenCapped() throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            lines.add(doc("Document number " + i + " says hello to the world."));
        }
        Path in = jsonl("docs.jsonl", lines.toArray(new String[0]));
        String[] base = {"--input", in.toString(), "--ctx", "8", "--seqs-per-shard", "7", "--outdir", out().toString(),
            "--name", "t"};
        assertEquals(0, run(base).exitCode);
        List<int[]> plain = rows();
        int n = plain.size();
        assertTrue(n > 20, "rows: " + n);
        // the documented permutation: Random(seed), Fisher-Yates from the end
        int[] perm = new int[n];
        Arrays.setAll(perm, i -> i);
        Random rnd = new Random(7);
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        ToolRunner r = run(concat(base, "--shuffle-seed", "7"));
        assertEquals(0, r.exitCode, r.toString());
        List<int[]> shuffled = rows();
        assertEquals(n, shuffled.size());
        for (int k = 0; k < n; k++) {
            assertArrayEquals(plain.get(perm[k]), shuffled.get(k), "row " + k);
        }
        assertTrue(r.stdout.contains("; shuffled all " + n + " rows with seed 7\n"), r.stdout);
        // the cap takes the first rows of the permutation, not of the input; no spool file is left behind
        r = run(concat(base, "--shuffle-seed", "7", "--max-tokens", "80"));
        assertEquals(0, r.exitCode, r.toString());
        List<int[]> capped = rows();
        assertEquals(10, capped.size());
        for (int k = 0; k < 10; k++) {
            assertArrayEquals(plain.get(perm[k]), capped.get(k), "row " + k);
        }
        assertTrue(r.stdout.contains("; shuffled all " + n + " rows with seed 7 and kept the first 10"), r.stdout);
        assertEquals(List.of("t.00000.h5", "t.00001.h5"), outputFiles());
        // another seed, another order
        assertEquals(0, run(concat(base, "--shuffle-seed", "8", "--max-tokens", "80")).exitCode);
        List<int[]> other = rows();
        boolean differs = false;
        for (int k = 0; k < 10; k++) {
            differs |= !Arrays.equals(capped.get(k), other.get(k));
        }
        assertTrue(differs);
    }

    @Test
    void eachGroupIsCutOnItsOwn() throws IOException {
        Path in = jsonl("pile.jsonl", doc("Hello world", "a"), doc(" the", "b"), doc("Hello world", "a"),
                doc(" the the", "b"));
        ToolRunner r = run("--input", in.toString(), "--group-field", "meta.pile_set_name", "--ctx", "3",
                "--outdir", out().toString(), "--name", "t");
        assertEquals(0, r.exitCode, r.toString());
        int hello = TokenizeToolTest.HELLO;
        int world = TokenizeToolTest.WORLD;
        int the = TokenizeToolTest.THE;
        // a: Hello world EOS Hello world -> [Hello world] [EOS Hello], "world" left over
        // b: the EOS the the -> [the EOS] [the the]; rows are written as they are completed
        List<int[]> rows = rows();
        assertEquals(4, rows.size());
        assertArrayEquals(new int[] {B, hello, world}, rows.get(0));
        assertArrayEquals(new int[] {B, B, hello}, rows.get(1));
        assertArrayEquals(new int[] {B, the, B}, rows.get(2));
        assertArrayEquals(new int[] {B, the, the}, rows.get(3));
        assertTrue(r.stdout.contains("; dropped 1 tokens (the incomplete last rows of 2 groups)"), r.stdout);
        Path bad = jsonl("bad.jsonl", doc("Hello world", "a"), doc("no group"));
        r = run("--input", bad.toString(), "--group-field", "meta.pile_set_name", "--ctx", "3", "--outdir",
                out().toString(), "--name", "u");
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("tokenize: error: " + bad + ": line 2 has no string field 'meta.pile_set_name' (--group-field)",
                r.errorLine());
    }

    @Test
    void filterIdsAreRecordedAsGiven() throws IOException {
        Path ids = tmp.resolve("ids.bin");
        byte[] b = new byte[2 * 12];
        for (int i = 0; i < 12; i++) {
            b[2 * i] = (byte) (i * 20);
        }
        Files.write(ids, b);
        String[] base = {"--input", ids.toString(), "--vocab-size", "50304", "--bos-id", "0", "--eos-id", "0",
            "--ctx", "4", "--outdir", out().toString(), "--name", "t"};
        assertEquals(0, run(base).exitCode);
        assertEquals("0", FilterChoice.describe(TokenShard.read(out().resolve("t.00000.h5")).filter()),
                "without --filter-ids: the pad/BOS/EOS id only, no newline id for a vocabulary the tool does not know");
        ToolRunner r = run(concat(base, "--filter-ids", "187,0"));
        assertEquals(0, r.exitCode, r.toString());
        assertEquals("0,187", FilterChoice.describe(TokenShard.read(out().resolve("t.00000.h5")).filter()));
        assertTrue(r.stdout.endsWith("; filter_ids 0,187\n"), r.stdout);
        assertEquals(0, run(concat(base, "--filter-ids", "none")).exitCode);
        assertEquals("none", FilterChoice.describe(TokenShard.read(out().resolve("t.00000.h5")).filter()));
    }

    @Test
    void commandLineErrors() throws IOException {
        Path text = jsonl("d.jsonl", doc("Hello world"));
        Path txt = Files.writeString(tmp.resolve("d.txt"), "Hello world");
        Path ids = Files.write(tmp.resolve("ids.bin"), new byte[8]);
        String o = out().toString();
        String[][] cases = {
            {"--input", ids.toString(), "--min-doc-chars", "51", "--outdir", o, "--name", "t"},
            {"--input", txt.toString(), "--group-field", "meta.pile_set_name", "--outdir", o, "--name", "t"},
            {"--input", text.toString(), "--min-doc-chars", "-1", "--outdir", o, "--name", "t"},
            {"--input", text.toString(), "--filter-ids", "198,x", "--outdir", o, "--name", "t"},
            {"--input", text.toString(), "--filter-ids", "50257", "--outdir", o, "--name", "t"},
            {"--input", text.toString(), "--shuffle-seed", "one", "--outdir", o, "--name", "t"},
        };
        String[] want = {
            "--min-doc-chars applies to text documents; id inputs (.npy, .bin) are tokens already (drop short documents"
                + " before tokenizing them)",
            "--group-field needs .jsonl inputs (a .txt file is one document without fields)",
            "--min-doc-chars expects 0 (keep every document) or a positive integer, got -1",
            "--filter-ids expects comma-separated token ids, got 'x'",
            "--filter-ids: token id 50257 is outside the vocabulary [0, 50257)",
            "--shuffle-seed expects an integer, got 'one'",
        };
        for (int i = 0; i < cases.length; i++) {
            ToolRunner r = run(cases[i]);
            assertEquals(2, r.exitCode, r.toString());
            assertEquals("tokenize: error: " + want[i], r.errorLine());
        }
        assertFalse(Files.exists(out()) && !outputFiles().isEmpty());
    }

    private static String[] concat(String[] a, String... b) {
        String[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
