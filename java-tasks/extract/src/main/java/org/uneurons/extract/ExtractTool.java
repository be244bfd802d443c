package org.uneurons.extract;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import ai.djl.Device;
import org.apache.commons.cli.Options;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.Progress;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.cli.UsageException;
import org.uneurons.formats.ActivationFile;
import org.uneurons.formats.CheckpointRef;
import org.uneurons.formats.TokenShard;
import org.uneurons.models.Checkpoints;
import org.uneurons.models.Devices;
import org.uneurons.models.ActivationCheck;
import org.uneurons.models.ForwardResult;
import org.uneurons.models.Hook;
import org.uneurons.models.NativeTuning;
import org.uneurons.models.TransformerModel;

/**
 * (checkpoint, token shard) to an activations HDF5 file: every MLP neuron's value at every token, after the
 * nonlinearity (mlp_post) and optionally before it (mlp_pre), batch by batch, with the shard's token filter and
 * unknown id recorded beside them, and the identities of both: the content hash of the checkpoint's weights and of
 * the tokens (model_sha256, shard_sha256). Inputs are checked before any compute (config against weights, token ids against
 * this model's vocabulary, sequence length against its context); the output is published only when complete.
 */
public final class ExtractTool extends Tool {
    public ExtractTool() {
        super("extract",
                "Run a Hugging Face GPT-2 / GPT-NeoX checkpoint over a token shard and write every MLP neuron's "
                + "activation per token to HDF5 (/mlp_post/{layer}, optionally /mlp_pre/{layer}).");
    }

    public static void main(String[] a) {
        main(new ExtractTool(), a);
    }

    @Override
    protected void declareOptions(Options o) {
        o.addOption(option("checkpoint", "NAME=DIR", "Hugging Face checkpoint directory (config.json + model.safetensors,"
                + " pytorch_model.bin, or either sharded with an index), with the model's name (DIR alone: the directory's name)"));
        o.addOption(option("shard", "FILE", "token shard HDF5"));
        o.addOption(option("output", "FILE", "activations HDF5 to write"));
        o.addOption(option("batch-size", "N", "sequences per forward pass (default 2)"));
        o.addOption(option("dtype", "TYPE", "stored precision: float32 (default) or float16"));
        o.addOption(option("hooks", "LIST", "mlp_post (default) or mlp_post,mlp_pre"));
        o.addOption(option("device", "DEV", "cpu (default), gpu or gpu:N"));
        o.addOption(option("max-seqs", "N", "only the first N sequences of the shard"));
        o.addOption(option("model-name", "NAME", "value of the 'model' attribute (default: NAME of --checkpoint, else the"
                + " checkpoint directory's name)"));
    }

    /** The command line, checked before any input is read (exit 2). */
    record Settings(Path checkpoint, Path shard, Path output, int batchSize, String dtype, Set<Hook> hooks,
                    List<String> fileHooks, int maxSeqs, String modelName, Device device) {

        static Settings parse(Args args) {
            CheckpointRef ref = CheckpointRef.parse(args.string("checkpoint"), "--checkpoint");
            Path checkpoint = ref.dir();
            Path shard = args.path("shard");
            Path output = args.path("output");
            int batchSize = args.positive("batch-size", 2);
            String dtype = args.choice("dtype", "float32", "float32", "float16");
            List<String> fileHooks = hooks(args.strings("hooks"));
            Set<Hook> hooks = EnumSet.noneOf(Hook.class);
            fileHooks.forEach(h -> hooks.add(Hook.byName(h)));
            int maxSeqs = args.has("max-seqs") ? args.positive("max-seqs", 1) : Integer.MAX_VALUE;
            String modelName = args.string("model-name", ref.name());
            boolean named = CheckpointRef.named(args.string("checkpoint"));
            if (args.has("model-name") && named && !ref.name().equals(modelName)) {
                throw new UsageException("--model-name " + modelName + " and --checkpoint " + ref + " name the model twice");
            }
            NativeTuning.preferHugePages(); // before the engine starts (see there)
            Device device = Devices.parse(args.string("device", "cpu"));
            return new Settings(checkpoint, shard, output, batchSize, dtype, hooks, fileHooks, maxSeqs, modelName, device);
        }

        /** The hooks as the file lists them: mlp_post first, each once; mlp_pre optional, nothing else. */
        private static List<String> hooks(List<String> given) {
            List<String> names = given.isEmpty() ? List.of(ActivationFile.MLP_POST) : given;
            List<String> out = new ArrayList<>();
            for (String h : names) {
                Hook hook = Hook.byName(h);
                if (hook != Hook.MLP_POST && hook != Hook.MLP_PRE) {
                    throw new UsageException("--hooks expects mlp_post or mlp_post,mlp_pre, got '" + h + "'");
                }
                if (!out.contains(h)) {
                    out.add(h);
                }
            }
            if (!out.contains(ActivationFile.MLP_POST)) {
                throw new UsageException("--hooks must include mlp_post (activation files always hold it), got '"
                        + String.join(",", names) + "'");
            }
            out.sort((a, b) -> a.equals(ActivationFile.MLP_POST) ? -1 : b.equals(ActivationFile.MLP_POST) ? 1 : 0);
            return out;
        }
    }

    @Override
    protected int doWork(Args args) {
        Settings s = Settings.parse(args);
        components.putAll(Devices.components(s.device()));
        args.existing("shard");
        if (!Files.exists(s.checkpoint())) {
            throw new InputException(s.checkpoint() + ": no such file or directory (--checkpoint)");
        }
        args.input("--checkpoint", s.checkpoint());
        args.output("output");
        TokenShard shard = TokenShard.read(s.shard());
        int nSeq = Math.min(shard.nSeq(), s.maxSeqs());
        try (TransformerModel model = Checkpoints.load(s.checkpoint(), s.modelName(), s.device())) {
            model.config().checkTokens(s.shard(), shard.tokens(), nSeq);
            ActivationFile.Spec spec = new ActivationFile.Spec(s.modelName(), s.shard().getFileName().toString(),
                    model.config().nLayers, model.config().dMlp, ActivationFile.Precision.parse(s.dtype()), s.fileHooks());
            long total = (long) nSeq * shard.ctx();
            try (ActivationFile.Writer w = ActivationFile.Writer.create(s.output(), spec)) {
                w.attribute("ctx", shard.ctx());
                w.filter(shard.filter()).unkId(shard.unkId());
                w.provenance(model.weightsSha256(), shard.contentSha256(nSeq));
                extract(s, model, shard.tokens(), nSeq, w);
                w.finish();
            }
            out.printf(Locale.ROOT, "%s: %,d tokens (%d sequences x %d), %d layers x %d neurons, %s, %s%n", s.output(),
                    total, nSeq, shard.ctx(), spec.nLayers(), spec.dMlp(), String.join(",", s.fileHooks()), s.dtype());
        }
        return EXIT_OK;
    }

    /** Runs the model over the first {@code nSeq} sequences, batch by batch, appending every hook of every layer. */
    private void extract(Settings s, TransformerModel model, int[][] tokens, int nSeq, ActivationFile.Writer w) {
        int ctx = tokens[0].length;
        int dMlp = model.config().dMlp;
        Progress progress = new Progress(err, "extract " + s.modelName(), "tokens", (long) nSeq * ctx, 10);
        // one reusable buffer: a fresh [batch * ctx * d_mlp] array per layer costs more than copying into it
        boolean float16 = s.dtype().equals("float16"); // rounded here, so the range error names the activation
        float[] values = new float[Math.multiplyExact(Math.min(s.batchSize(), nSeq) * ctx, dMlp)];
        for (int start = 0; start < nSeq; start += s.batchSize()) {
            int n = Math.min(s.batchSize(), nSeq - start);
            int[][] batch = new int[n][];
            int[] ids = new int[n * ctx];
            int[] positions = new int[n * ctx];
            for (int q = 0; q < n; q++) {
                batch[q] = tokens[start + q];
                System.arraycopy(batch[q], 0, ids, q * ctx, ctx);
                for (int t = 0; t < ctx; t++) {
                    positions[q * ctx + t] = t;
                }
            }
            try (ForwardResult r = model.forward(batch, s.hooks())) {
                w.appendTokens(ids, positions);
                for (int l = 0; l < model.config().nLayers; l++) {
                    for (String h : s.fileHooks()) {
                        int count = ForwardResult.floats(h.equals(ActivationFile.MLP_POST) ? r.mlpPost(l) : r.mlpPre(l),
                                values);
                        ActivationCheck.check(values, count, s.modelName(), h, l, start, ctx, dMlp, float16);
                        w.append(h, l, values, 0, count / dMlp);
                    }
                }
            }
            progress.advance((long) n * ctx);
        }
        progress.finish();
    }
}
