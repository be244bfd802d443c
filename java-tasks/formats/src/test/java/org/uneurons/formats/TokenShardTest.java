package org.uneurons.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.stats.TokenFilter;
import org.uneurons.core.io.Hdf5;

class TokenShardTest {
    @TempDir
    Path tmp;

    static final int[][] TOKENS = {{50256, 15496, 995, 0, 1}, {50256, 262, 50255, 7, 8}, {50256, 1, 2, 3, 4}};

    @Test
    void roundTrip() throws IOException {
        Path f = tmp.resolve("sub/shard.00000.h5");
        TokenShard.write(f, TOKENS, TokenShard.Meta.gpt2("corpus.txt"));
        TokenShard s = TokenShard.read(f);
        assertArrayEquals(TOKENS, s.tokens());
        assertEquals(3, s.nSeq());
        assertEquals(5, s.ctx());
        assertEquals(new TokenShard.Meta("gpt2", 50257, 50256, 50256, "corpus.txt"), s.meta());
        assertNull(TokenShard.readVocab(f));
        try (Stream<Path> files = Files.list(f.getParent())) {
            assertEquals(List.of(f), files.toList(), "no temporary file left beside the shard");
        }
    }

    /**
     * The identity of a shard's tokens against an independent computation (the bytes laid out with a DataOutputStream
     * and byte-swapped by hand): it follows the tokens, the filter and the unknown id, not the file's name.
     */
    @Test
    void contentHashIsOfTheTokensFilterAndUnknownId() throws Exception {
        Path f = tmp.resolve("shard.00000.h5");
        TokenShard.write(f, TOKENS, TokenShard.Meta.gpt2("corpus.txt"));
        TokenShard s = TokenShard.read(f);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
        out.write("uneurons-tokens/1 n_seq=2 ctx=5 filter_ids=198,50256 unk_id=-1\n".getBytes("UTF-8"));
        for (int q = 0; q < 2; q++) {
            for (int id : TOKENS[q]) {
                out.writeInt(Integer.reverseBytes(id)); // little-endian
            }
        }
        byte[] want = java.security.MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray());
        assertEquals(java.util.HexFormat.of().formatHex(want), s.contentSha256(2));

        Path renamed = tmp.resolve("copy/other-name.h5");
        TokenShard.write(renamed, TOKENS, TokenShard.Meta.gpt2("elsewhere.txt"));
        assertEquals(s.contentSha256(), TokenShard.read(renamed).contentSha256(), "the name and source are no part of it");
        Path unfiltered = tmp.resolve("unfiltered.h5");
        TokenShard.write(unfiltered, TOKENS, TokenShard.Meta.gpt2("corpus.txt"), null, TokenFilter.none());
        assertTrue(!s.contentSha256().equals(TokenShard.read(unfiltered).contentSha256()), "another filter");
        int[][] changed = {TOKENS[0], TOKENS[1], {50256, 1, 2, 3, 5}};
        Path other = tmp.resolve("other.h5");
        TokenShard.write(other, changed, TokenShard.Meta.gpt2("corpus.txt"));
        assertTrue(!s.contentSha256().equals(TokenShard.read(other).contentSha256()), "one token");
        assertEquals(s.contentSha256(2), TokenShard.read(other).contentSha256(2), "the first two sequences agree");
    }

    @Test
    void optionalVocabRoundTrips() {
        Path f = tmp.resolve("v.h5");
        TokenShard.write(f, new int[][] {{0, 1, 2}}, new TokenShard.Meta("custom", 3, -1, 2, "ids.npy"),
                new String[] {"a", " b", "<eos>"});
        TokenShard s = TokenShard.read(f);
        assertEquals(-1, s.meta().bosId());
        assertArrayEquals(new String[] {"a", " b", "<eos>"}, TokenShard.readVocab(f));
    }

    @Test
    void tokenBytesRoundTripAndBadOffsetsAreNamed() {
        Path f = tmp.resolve("b.h5");
        // "日" (e6 97 a5) split over two tokens, and an empty token
        byte[][] bytes = {{'a'}, {(byte) 0xe6, (byte) 0x97}, {(byte) 0xa5}, {}};
        TokenShard.Meta meta = new TokenShard.Meta("custom", 4, -1, -1, "x");
        org.uneurons.core.io.AtomicOutput.write(f, TokenShard.content(f, new int[][] {{0, 1, 2, 3}}, meta, null, bytes,
                new TokenFilter(new int[0]), -1));
        assertArrayEquals(bytes, TokenShard.readVocabBytes(f));
        assertNull(TokenShard.readVocab(f));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TokenShard.content(f,
                new int[][] {{0}}, meta, null, new byte[3][1], new TokenFilter(new int[0]), -1));
        assertEquals(f + ": /vocab_bytes has 3 tokens, vocab_size is 4", e.getMessage());

        Path old = handMade(h -> h.putDataset("tokens", new int[][] {{1}}));
        assertNull(TokenShard.readVocabBytes(old), "shards of earlier versions have no token bytes");
        long[] decreasing = new long[101];
        Arrays.fill(decreasing, 51, 101, 3);
        decreasing[50] = 5;
        Path bad = handMade(h -> {
            h.putDataset("tokens", new int[][] {{1}});
            h.putDataset("vocab_bytes", new byte[] {1, 2, 3});
            h.putDataset("vocab_offsets", decreasing);
        });
        assertEquals(bad + ": /vocab_offsets decreases at token 50 (5 then 3)",
                assertThrows(InputException.class, () -> TokenShard.readVocabBytes(bad)).getMessage());
        Path shortOffsets = handMade(h -> {
            h.putDataset("tokens", new int[][] {{1}});
            h.putDataset("vocab_bytes", new byte[] {1, 2, 3});
            h.putDataset("vocab_offsets", new long[] {0, 3});
        });
        assertEquals(shortOffsets + ": /vocab_offsets has 2 offsets from 0 to 3, expected 101 from 0 to 3 (the length of"
                + " /vocab_bytes)", assertThrows(InputException.class, () -> TokenShard.readVocabBytes(shortOffsets))
                .getMessage());
    }

    @Test
    void writeRefusesRaggedRowsAndOutOfRangeIds() {
        Path f = tmp.resolve("bad.h5");
        assertThrows(IllegalArgumentException.class,
                () -> TokenShard.write(f, new int[][] {{1, 2}, {3}}, TokenShard.Meta.gpt2("x")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TokenShard.write(f, new int[][] {{1, 2}, {3, 50257}}, TokenShard.Meta.gpt2("x")));
        assertEquals(f + ": token id 50257 at sequence 1, position 1 is outside the vocabulary [0, 50257)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TokenShard.write(f, new int[0][], TokenShard.Meta.gpt2("x")));
        assertTrue(Files.notExists(f));
    }

    /** A shard written by hand with jhdf: the standard attributes, then whatever {@code body} adds. */
    private Path handMade(Consumer<WritableHdfFile> body, String... skipAttributes) {
        Path f = tmp.resolve("hand.h5");
        try (WritableHdfFile h = HdfFile.write(f)) {
            List<String> skip = List.of(skipAttributes);
            if (!skip.contains("tokenizer")) {
                h.putAttribute("tokenizer", "gpt2");
            }
            if (!skip.contains("vocab_size")) {
                h.putAttribute("vocab_size", 100);
            }
            h.putAttribute("bos_id", 99);
            h.putAttribute("eos_id", 99);
            h.putAttribute("source", "hand");
            body.accept(h);
        }
        return f;
    }

    private String readError(Path f) {
        return assertThrows(InputException.class, () -> TokenShard.read(f)).getMessage();
    }

    @Test
    void acceptsInt64TokensWrittenByOtherTools() {
        Path f = handMade(h -> h.putDataset("tokens", new long[][] {{99, 5}, {99, 6}}));
        assertArrayEquals(new int[][] {{99, 5}, {99, 6}}, TokenShard.read(f).tokens());
    }

    @Test
    void missingTokens() {
        Path f = handMade(h -> h.putDataset("other", new int[] {1}));
        assertEquals(f + ": no /tokens dataset (token shard: /tokens int32 [n_seq, ctx])", readError(f));
        f = handMade(h -> h.putGroup("tokens"));
        assertEquals(f + ": /tokens is a group, expected a dataset (token shard: /tokens int32 [n_seq, ctx])", readError(f));
    }

    @Test
    void wrongRankOrType() {
        Path f = handMade(h -> h.putDataset("tokens", new int[] {1, 2, 3, 4}));
        assertEquals(f + ": /tokens has shape [4], expected 2 dimensions [n_seq, ctx]", readError(f));
        f = handMade(h -> h.putDataset("tokens", new float[][] {{1, 2}}));
        assertEquals(f + ": /tokens is float32, expected integer token ids (int32)", readError(f));
    }

    @Test
    void idsOutsideTheVocabulary() {
        Path f = handMade(h -> h.putDataset("tokens", new int[][] {{99, 1, 2}, {99, 100, 3}}));
        assertEquals(f + ": token id 100 at sequence 1, position 1 is outside the vocabulary [0, 100)", readError(f));
        f = handMade(h -> h.putDataset("tokens", new int[][] {{99, -4, 2}}));
        assertEquals(f + ": token id -4 at sequence 0, position 1 is outside the vocabulary [0, 100)", readError(f));
        f = handMade(h -> h.putDataset("tokens", new long[][] {{99, 1L << 40}}));
        assertEquals(f + ": token id 1099511627776 at sequence 0, position 1 is outside the vocabulary [0, 100)",
                readError(f));
    }

    @Test
    void emptyShard() {
        Path f = handMade(h -> Hdf5.putStreamed(h, "tokens", Hdf5.Element.INT32, new long[] {0, 8}, out -> { }));
        assertEquals(f + ": /tokens is empty (shape [0, 8]); a token shard needs at least one sequence", readError(f));
    }

    @Test
    void missingOrMistypedAttributes() {
        Path f = handMade(h -> h.putDataset("tokens", new int[][] {{1}}), "vocab_size");
        assertEquals(f + ": missing attribute 'vocab_size' (token shard)", readError(f));
        f = handMade(h -> {
            h.putDataset("tokens", new int[][] {{1}});
            h.putAttribute("vocab_size", "big");
        }, "vocab_size");
        assertEquals(f + ": attribute 'vocab_size' is 'big', expected an integer", readError(f));
        f = handMade(h -> {
            h.putDataset("tokens", new int[][] {{1}});
            h.putAttribute("tokenizer", 5);
        }, "tokenizer");
        assertEquals(f + ": attribute 'tokenizer' is 5, expected a string", readError(f));
    }

    @Test
    void notAnHdf5File() throws IOException {
        Path f = tmp.resolve("text.h5");
        Files.writeString(f, "just text, long enough for a superblock search to fail properly");
        assertTrue(readError(f).startsWith(f + ": not an HDF5 file ("));
        Path none = tmp.resolve("none.h5");
        assertEquals(none + ": no such file", readError(none));
    }

    /** The filter is decided when the shard is written and read back as stored (METHOD 1.4). */
    @Test
    void filterIsDecidedWhenTheShardIsMade() {
        Path gpt2 = tmp.resolve("gpt2.h5");
        TokenShard.write(gpt2, TOKENS, TokenShard.Meta.gpt2("corpus.txt"));
        assertEquals("198,50256", FilterChoice.describe(TokenShard.read(gpt2).filter()), "GPT-2: EOT and newline");
        Path ids = tmp.resolve("ids.h5");
        TokenShard.write(ids, new int[][] {{0, 1, 2}}, new TokenShard.Meta("external", 3, 0, 2, "ids.npy"));
        assertEquals("0,2", FilterChoice.describe(TokenShard.read(ids).filter()), "another vocabulary: its BOS and EOS");
        Path remapped = tmp.resolve("remapped.h5");
        TokenShard.write(remapped, new int[][] {{0, 1, 2}}, new TokenShard.Meta("gpt2-remap-3", 4, 0, 0, "x"),
                new String[] {"<|endoftext|>", "\n", "\n\n", "a"});
        assertEquals("0,1", FilterChoice.describe(TokenShard.read(remapped).filter()),
                "a remapped vocabulary: BOS/EOS and the id whose text is a newline, no GPT-2 id");
        Path explicit = tmp.resolve("explicit.h5");
        TokenShard.write(explicit, TOKENS, TokenShard.Meta.gpt2("c"), null, new TokenFilter(7));
        assertEquals("7", FilterChoice.describe(TokenShard.read(explicit).filter()), "an explicit filter is stored as given");
    }

    /** A shard made without filter_ids (an older version, another tool) gets the default of its attributes. */
    @Test
    void shardsWithoutFilterIdsGetTheDefault() {
        Path f = handMade(h -> {
            h.putDataset("tokens", new int[][] {{99, 5}});
            h.putAttribute("pad_id", 7);
        });
        assertEquals("7,99,198,50256", FilterChoice.describe(TokenShard.read(f).filter()),
                "tokenizer gpt2: BOS/EOS 99, pad 7, and GPT-2's EOT and newline");
        Path bad = handMade(h -> {
            h.putDataset("tokens", new int[][] {{99, 5}});
            h.putAttribute("filter_ids", "198,x");
        });
        assertEquals(bad + ": attribute filter_ids is '198,x', expected token ids like 198,50256 or none", readError(bad));
    }

    /**
     * A remapped vocabulary's newline ids come only from its /vocab table: without it (and without filter_ids) the
     * default cannot be known, so reading or writing such a shard is an error, not a filter that keeps newlines.
     */
    @Test
    void aRemappedVocabularyWithoutItsTableIsAnError() {
        Path f = handMade(h -> {
            h.putDataset("tokens", new int[][] {{99, 5}});
            h.putAttribute("tokenizer", "gpt2-remap-98");
        }, "tokenizer");
        assertEquals(f + ": tokenizer 'gpt2-remap-98' is a remapped vocabulary whose newline ids only its /vocab table"
                + " gives, and there is none; write the shard with /vocab or with filter_ids (tokenize --filter-ids)",
                readError(f));
        Path recorded = handMade(h -> {
            h.putDataset("tokens", new int[][] {{99, 5}});
            h.putAttribute("tokenizer", "gpt2-remap-98");
            h.putAttribute("filter_ids", "5,99");
        }, "tokenizer");
        assertEquals("5,99", FilterChoice.describe(TokenShard.read(recorded).filter()), "a recorded filter is enough");
        Path written = tmp.resolve("remap-no-vocab.h5");
        InputException e = assertThrows(InputException.class, () -> TokenShard.write(written, new int[][] {{0, 1}},
                new TokenShard.Meta("gpt2-remap-3", 4, 0, 0, "x")));
        assertTrue(e.getMessage().startsWith(written + ": tokenizer 'gpt2-remap-3' is a remapped vocabulary"), e.getMessage());
        assertTrue(!Files.exists(written), "nothing written");
    }

    /** The unknown id of a remapped vocabulary is an optional attribute: -1 when absent or when there is none. */
    @Test
    void unknownIdRoundTripsAndIsOptional() {
        TokenShard.Meta meta = new TokenShard.Meta("gpt2-remap-4", 5, 0, 0, "x");
        Path f = tmp.resolve("unk.h5");
        TokenShard.write(f, new int[][] {{0, 4, 1, 4}}, meta, null, new TokenFilter(0, 4), 4);
        TokenShard s = TokenShard.read(f);
        assertEquals(4, s.unkId());
        assertEquals("0,4", FilterChoice.describe(s.filter()));
        try (HdfFile h = new HdfFile(f)) {
            assertEquals(4, ((Number) h.getAttribute(TokenShard.UNK_ID).getData()).intValue());
        }
        Path none = tmp.resolve("none.h5");
        TokenShard.write(none, new int[][] {{0, 4}}, meta, null, new TokenFilter(0), -1);
        assertEquals(-1, TokenShard.read(none).unkId());
        try (HdfFile h = new HdfFile(none)) {
            assertNull(h.getAttribute(TokenShard.UNK_ID), "no attribute for no unknown id");
        }
        Path older = tmp.resolve("older.h5");
        TokenShard.write(older, new int[][] {{0, 4}}, meta, new String[] {"<|endoftext|>", "a", "b", "c", "<unk>"});
        assertEquals(-1, TokenShard.read(older).unkId(), "the existing overloads write none");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TokenShard.write(f, new int[][] {{0, 1}}, meta, null, new TokenFilter(0), 5));
        assertEquals(f + ": unknown id 5 is outside the vocabulary [0, 5) (-1: none)", e.getMessage());
        Path bad = handMade(h -> {
            h.putDataset("tokens", new int[][] {{99, 5}});
            h.putAttribute("unk_id", 100);
        });
        assertEquals(bad + ": attribute unk_id is 100, expected an id in [0, 100) or -1 (none)", readError(bad));
        Path minusOne = handMade(h -> {
            h.putDataset("tokens", new int[][] {{99, 5}});
            h.putAttribute("unk_id", -1);
        });
        assertEquals(-1, TokenShard.read(minusOne).unkId());
    }
}
