package org.uneurons.checkpoints;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.commons.cli.Options;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.cli.UsageException;
import org.uneurons.formats.CheckpointRef;
import org.uneurons.formats.CheckpointSummary;
import org.uneurons.formats.ModelConfig;

/**
 * checkpoints: every checkpoint of a run checked before any task starts, from headers only (config.json, the
 * safetensors header or the pytorch_model.bin zip directory and pickle; no tensor data, so GPT-2 medium takes well
 * under a second): the weights format is readable, every tensor config.json implies is there with its shape and a
 * float type, and, when given, the run's context and vocabulary fit every model. Prints one JSON line per model on
 * stdout, in the order given, for the pipeline's plan ({@link CheckpointSummary#json()}); or, at the first problem,
 * nothing on stdout and one error line naming the checkpoint and the file (exit 1; exit 2 for a bad command line).
 */
public final class CheckpointsTool extends Tool {
    public CheckpointsTool() {
        super("checkpoints",
                "Checks checkpoint directories (config.json against the weights' headers, safetensors or "
                + "pytorch_model.bin) and prints one JSON line per model.");
    }

    public static void main(String[] argv) {
        main(new CheckpointsTool(), argv);
    }

    @Override
    protected void declareOptions(Options o) {
        o.addOption(option("checkpoint", "NAME=DIR", "a checkpoint directory, named NAME (repeatable, or comma-separated);"
                + " DIR alone is named after the directory"));
        o.addOption(option("ctx", "N", "tokens per sequence of the run: every model's context must hold them"));
        o.addOption(option("vocab-size", "N", "vocabulary of the run's token ids: every model's must be at least as large"));
    }

    /** The command line: the checkpoints, and the run's sequence length and vocabulary when given (0: not checked). */
    record Settings(List<CheckpointRef> checkpoints, int ctx, int vocabSize) {
        static Settings parse(Args args) {
            List<CheckpointRef> refs = CheckpointRef.parseAll(args.strings("checkpoint"), "--checkpoint");
            if (refs.isEmpty()) {
                throw new UsageException("missing required option --checkpoint (see --help)");
            }
            int ctx = args.has("ctx") ? args.positive("ctx", 1) : 0;
            int vocab = args.has("vocab-size") ? args.positive("vocab-size", 1) : 0;
            return new Settings(refs, ctx, vocab);
        }
    }

    @Override
    protected int doWork(Args args) {
        Settings s = Settings.parse(args);
        CheckpointRef.checkAll(s.checkpoints(), "--checkpoint");
        List<CheckpointSummary> summaries = new ArrayList<>();
        for (CheckpointRef ref : s.checkpoints()) {
            CheckpointSummary c = CheckpointSummary.check(ref);
            fitsTheRun(ref, c.config(), s);
            summaries.add(c);
        }
        summaries.forEach(c -> out.println(c.json()));
        err.printf(Locale.ROOT, "checkpoints: %d checked%n", summaries.size());
        return EXIT_OK;
    }

    /** The run's sequences fit the model's context, and its token ids its vocabulary. */
    private static void fitsTheRun(CheckpointRef ref, ModelConfig cfg, Settings s) {
        String where = ref.dir().resolve("config.json") + ": checkpoint " + ref.name() + " (";
        boolean gpt2 = cfg.modelType().equals("gpt2");
        if (s.ctx() > cfg.nCtx) {
            throw new InputException(where + cfg.describe(gpt2 ? "n_positions" : "max_position_embeddings")
                    + ") has a context of " + cfg.nCtx + " positions, shorter than the run's sequences of " + s.ctx()
                    + " tokens (--ctx)");
        }
        if (s.vocabSize() > cfg.vocabSize) {
            throw new InputException(where + cfg.describe("vocab_size") + ") has a vocabulary of " + cfg.vocabSize
                    + " ids, smaller than the run's token ids' vocabulary of " + s.vocabSize() + " (--vocab-size)");
        }
    }
}
