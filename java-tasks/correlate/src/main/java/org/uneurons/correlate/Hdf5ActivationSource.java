package org.uneurons.correlate;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Node;
import io.jhdf.exceptions.HdfException;
import org.uneurons.core.cli.InputException;

/**
 * An activation file (BRIEF/DESIGN 3: {@code /mlp_post/{layer}} float32 or float16 [n_tokens, d_mlp],
 * {@code /token_ids} int32, attributes model, shard, n_layers, d_mlp) read slice by slice with jhdf, so memory is
 * one batch, not the file.
 */
public final class Hdf5ActivationSource implements ActivationSource {
    private final Path path;
    private final HdfFile file;
    private final String hook;
    private final String model;
    private final String shard;
    private final int nLayers;
    private final int dMlp;
    private final long nTokens;
    private final Dataset tokenIds;
    private final Dataset[] layers;
    private final Map<String, Object> tokenAttributes = new HashMap<>();

    private Hdf5ActivationSource(Path path, String hook) {
        this.path = path;
        this.hook = hook;
        try {
            this.file = new HdfFile(path);
        } catch (HdfException | IllegalArgumentException e) {
            throw new InputException(path + ": not a readable HDF5 activation file (" + e.getMessage() + ")", e);
        }
        try {
            this.model = required(Hdf5Attributes.string(file, "model"), "model");
            this.shard = required(Hdf5Attributes.string(file, "shard"), "shard");
            this.nLayers = required(Hdf5Attributes.integer(file, "n_layers", path.toString()), "n_layers");
            this.dMlp = required(Hdf5Attributes.integer(file, "d_mlp", path.toString()), "d_mlp");
            this.tokenIds = dataset("/token_ids");
            if (tokenIds.getDimensions().length != 1) {
                throw new InputException(path + ": /token_ids has shape " + shape(tokenIds) + ", expected [n_tokens]");
            }
            this.nTokens = tokenIds.getDimensionsAsLong()[0];
            this.layers = new Dataset[nLayers];
            for (int l = 0; l < nLayers; l++) {
                Dataset d = dataset("/" + hook + "/" + l);
                long[] dims = d.getDimensionsAsLong();
                if (dims.length != 2 || dims[0] != nTokens || dims[1] != dMlp) {
                    throw new InputException(path + ": /" + hook + "/" + l + " has shape " + shape(d) + ", expected ["
                            + nTokens + ", " + dMlp + "]");
                }
                Class<?> t = d.getJavaType();
                if (t != float.class && t != double.class) {
                    throw new InputException(path + ": /" + hook + "/" + l + " holds " + t.getSimpleName()
                            + ", expected float32 or float16 activations");
                }
                layers[l] = d;
            }
            for (String name : new String[] {"bos_id", "eos_id", "pad_id"}) {
                Integer v = Hdf5Attributes.integer(file, name, path.toString());
                if (v != null) {
                    tokenAttributes.put(name, v);
                }
            }
            String tok = Hdf5Attributes.string(file, "tokenizer");
            if (tok != null) {
                tokenAttributes.put("tokenizer", tok);
            }
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** Opens an activation file; {@code hook} is {@code mlp_post} or {@code mlp_pre}. */
    public static Hdf5ActivationSource open(Path path, String hook) {
        return new Hdf5ActivationSource(path, hook);
    }

    private <T> T required(T v, String name) {
        if (v == null) {
            throw new InputException(path + ": attribute " + name + " is missing; is this an activation file from extract?");
        }
        return v;
    }

    private Dataset dataset(String name) {
        Node n = null;
        try {
            n = file.getByPath(name);
        } catch (HdfException e) {
            // absent: reported below
        }
        if (!(n instanceof Dataset d)) {
            throw new InputException(path + ": dataset " + name + " is missing" + (name.startsWith("/" + hook)
                    ? " (no " + hook + " activations in this file?)" : ""));
        }
        return d;
    }

    private static String shape(Dataset d) {
        return java.util.Arrays.toString(d.getDimensionsAsLong());
    }

    @Override
    public String label() {
        return path.toString();
    }

    @Override
    public String model() {
        return model;
    }

    @Override
    public String shard() {
        return shard;
    }

    @Override
    public int nLayers() {
        return nLayers;
    }

    @Override
    public int dMlp() {
        return dMlp;
    }

    @Override
    public long nTokens() {
        return nTokens;
    }

    @Override
    public int[] tokenIds(long from, int count) {
        Object data = tokenIds.getData(new long[] {from}, new int[] {count});
        if (data instanceof int[] ids) {
            return ids;
        }
        if (data instanceof long[] ls) {
            int[] ids = new int[ls.length];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = Math.toIntExact(ls[i]);
            }
            return ids;
        }
        throw new InputException(path + ": /token_ids holds " + data.getClass().getSimpleName() + ", expected int32");
    }

    @Override
    public float[] rows(int layer, long from, int count) {
        Object data = layers[layer].getData(new long[] {from, 0}, new int[] {count, dMlp});
        float[] out = new float[count * dMlp];
        if (data instanceof float[][] f) {
            for (int r = 0; r < count; r++) {
                System.arraycopy(f[r], 0, out, r * dMlp, dMlp);
            }
        } else if (data instanceof double[][] d) {
            for (int r = 0; r < count; r++) {
                for (int j = 0; j < dMlp; j++) {
                    out[r * dMlp + j] = (float) d[r][j];
                }
            }
        } else {
            throw new InputException(path + ": /" + hook + "/" + layer + " could not be read as float activations");
        }
        return out;
    }

    @Override
    public Map<String, Object> tokenAttributes() {
        return tokenAttributes;
    }

    @Override
    public void close() {
        file.close();
    }
}
