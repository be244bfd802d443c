package org.uneurons.correlate;

import java.nio.file.Path;

import org.uneurons.core.cli.InputException;
import org.uneurons.core.stats.TokenFilter;
import org.uneurons.formats.ActivationFile;

/** An activation file from extract, read row range by row range through {@link ActivationFile.Reader}. */
public final class FileActivationSource implements ActivationSource {
    private final ActivationFile.Reader reader;
    private final String hook;
    private final int[] tokenIds;

    private FileActivationSource(ActivationFile.Reader reader, String hook) {
        this.reader = reader;
        this.hook = hook;
        if (!reader.hasHook(hook)) {
            throw new InputException(reader.file() + ": no /" + hook + " activations (hooks in this file: " + reader.hooks() + ")");
        }
        this.tokenIds = reader.tokenIds();
    }

    /** Opens an activation file; {@code hook} is {@code mlp_post} or {@code mlp_pre}. */
    public static FileActivationSource open(Path path, String hook) {
        ActivationFile.Reader r = ActivationFile.Reader.open(path);
        try {
            return new FileActivationSource(r, hook);
        } catch (RuntimeException e) {
            r.close();
            throw e;
        }
    }

    @Override
    public String label() {
        return reader.file().toString();
    }

    @Override
    public String model() {
        return reader.model();
    }

    @Override
    public String shard() {
        return reader.shard();
    }

    @Override
    public int nLayers() {
        return reader.nLayers();
    }

    @Override
    public int dMlp() {
        return reader.dMlp();
    }

    @Override
    public long nTokens() {
        return reader.nTokens();
    }

    @Override
    public int[] tokenIds(long from, int count) {
        return java.util.Arrays.copyOfRange(tokenIds, (int) from, (int) from + count);
    }

    @Override
    public float[] rows(int layer, long from, int count) {
        return reader.rows(hook, layer, from, count);
    }

    @Override
    public TokenFilter filter() {
        return reader.filter();
    }

    @Override
    public String modelSha256() {
        return reader.modelSha256();
    }

    @Override
    public String shardSha256() {
        return reader.shardSha256();
    }

    @Override
    public void close() {
        reader.close();
    }
}
