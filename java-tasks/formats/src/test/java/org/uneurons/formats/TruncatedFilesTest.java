package org.uneurons.formats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.stats.ActivationStats;
import org.uneurons.core.stats.Baselines;
import org.uneurons.core.stats.PlainGemm;
import org.uneurons.core.stats.Rotations;
import org.uneurons.core.stats.RowSummaries;
import org.uneurons.core.stats.Synthetic;
import org.uneurons.core.stats.TokenFilter;
import org.uneurons.formats.testing.TestActivations;
import org.uneurons.formats.testing.TestPartials;

/**
 * A file of every HDF5 format cut short (an interrupted copy or write) is reported as truncated by that format's own
 * reader, with its length and the length its superblock records, at cut points inside the superblock, at 10%, 50% and
 * 99% of the file, and one byte short: never as a missing dataset or as token ids outside the vocabulary.
 */
class TruncatedFilesTest {
    @TempDir
    Path tmp;

    /** jhdf writes superblock version 2 with 8-byte offsets: 12 bytes, 4 addresses of 8, a 4-byte checksum. */
    static final int SUPERBLOCK = 48;

    /**
     * Cuts a copy of {@code complete} at each cut point and asserts {@code reader}'s exact line; the complete file
     * itself reads without error.
     */
    private void assertTruncationReported(Path complete, Consumer<Path> reader) throws IOException {
        reader.accept(complete);
        long size = Files.size(complete);
        for (long cut : new long[] {5, 20, SUPERBLOCK - 1, size / 10, size / 2, size * 99 / 100, size - 1}) {
            Path f = tmp.resolve("cut-" + cut + "-" + complete.getFileName());
            Files.copy(complete, f, StandardCopyOption.REPLACE_EXISTING);
            try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                raf.setLength(cut);
            }
            String expected = cut < SUPERBLOCK
                    ? f + ": truncated: " + cut + " bytes, its superblock needs at least " + (cut < 8 ? 8 : SUPERBLOCK)
                            + " (an interrupted copy or write?)"
                    : f + ": truncated: " + cut + " bytes, its datasets need at least " + size
                            + " (an interrupted copy or write?)";
            InputException e = assertThrows(InputException.class, () -> reader.accept(f), "cut at " + cut);
            assertEquals(expected, e.getMessage(), "cut at " + cut + " of " + size);
        }
        Path empty = tmp.resolve("empty-" + complete.getFileName());
        Files.write(empty, new byte[0]);
        InputException e = assertThrows(InputException.class, () -> reader.accept(empty));
        assertEquals(empty + ": empty (0 bytes), expected an HDF5 file (an interrupted copy or write?)", e.getMessage());
    }

    @Test
    void tokenShard() throws IOException {
        int[][] tokens = new int[40][64];
        for (int s = 0; s < tokens.length; s++) {
            for (int t = 0; t < 64; t++) {
                tokens[s][t] = (s * 131 + t * 7) % 50257;
            }
        }
        Path f = tmp.resolve("shard.h5");
        TokenShard.write(f, tokens, TokenShard.Meta.gpt2("corpus.txt"));
        assertTruncationReported(f, TokenShard::read);
    }

    @Test
    void activationFile() throws IOException {
        int tokens = 256, d = 16;
        float[][] layers = new float[2][tokens * d];
        for (int i = 0; i < layers[0].length; i++) {
            layers[0][i] = i * 0.25f;
            layers[1][i] = -i;
        }
        Path f = TestActivations.write(tmp.resolve("acts.h5"), "m", "shard.00000.h5", layers, d,
                TestActivations.gpt2LikeIds(tokens, 3), Map.of());
        assertTruncationReported(f, p -> {
            try (ActivationFile.Reader r = ActivationFile.Reader.open(p)) {
                r.layer(ActivationFile.MLP_POST, 1);
            }
        });
    }

    @Test
    void momentsFile() throws IOException {
        Synthetic s = Synthetic.adversarial(5, 200, 2, 6, 2, 5);
        int[] ids = TestActivations.gpt2LikeIds(200, 5);
        Path f = TestPartials.write(tmp.resolve("moments.h5"), s, ids, 0, 200, "shard.00000", TestPartials.gpt2());
        assertTruncationReported(f, p -> MomentsFile.read(p));
    }

    @Test
    void statisticsFiles() throws IOException {
        ActivationStats st = StatsFilesTest.stats("s0", 4);
        Path partial = tmp.resolve("partial.h5");
        PartialStatsFile.write(partial, st);
        assertTruncationReported(partial, PartialStatsFile::read);
        Path stats = tmp.resolve("stats.h5");
        NeuronStatsFile.write(stats, st, st.columns(), "checkpoint");
        assertTruncationReported(stats, p -> {
            NeuronStatsFile.readColumns(p);
            NeuronStatsFile.readTop(p);
        });
    }

    @Test
    void correlationSummary() throws IOException {
        Synthetic s = Synthetic.adversarial(6, 120, 2, 6, 2, 5);
        Path m = TestPartials.write(tmp.resolve("m.h5"), s, TestActivations.gpt2LikeIds(120, 6), 0, 120, "shard.00000",
                TokenFilter.none());
        Path f = tmp.resolve("summary.h5");
        try (MomentsFile.Reader r = MomentsFile.open(m)) {
            CorrelationSummaryFile.write(f, r.header(), RowSummaries.of(r, 3),
                    List.of(Baselines.of(r, Rotations.Kind.GAUSSIAN_ROWS, 0, 1, new PlainGemm(), null)), null);
        }
        assertTruncationReported(f, p -> CorrelationSummaryFile.read(p, "gaussian-rows"));
    }
}
