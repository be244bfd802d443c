package org.uneurons.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.formats.FilterChoice;
import org.uneurons.formats.TokenShard;
import org.uneurons.core.testing.ToolRunner;

class TokenizeToolTest {
    static final int B = 50256; // GPT-2 <|endoftext|>, used as BOS and EOS
    static final int HELLO = 15496;
    static final int WORLD = 995;  // " world"
    static final int THE = 262;    // " the"

    @TempDir
    Path tmp;

    private Path out() {
        return tmp.resolve("out");
    }

    private Path text(String name, String content) throws IOException {
        return Files.writeString(tmp.resolve(name), content, StandardCharsets.UTF_8);
    }

    private ToolRunner run(String... args) {
        return ToolRunner.run(new TokenizeTool(), args);
    }

    private List<String> args(String... a) {
        return new ArrayList<>(List.of(a));
    }

    private ToolRunner run(List<String> a) {
        return run(a.toArray(new String[0]));
    }

    private int[][] shard(int i) {
        return TokenShard.read(out().resolve(ShardWriter.shardName("t", i))).tokens();
    }

    private List<String> outputFiles() throws IOException {
        if (!Files.isDirectory(out())) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(out())) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static Path resource(String name) {
        try {
            return Path.of(TokenizeToolTest.class.getResource("/npy/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void gpt2IdsOfKnownText() {
        Encoding bpe = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
        assertArrayEquals(new int[] {HELLO, WORLD}, bpe.encodeOrdinary("Hello world").toArray());
        assertArrayEquals(new int[] {THE}, bpe.encodeOrdinary(" the").toArray());
        // the special token's text inside a document stays ordinary text
        int[] special = bpe.encodeOrdinary("<|endoftext|>").toArray();
        assertTrue(special.length > 1);
        for (int id : special) {
            assertTrue(id != B);
        }
        String unicode = "naïve café — “quotes” 日本語 🙂\u00a0\u2028end";
        assertEquals(unicode, bpe.decode(bpe.encodeOrdinary(unicode)));
    }

    /**
     * Each GPT-2 token's exact bytes travel with the shard: joined over a row they give the input text back (EOS as
     * the text of {@code <|endoftext|>}), characters whose bytes GPT-2 splits over two tokens included, where the
     * per-token text of each piece would be U+FFFD.
     */
    @Test
    void tokenBytesJoinedGiveTheTextBackCharactersSplitOverTokensIncluded() throws IOException {
        Encoding bpe = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
        String a = "Café naïve façade, Ünïcödé Ωmega — 日本語のテキスト 中文字符 한국어 😀🦜🧠 end";
        String b = " ßtraße 👩‍👩‍👧 ✓";
        int n = bpe.encodeOrdinary(a).size() + 1 + bpe.encodeOrdinary(b).size();
        Path in = text("u.jsonl", "{\"text\": \"" + a + "\"}\n{\"text\": \"" + b + "\"}\n");
        ToolRunner r = run("--input", in.toString(), "--ctx", Integer.toString(n + 1), "--outdir", out().toString(),
                "--name", "t");
        assertEquals(0, r.exitCode, r.toString());
        Path shard = out().resolve("t.00000.h5");
        byte[][] bytes = TokenShard.readVocabBytes(shard);
        assertEquals(50257, bytes.length);
        int[] row = shard(0)[0];
        assertEquals(n + 1, row.length);
        java.io.ByteArrayOutputStream joined = new java.io.ByteArrayOutputStream();
        int fragments = 0;
        for (int t = 1; t < row.length; t++) {
            joined.writeBytes(bytes[row[t]]);
            fragments += wholeUtf8(bytes[row[t]]) ? 0 : 1;
        }
        assertTrue(fragments >= 4, "the text must split characters over tokens; fragments: " + fragments);
        assertEquals(a + "<|endoftext|>" + b, new String(joined.toByteArray(), StandardCharsets.UTF_8));
        assertArrayEquals((a + "<|endoftext|>" + b).getBytes(StandardCharsets.UTF_8), joined.toByteArray());
    }

    private static boolean wholeUtf8(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(b));
            return true;
        } catch (java.nio.charset.CharacterCodingException e) {
            return false;
        }
    }

    @Test
    void oneTxtDocumentBecomesBosRows() throws IOException {
        Path in = text("hello.txt", "Hello world");
        ToolRunner r = run("--input", in.toString(), "--ctx", "3", "--outdir", out().toString(), "--name", "t");
        assertEquals(0, r.exitCode, r.toString());
        assertArrayEquals(new int[][] {{B, HELLO, WORLD}}, shard(0));
        TokenShard s = TokenShard.read(out().resolve("t.00000.h5"));
        assertEquals(new TokenShard.Meta("gpt2", 50257, B, B, "hello.txt"), s.meta());
        assertEquals("wrote 1 rows of 3 tokens (3 tokens) in 1 shard to " + out() + "\n", r.stdout);
        assertEquals("", r.stderr);
    }

    @Test
    void documentsAreJoinedByEosAndCutIntoShards() throws IOException {
        Path in = text("docs.jsonl", "{\"text\": \"Hello world\", \"id\": 1}\n\n{\"text\": \" the\"}\r\n{\"text\": \"Hello world\"}\n");
        ToolRunner r = run("--input", in.toString(), "--ctx", "3", "--seqs-per-shard", "2", "--outdir", out().toString(),
                "--name", "t");
        assertEquals(0, r.exitCode, r.toString());
        // stream: Hello world EOS the EOS Hello world -> pieces of 2, the last piece (world) dropped
        assertArrayEquals(new int[][] {{B, HELLO, WORLD}, {B, B, THE}}, shard(0));
        assertArrayEquals(new int[][] {{B, B, HELLO}}, shard(1));
        assertEquals(List.of("t.00000.h5", "t.00001.h5"), outputFiles());
        assertEquals("wrote 3 rows of 3 tokens (9 tokens) in 2 shards to " + out()
                + "; dropped the last 1 tokens (an incomplete row)\n", r.stdout);
    }

    @Test
    void filesContinueOneStreamWithEosBetweenThem() throws IOException {
        Path a = text("a.txt", "Hello world");
        Path b = text("b.jsonl", "{\"body\": \" the\"}\n");
        ToolRunner r = run("--input", a.toString(), "--input", b.toString(), "--text-field", "body", "--ctx", "5",
                "--outdir", out().toString(), "--name", "t");
        assertEquals(0, r.exitCode, r.toString());
        assertArrayEquals(new int[][] {{B, HELLO, WORLD, B, THE}}, shard(0));
        assertEquals("a.txt,b.jsonl", TokenShard.read(out().resolve("t.00000.h5")).meta().source());
    }

    @Test
    void maxTokensCapsWholeRows() throws IOException {
        Path in = text("docs.jsonl", "{\"text\": \"Hello world\"}\n{\"text\": \" the\"}\n{\"text\": \"Hello world\"}\n");
        ToolRunner r = run("--input", in.toString(), "--ctx", "3", "--max-tokens", "8", "--outdir", out().toString(),
                "--name", "t");
        assertEquals(0, r.exitCode, r.toString());
        assertArrayEquals(new int[][] {{B, HELLO, WORLD}, {B, B, THE}}, shard(0));
        assertEquals("wrote 2 rows of 3 tokens (6 tokens) in 1 shard to " + out() + "\n", r.stdout);
    }

    @Test
    void staleShardsOfAnEarlierRunAreRemoved() throws IOException {
        Path in = text("hello.txt", "Hello world");
        Files.createDirectories(out());
        Files.writeString(out().resolve("t.00003.h5"), "old");
        Files.writeString(out().resolve("other.00003.h5"), "not ours");
        ToolRunner r = run("--input", in.toString(), "--ctx", "3", "--outdir", out().toString(), "--name", "t");
        assertEquals(0, r.exitCode, r.toString());
        assertEquals(List.of("other.00003.h5", "t.00000.h5"), outputFiles());
        assertEquals("tokenize: removed " + out().resolve("t.00003.h5")
                + " (a shard of an earlier run under the same name)\n", r.stderr);
    }

    // ---- id imports ----

    @Test
    void npyInt32StreamIsCutLikeText() {
        ToolRunner r = run("--input", resource("stream_i4.npy").toString(), "--ctx", "3", "--outdir", out().toString(),
                "--name", "t");
        assertEquals(0, r.exitCode, r.toString());
        assertArrayEquals(new int[][] {{B, HELLO, WORLD}, {B, B, THE}, {B, B, HELLO}}, shard(0));
        assertEquals(new TokenShard.Meta("gpt2", 50257, B, B, "stream_i4.npy"), TokenShard.read(out().resolve("t.00000.h5")).meta());
    }

    @Test
    void npyInt64RowsAreTakenAsTheyAre() {
        ToolRunner r = run("--input", resource("rows_i8.npy").toString(), "--ctx", "4", "--outdir", out().toString(),
                "--name", "t");
        assertEquals(0, r.exitCode, r.toString());
        assertArrayEquals(new int[][] {{B, 1, 2, 3}, {B, 4, 5, 6}}, shard(0));
    }

    @Test
    void npyUint16AndNanoGptBinWithAnotherVocabulary() {
        ToolRunner r = run("--input", resource("stream_u2.npy").toString(), "--input", resource("train.bin").toString(),
                "--ctx", "4", "--vocab-size", "50304", "--bos-id", "0", "--outdir", out().toString(), "--name", "t");
        assertEquals(0, r.exitCode, r.toString());
        // one stream across the files: 1 2 3 4 5 7 8 9 50256
        assertArrayEquals(new int[][] {{0, 1, 2, 3}, {0, 4, 5, 7}, {0, 8, 9, 50256}}, shard(0));
        assertEquals(new TokenShard.Meta("external", 50304, 0, -1, "stream_u2.npy,train.bin"),
                TokenShard.read(out().resolve("t.00000.h5")).meta());
        assertNull(TokenShard.readVocabBytes(out().resolve("t.00000.h5")), "an unknown vocabulary has no token bytes");
    }

    @Test
    void binDefaultsToGpt2() {
        ToolRunner r = run("--input", resource("train.bin").toString(), "--ctx", "2", "--outdir", out().toString(),
                "--name", "t");
        assertEquals(0, r.exitCode, r.toString());
        assertArrayEquals(new int[][] {{B, 7}, {B, 8}, {B, 9}, {B, B}}, shard(0));
        assertEquals("(", new String(TokenShard.readVocabBytes(out().resolve("t.00000.h5"))[7], StandardCharsets.UTF_8),
                "GPT-2 ids get GPT-2's token bytes");
    }

    /** A .npy version 1 file written here, for values NumPy fixtures do not cover. */
    private Path npy(String name, String descr, String shape, long... values) throws IOException {
        int size = descr.endsWith("8") ? 8 : descr.endsWith("4") ? 4 : 2;
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int total = 10 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + values.length * size).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.ISO_8859_1));
        for (long v : values) {
            switch (size) {
                case 8 -> b.putLong(v);
                case 4 -> b.putInt((int) v);
                default -> b.putShort((short) v);
            }
        }
        return Files.write(tmp.resolve(name), b.array());
    }

    @Test
    void idsOutsideTheVocabularyAreRejectedWithTheirPosition() throws IOException {
        long[] ids = new long[1300];
        ids[1234] = 50311;
        Path x = npy("x.npy", "<i4", "(1300,)", ids);
        ToolRunner r = run("--input", x.toString(), "--ctx", "8", "--outdir", out().toString(), "--name", "t");
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("tokenize: error: " + x + ": token id 50311 at index 1234 is outside the vocabulary [0, 50257)\n",
                r.stderr);
        Path y = npy("y.npy", "<i8", "(2, 3)", 1, 2, 3, 4, 5, -7);
        r = run("--input", y.toString(), "--ctx", "3", "--outdir", out().toString(), "--name", "t");
        assertEquals("tokenize: error: " + y + ": token id -7 at index [1, 2] is outside the vocabulary [0, 50257)",
                r.errorLine());
        Path z = npy("z.npy", "<u2", "(4,)", 1, 2, 3, 99);
        r = run("--input", z.toString(), "--ctx", "2", "--vocab-size", "99", "--bos-id", "0", "--outdir",
                out().toString(), "--name", "t");
        assertEquals("tokenize: error: " + z + ": token id 99 at index 3 is outside the vocabulary [0, 99)",
                r.errorLine());
        assertEquals(List.of(), outputFiles(), "a failed run leaves no shard behind");
    }

    @Test
    void aFailureLaterInTheInputRemovesTheShardsAlreadyWritten() throws IOException {
        Path good = npy("good.npy", "<i4", "(6,)", 1, 2, 3, 4, 5, 6);
        Path bad = npy("bad.npy", "<i4", "(2,)", 1, 60000);
        ToolRunner r = run("--input", good.toString(), "--input", bad.toString(), "--ctx", "2", "--seqs-per-shard", "2",
                "--outdir", out().toString(), "--name", "t");
        assertEquals(1, r.exitCode);
        assertEquals("tokenize: error: " + bad + ": token id 60000 at index 1 is outside the vocabulary [0, 50257)",
                r.errorLine());
        assertEquals(List.of(), outputFiles());
    }

    @Test
    void badNpyFiles() throws IOException {
        String[][] cases = {
            {"floats_f4.npy", ": .npy dtype '<f4' is not supported (expected little-endian int32, int64 or uint16: '<i4', '<i8', '<u2')"},
            {"big_endian.npy", ": .npy dtype '>i4' is not supported (expected little-endian int32, int64 or uint16: '<i4', '<i8', '<u2')"},
            {"cube_i4.npy", ": .npy array has shape (2, 2, 2), expected a 1-D id stream or 2-D rows [n, ctx]"},
            {"fortran_i4.npy", ": .npy array is in Fortran (column-major) order; save it in C order"},
        };
        for (String[] c : cases) {
            Path p = resource(c[0]);
            ToolRunner r = run("--input", p.toString(), "--ctx", "3", "--outdir", out().toString(), "--name", "t");
            assertEquals(1, r.exitCode, r.toString());
            assertEquals("tokenize: error: " + p + c[1] + "\n", r.stderr);
        }
        Path notNpy = text("fake.npy", "just text");
        ToolRunner r = run("--input", notNpy.toString(), "--outdir", out().toString(), "--name", "t");
        assertEquals(1, r.exitCode);
        assertEquals("tokenize: error: " + notNpy + ": not a .npy file (it does not start with \\x93NUMPY)", r.errorLine());
        Path truncated = npy("trunc.npy", "<i4", "(10,)", 1, 2, 3);
        r = run("--input", truncated.toString(), "--outdir", out().toString(), "--name", "t");
        assertEquals("tokenize: error: " + truncated + ": .npy data is 12 bytes but shape (10,) of <i4 needs 40",
                r.errorLine());
        String dict = "{'descr': '<i4', 'fortran_order': False}\n";
        byte[] noShape = ("\u0093NUMPY\u0001\u0000" + (char) dict.length() + "\u0000" + dict).getBytes(StandardCharsets.ISO_8859_1);
        Path np = Files.write(tmp.resolve("noshape.npy"), noShape);
        r = run("--input", np.toString(), "--outdir", out().toString(), "--name", "t");
        assertEquals("tokenize: error: " + np + ": .npy header is not a dict with descr, fortran_order and shape: "
                + "{'descr': '<i4', 'fortran_order': False}", r.errorLine());
        byte[] v9 = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 9, 0, 0, 0, 0, 0};
        Path future = Files.write(tmp.resolve("v9.npy"), v9);
        r = run("--input", future.toString(), "--outdir", out().toString(), "--name", "t");
        assertEquals("tokenize: error: " + future + ": unsupported .npy format version 9 (expected 1, 2 or 3)",
                r.errorLine());
        Path rows = resource("rows_i8.npy");
        r = run("--input", rows.toString(), "--ctx", "1024", "--outdir", out().toString(), "--name", "t");
        assertEquals(1, r.exitCode);
        assertEquals("tokenize: error: " + rows + ": rows have 4 tokens but --ctx is 1024", r.errorLine());
        Path odd = Files.write(tmp.resolve("odd.bin"), new byte[] {1, 0, 2});
        r = run("--input", odd.toString(), "--outdir", out().toString(), "--name", "t");
        assertEquals("tokenize: error: " + odd + ": 3 bytes is not a whole number of uint16 token ids (.bin)",
                r.errorLine());
    }

    @Test
    void oneDimensionalStreamOfAnotherVocabularyNeedsBos() {
        Path p = resource("stream_u2.npy");
        ToolRunner r = run("--input", p.toString(), "--vocab-size", "50304", "--outdir", out().toString(), "--name", "t");
        assertEquals(2, r.exitCode);
        assertEquals("tokenize: error: " + p + ": a 1-D id stream is cut into rows that start with BOS; give --bos-id "
                + "for --vocab-size 50304\n", r.stderr);
    }

    // ---- bad text and command lines ----

    @Test
    void emptyInputIsAnError() throws IOException {
        Path e = text("empty.txt", "");
        Path s = text("short.txt", "Hello world");
        ToolRunner r = run("--input", e.toString(), "--input", s.toString(), "--outdir", out().toString(), "--name", "t");
        assertEquals(1, r.exitCode);
        assertEquals("tokenize: error: " + e + ", " + s + ": no complete row of --ctx 1024 tokens (the input gave 3 "
                + "tokens; a row is BOS + 1023)\n", r.stderr);
        assertEquals(List.of(), outputFiles());
        Path blank = text("blank.jsonl", "\n\n");
        r = run("--input", blank.toString(), "--ctx", "4", "--outdir", out().toString(), "--name", "t");
        assertEquals("tokenize: error: " + blank + ": no complete row of --ctx 4 tokens (the input gave 0 tokens; a row "
                + "is BOS + 3)", r.errorLine());
    }

    @Test
    void badJsonlLines() throws IOException {
        String[][] cases = {
            {"{\"text\": \"ok\"}\n{\"text\": \"unterminated\n", ": line 2 is not valid JSON"},
            {"[1, 2]\n", ": line 1 is not a JSON object"},
            {"{\"text\": \"ok\"}\n\n{\"body\": \"x\"}\n", ": line 3 has no string field 'text' (set --text-field)"},
            {"{\"text\": 5}\n", ": line 1 has no string field 'text' (set --text-field)"},
        };
        for (String[] c : cases) {
            Path p = text("bad.jsonl", c[0]);
            ToolRunner r = run("--input", p.toString(), "--ctx", "2", "--outdir", out().toString(), "--name", "t");
            assertEquals(1, r.exitCode, r.toString());
            assertEquals("tokenize: error: " + p + c[1] + "\n", r.stderr);
        }
        Path latin1 = Files.write(tmp.resolve("latin1.txt"), new byte[] {'c', 'a', 'f', (byte) 0xE9});
        ToolRunner r = run("--input", latin1.toString(), "--outdir", out().toString(), "--name", "t");
        assertEquals(1, r.exitCode);
        assertEquals("tokenize: error: " + latin1 + ": not valid UTF-8 text", r.errorLine());
    }

    @Test
    void commandLineErrors() throws IOException {
        Path in = text("hello.txt", "Hello world");
        String o = out().toString();
        Object[][] cases = {
            {args("--input", in.toString(), "--outdir", o, "--name", "t", "--colour", "red"), 2,
                "tokenize: error: unrecognized option: --colour (see --help)"},
            {args("--outdir", o, "--name", "t"), 2, "tokenize: error: missing required option --input (see --help)"},
            {args("--input", in.toString(), "--name", "t"), 2,
                "tokenize: error: missing required option --outdir (see --help)"},
            {args("--input", tmp.resolve("data.csv").toString(), "--outdir", o, "--name", "t"), 2,
                "tokenize: error: " + tmp.resolve("data.csv") + ": unknown input format (expected .txt, .jsonl, .npy or "
                    + ".bin, or give --format)"},
            {args("--input", in.toString(), "--format", "csv", "--outdir", o, "--name", "t"), 2,
                "tokenize: error: --format expects one of txt, jsonl, npy, bin, got 'csv'"},
            {args("--input", tmp.resolve("missing.txt").toString(), "--outdir", o, "--name", "t"), 1,
                "tokenize: error: " + tmp.resolve("missing.txt") + ": no such file (--input)"},
            {args("--input", in.toString(), "--input", resource("train.bin").toString(), "--outdir", o, "--name", "t"), 2,
                "tokenize: error: cannot mix text inputs (.txt, .jsonl) and id inputs (.npy, .bin) in one run"},
            {args("--input", in.toString(), "--vocab-size", "100", "--outdir", o, "--name", "t"), 2,
                "tokenize: error: --vocab-size 100 does not fit text input: text is tokenized with GPT-2 (vocabulary "
                    + "50257, BOS and EOS 50256); other vocabularies come as ids (.npy, .bin)"},
            {args("--input", in.toString(), "--bos-id", "0", "--outdir", o, "--name", "t"), 2,
                "tokenize: error: --bos-id 0 does not fit text input: text is tokenized with GPT-2 (vocabulary "
                    + "50257, BOS and EOS 50256); other vocabularies come as ids (.npy, .bin)"},
            {args("--input", in.toString(), "--ctx", "1", "--outdir", o, "--name", "t"), 2,
                "tokenize: error: --ctx must be at least 2 (BOS and one token), got 1"},
            {args("--input", in.toString(), "--ctx", "many", "--outdir", o, "--name", "t"), 2,
                "tokenize: error: --ctx expects an integer, got 'many'"},
            {args("--input", in.toString(), "--max-tokens", "100", "--outdir", o, "--name", "t"), 2,
                "tokenize: error: --max-tokens 100 is less than one row of --ctx 1024"},
            {args("--input", resource("train.bin").toString(), "--bos-id", "50257", "--outdir", o, "--name", "t"), 2,
                "tokenize: error: --bos-id 50257 is outside the vocabulary [0, 50257)"},
        };
        for (Object[] c : cases) {
            @SuppressWarnings("unchecked")
            ToolRunner r = run((List<String>) c[0]);
            assertEquals(c[1], r.exitCode, r.toString());
            assertEquals(c[2] + "\n", r.stderr, r.toString());
        }
        assertEquals(List.of(), outputFiles());
    }

    /** The pipeline passes the vocabulary params for any input: text accepts them when they are GPT-2's own. */
    @Test
    void textAcceptsGpt2VocabularyOptions() throws IOException {
        Path in = text("doc.txt", "Hello world the");
        ToolRunner r = run("--input", in.toString(), "--vocab-size", "50257", "--bos-id", "50256", "--eos-id", "50256",
                "--ctx", "4", "--outdir", out().toString(), "--name", "t");
        assertEquals(0, r.exitCode, r.toString());
        assertArrayEquals(new int[][] {{B, HELLO, WORLD, THE}}, shard(0));
        assertEquals("198,50256", FilterChoice.describe(TokenShard.read(out().resolve("t.00000.h5")).filter()),
                "GPT-2 text shards drop pad/BOS/EOS and newlines");
    }

    @Test
    void forcedFormatReadsAnyExtension() throws IOException {
        Path in = text("notes.md", "Hello world the");
        ToolRunner r = run("--input", in.toString(), "--format", "txt", "--ctx", "4", "--outdir", out().toString(),
                "--name", "t");
        assertEquals(0, r.exitCode, r.toString());
        assertArrayEquals(new int[][] {{B, HELLO, WORLD, THE}}, shard(0));
    }

    @Test
    void helpListsTheOptions() {
        ToolRunner r = run("--help");
        assertEquals(0, r.exitCode);
        for (String opt : List.of("--input", "--format", "--text-field", "--ctx", "--seqs-per-shard", "--max-tokens",
                "--vocab-size", "--outdir", "--name")) {
            assertTrue(r.stdout.contains(opt), opt);
        }
        assertFalse(r.stdout.isEmpty());
        assertNull(r.errorLine());
    }
}
