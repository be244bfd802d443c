package org.uneurons.extract;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import ai.djl.Device;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.Progress;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.cli.UsageException;
import org.uneurons.core.io.ActivationFile;
import org.uneurons.core.io.TokenShard;
import org.uneurons.models.Checkpoints;
import org.uneurons.models.Devices;
import org.uneurons.models.ForwardResult;
import org.uneurons.models.Hook;
import org.uneurons.models.NativeTuning;
import org.uneurons.models.TransformerModel;

/**
 * (checkpoint, token shard) to an activations HDF5 file: every MLP neuron's value at every token, after the
 * nonlinearity (mlp_post) and optionally before it (mlp_pre), batch by batch. Inputs are checked before any
 * compute (config against weights, token ids against this model's vocabulary, sequence length against its
 * context); the output is published only when complete.
 */
public final class ExtractTool extends Tool {
    public static void main(String[] a) {
        main(new ExtractTool(), a);
    }

    @Override
    public String name() {
        return "extract";
    }

    @Override
    public String description() {
        return "Run a Hugging Face GPT-2 / GPT-NeoX checkpoint over a token shard and write every MLP neuron's "
                + "activation per token to HDF5 (/mlp_post/{layer}, optionally /mlp_pre/{layer}).";
    }

    @Override
    protected void declareOptions(Options o) {
        o.addOption(Option.builder().longOpt("checkpoint").hasArg().argName("DIR")
                .desc("Hugging Face checkpoint directory (config.json + model.safetensors or sharded index)").build());
        o.addOption(Option.builder().longOpt("shard").hasArg().argName("FILE").desc("token shard HDF5").build());
        o.addOption(Option.builder().longOpt("output").hasArg().argName("FILE").desc("activations HDF5 to write").build());
        o.addOption(Option.builder().longOpt("batch-size").hasArg().argName("N")
                .desc("sequences per forward pass (default 2)").build());
        o.addOption(Option.builder().longOpt("dtype").hasArg().argName("TYPE")
                .desc("stored precision: float32 (default) or float16").build());
        o.addOption(Option.builder().longOpt("hooks").hasArg().argName("LIST")
                .desc("mlp_post (default) or mlp_post,mlp_pre").build());
        o.addOption(Option.builder().longOpt("device").hasArg().argName("DEV")
                .desc("cpu (default), gpu or gpu:N").build());
        o.addOption(Option.builder().longOpt("max-seqs").hasArg().argName("N")
                .desc("only the first N sequences of the shard").build());
        o.addOption(Option.builder().longOpt("model-name").hasArg().argName("NAME")
                .desc("value of the 'model' attribute (default: the checkpoint directory's name)").build());
    }

    @Override
    protected int doWork(Args args) {
        // Command line first (exit 2), then inputs (exit 1), then compute.
        Path checkpoint = args.path("checkpoint");
        Path shardFile = args.path("shard");
        Path output = args.path("output");
        int batchSize = args.positive("batch-size", 2);
        String dtype = args.choice("dtype", "float32", "float32", "float16");
        List<String> hookNames = args.strings("hooks");
        if (hookNames.isEmpty()) {
            hookNames = List.of(ActivationFile.MLP_POST);
        }
        Set<Hook> hooks = EnumSet.noneOf(Hook.class);
        List<String> fileHooks = new ArrayList<>();
        for (String h : hookNames) {
            Hook hook = Hook.byName(h);
            if (hook != Hook.MLP_POST && hook != Hook.MLP_PRE) {
                throw new UsageException("--hooks expects mlp_post or mlp_post,mlp_pre, got '" + h + "'");
            }
            if (hooks.add(hook)) {
                fileHooks.add(h);
            }
        }
        if (!hooks.contains(Hook.MLP_POST)) {
            throw new UsageException("--hooks must include mlp_post (activation files always hold it), got '"
                    + String.join(",", hookNames) + "'");
        }
        // mlp_post first, as the file lists it
        fileHooks.sort((a, b) -> a.equals(ActivationFile.MLP_POST) ? -1 : b.equals(ActivationFile.MLP_POST) ? 1 : 0);
        int maxSeqs = args.has("max-seqs") ? args.positive("max-seqs", 1) : Integer.MAX_VALUE;
        String modelName = args.string("model-name", Checkpoints.name(checkpoint));
        NativeTuning.preferHugePages(); // before the engine starts (see there)
        Device device = Devices.parse(args.string("device", "cpu"));

        TokenShard shard = TokenShard.read(args.existing("shard"));
        int nSeq = Math.min(shard.nSeq(), maxSeqs);
        int ctx = shard.ctx();
        int[][] tokens = shard.tokens();

        try (TransformerModel model = Checkpoints.load(args.existing("checkpoint"), modelName, device)) {
            checkTokens(shardFile, tokens, nSeq, model);
            int nLayers = model.config().nLayers;
            int dMlp = model.config().dMlp;
            ActivationFile.Spec spec = new ActivationFile.Spec(modelName, shardFile.getFileName().toString(), nLayers,
                    dMlp, ActivationFile.Precision.parse(dtype), fileHooks);
            long total = (long) nSeq * ctx;
            Progress progress = new Progress(err, "extract " + modelName, "tokens", total, 10);
            try (ActivationFile.Writer w = ActivationFile.Writer.create(output, spec)) {
                w.attribute("ctx", ctx);
                // one reusable buffer: a fresh [batch * ctx * d_mlp] array per layer costs more than copying into it
                float[] values = new float[Math.multiplyExact(Math.min(batchSize, nSeq) * ctx, dMlp)];
                for (int start = 0; start < nSeq; start += batchSize) {
                    int n = Math.min(batchSize, nSeq - start);
                    int[][] batch = new int[n][];
                    int[] ids = new int[n * ctx];
                    int[] positions = new int[n * ctx];
                    for (int s = 0; s < n; s++) {
                        batch[s] = tokens[start + s];
                        System.arraycopy(batch[s], 0, ids, s * ctx, ctx);
                        for (int t = 0; t < ctx; t++) {
                            positions[s * ctx + t] = t;
                        }
                    }
                    try (ForwardResult r = model.forward(batch, hooks)) {
                        w.appendTokens(ids, positions);
                        for (int l = 0; l < nLayers; l++) {
                            for (String h : fileHooks) {
                                int count = ForwardResult.floats(
                                        h.equals(ActivationFile.MLP_POST) ? r.mlpPost(l) : r.mlpPre(l), values);
                                checkFinite(values, count, modelName, h, l, start, ctx, dMlp);
                                w.append(h, l, values, 0, count / dMlp);
                            }
                        }
                    }
                    progress.advance((long) n * ctx);
                }
                progress.finish();
                w.finish();
            }
            out.printf(Locale.ROOT, "%s: %,d tokens (%d sequences x %d), %d layers x %d neurons, %s, %s%n", output,
                    total, nSeq, ctx, nLayers, dMlp, String.join(",", fileHooks), dtype);
        }
        return EXIT_OK;
    }

    /** Every id inside this model's vocabulary and every sequence within its context, before any compute. */
    private static void checkTokens(Path shardFile, int[][] tokens, int nSeq, TransformerModel model) {
        int vocab = model.config().vocabSize;
        int nCtx = model.config().nCtx;
        String ckpt = model.config().name();
        int ctx = tokens[0].length;
        if (ctx > nCtx) {
            throw new InputException(shardFile + ": sequences of " + ctx + " tokens exceed the context of checkpoint "
                    + ckpt + " (" + nCtx + " positions)");
        }
        for (int s = 0; s < nSeq; s++) {
            for (int t = 0; t < ctx; t++) {
                int id = tokens[s][t];
                if (id < 0 || id >= vocab) {
                    throw new InputException(shardFile + ": token id " + id + " at sequence " + s + ", position " + t
                            + " is outside the vocabulary of checkpoint " + ckpt + " [0, " + vocab + ")");
                }
            }
        }
    }

    private static void checkFinite(float[] v, int count, String model, String hook, int layer, int firstSeq, int ctx,
                                    int dMlp) {
        for (int i = 0; i < count; i++) {
            if (!Float.isFinite(v[i])) {
                int row = i / dMlp;
                throw new InputException("checkpoint " + model + ": " + hook + " of layer " + layer + " is " + v[i]
                        + " at sequence " + (firstSeq + row / ctx) + ", position " + (row % ctx) + ", neuron "
                        + (i % dMlp) + " (the weights produce non-finite activations)");
            }
        }
    }
}
