package org.uneurons.train;

import java.util.LinkedHashMap;
import java.util.Map;

import org.uneurons.core.cli.UsageException;

/**
 * The hyperparameters of a GPT-2 to train, the tensors they imply (Hugging Face names and shapes, as
 * transformers saves GPT2LMHeadModel: "transformer."-prefixed, Conv1D weights [in, out], tied unembedding so no
 * lm_head.weight); their config.json is {@link org.uneurons.formats.ModelConfig#gpt2Json}.
 */
record Gpt2Shape(int nLayer, int dModel, int nHead, int dMlp, int nCtx, int vocabSize) {
    static final String PREFIX = "transformer.";

    Gpt2Shape {
        if (nLayer < 1 || dModel < 1 || nHead < 1 || dMlp < 1 || nCtx < 1 || vocabSize < 1) {
            throw new UsageException("model shape must be positive: n_layer " + nLayer + ", d_model " + dModel
                    + ", n_head " + nHead + ", d_mlp " + dMlp + ", ctx " + nCtx + ", vocab " + vocabSize);
        }
        if (dModel % nHead != 0) {
            throw new UsageException("--d-model " + dModel + " is not divisible by --n-head " + nHead);
        }
    }

    static int numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return Math.toIntExact(n);
    }

    int headDim() {
        return dModel / nHead;
    }

    /** Every parameter, in a fixed order (the order of initialisation and of the safetensors file). */
    Map<String, long[]> tensors() {
        Map<String, long[]> t = new LinkedHashMap<>();
        long d = dModel;
        t.put(PREFIX + "wte.weight", new long[] {vocabSize, d});
        t.put(PREFIX + "wpe.weight", new long[] {nCtx, d});
        for (int l = 0; l < nLayer; l++) {
            String h = PREFIX + "h." + l + ".";
            t.put(h + "ln_1.weight", new long[] {d});
            t.put(h + "ln_1.bias", new long[] {d});
            t.put(h + "attn.c_attn.weight", new long[] {d, 3 * d});
            t.put(h + "attn.c_attn.bias", new long[] {3 * d});
            t.put(h + "attn.c_proj.weight", new long[] {d, d});
            t.put(h + "attn.c_proj.bias", new long[] {d});
            t.put(h + "ln_2.weight", new long[] {d});
            t.put(h + "ln_2.bias", new long[] {d});
            t.put(h + "mlp.c_fc.weight", new long[] {d, dMlp});
            t.put(h + "mlp.c_fc.bias", new long[] {dMlp});
            t.put(h + "mlp.c_proj.weight", new long[] {dMlp, d});
            t.put(h + "mlp.c_proj.bias", new long[] {d});
        }
        t.put(PREFIX + "ln_f.weight", new long[] {d});
        t.put(PREFIX + "ln_f.bias", new long[] {d});
        return t;
    }

    /** Biases and LayerNorm parameters (1-D) get no weight decay; matrices and embeddings do (as nanoGPT). */
    static boolean decays(String name, long[] shape) {
        return shape.length >= 2;
    }

    /** Residual projections, whose init is scaled by 1/sqrt(2 n_layer) (GPT-2 paper, transformers' _init_weights). */
    static boolean isResidualProjection(String name) {
        return name.endsWith("attn.c_proj.weight") || name.endsWith("mlp.c_proj.weight");
    }

    /** config.json in transformers' GPT-2 schema (dropout 0: the models are trained without dropout). */
}
