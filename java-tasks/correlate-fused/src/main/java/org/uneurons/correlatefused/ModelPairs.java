package org.uneurons.correlatefused;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.uneurons.core.cli.UsageException;

/**
 * Which model pairs fused mode correlates, as indices into the checkpoint list: {@code anchor} (the first model
 * against each other, as the paper), {@code all} (every unordered pair, first-listed model as a), or explicit
 * {@code A:B} pairs by model name (the checkpoint directory's name).
 */
public final class ModelPairs {
    /** Model {@code a} (rows of the co-moment blocks) against model {@code b}; indices into the model list. */
    public record Pair(int a, int b) {
    }

    private ModelPairs() {
    }

    /** {@code mode} is anchor, all or null; {@code explicit} the values of --pair. Exactly one must be given. */
    public static List<Pair> choose(List<String> models, String mode, List<String> explicit) {
        if (models.size() < 2) {
            throw new UsageException("fused mode needs at least two checkpoints (--checkpoint DIR, repeatable, or"
                    + " --checkpoints A,B,...), got " + models.size());
        }
        if (mode != null && !explicit.isEmpty()) {
            throw new UsageException("--pairs and --pair exclude each other");
        }
        List<Pair> pairs = new ArrayList<>();
        if (mode == null && explicit.isEmpty()) {
            throw new UsageException("fused mode needs --pairs anchor|all or --pair A:B (see --help)");
        } else if ("anchor".equals(mode)) {
            for (int b = 1; b < models.size(); b++) {
                pairs.add(new Pair(0, b));
            }
        } else if ("all".equals(mode)) {
            for (int a = 0; a < models.size(); a++) {
                for (int b = a + 1; b < models.size(); b++) {
                    pairs.add(new Pair(a, b));
                }
            }
        } else if (mode != null) {
            throw new UsageException("--pairs expects one of anchor, all, got '" + mode + "'");
        } else {
            Set<Pair> seen = new LinkedHashSet<>();
            for (String spec : explicit) {
                String[] ab = spec.split(":", -1);
                if (ab.length != 2 || ab[0].isBlank() || ab[1].isBlank()) {
                    throw new UsageException("--pair expects MODEL_A:MODEL_B (checkpoint directory names), got '" + spec + "'");
                }
                Pair p = new Pair(index(models, ab[0].trim(), spec), index(models, ab[1].trim(), spec));
                if (p.a() == p.b()) {
                    throw new UsageException("--pair " + spec + " pairs a model with itself");
                }
                if (!seen.add(p)) {
                    throw new UsageException("--pair " + spec + " is given twice");
                }
            }
            pairs.addAll(seen);
        }
        return pairs;
    }

    private static int index(List<String> models, String name, String spec) {
        int i = models.indexOf(name);
        if (i < 0) {
            throw new UsageException("--pair " + spec + " names model '" + name + "', which is not among the checkpoints ("
                    + String.join(", ", models) + ")");
        }
        return i;
    }
}
