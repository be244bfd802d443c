package org.uneurons.intervene;

import org.apache.commons.cli.Options;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.cli.UsageException;

/**
 * intervene (one task per table model): the causal checks of the roles read from the weights (METHOD 7.2, 7.3;
 * docs/roles.md): entropy candidates with their activation fixed, attention-deactivation candidates with their
 * output removed from one head's queries, prediction and suppression neurons ablated; random neurons as baselines.
 */
public final class InterveneTool extends Tool {
    public InterveneTool() {
        super("intervene", "Causal checks of a model's functional roles: fixed activations, query-path ablation, zero ablation.");
    }

    public static void main(String[] argv) {
        main(new InterveneTool(), argv);
    }

    @Override
    protected void declareOptions(Options o) {
        o.addOption(option("checkpoint", "NAME=DIR", "the model's checkpoint"));
        o.addOption(option("roles", "FILE", "the model's roles.csv (weights task)"));
        o.addOption(option("shard", "FILE", "token shard (repeatable, comma-separated; read in file-name order)"));
        o.addOption(option("outdir", "DIR", "directory for entropy.csv, attention.csv, attention_points.h5, prediction.csv"));
    }

    @Override
    protected int doWork(Args args) {
        throw new UsageException("intervene: under construction");
    }
}
