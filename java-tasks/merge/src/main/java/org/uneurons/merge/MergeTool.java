package org.uneurons.merge;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.cli.UsageException;
import org.uneurons.core.stats.MomentMerger;
import org.uneurons.formats.MomentsFile;

/**
 * merge: partial moments of one model pair (one file per token shard, from correlate) into one moments file of
 * the same format, with the pairwise update, so the result equals one pass over all the shards' tokens. Every
 * input is checked before any is merged: same models, shapes, layer range and token filter; no shard twice.
 */
public final class MergeTool extends Tool {
    public MergeTool() {
        super("merge", "Merges partial moments files of one model pair into one moments file.");
    }

    public static void main(String[] argv) {
        main(new MergeTool(), argv);
    }

    @Override
    protected void declareOptions(Options o) {
        o.addOption(Option.builder().longOpt("input").hasArgs().argName("FILE")
                .desc("partial moments file (repeatable, or comma-separated)").build());
        o.addOption(Option.builder().longOpt("output").hasArg().argName("FILE").desc("merged moments file to write").build());
    }

    /** The command line: the partials (each must exist) and the output. */
    record Settings(List<Path> inputs, Path output) {
        static Settings parse(Args args) {
            List<String> names = args.strings("input");
            if (names.isEmpty()) {
                throw new UsageException("no partial moments given: pass --input FILE (one or more)");
            }
            List<Path> inputs = new ArrayList<>();
            for (String n : names) {
                Path p = Path.of(n);
                if (!Files.exists(p)) {
                    throw new InputException(p + ": no such file or directory (--input)");
                }
                inputs.add(args.input("--input", p));
            }
            return new Settings(inputs, args.output("output"));
        }
    }

    @Override
    protected int doWork(Args args) {
        Settings s = Settings.parse(args);
        MomentsFile.Info merged = checkCompatible(s.inputs());
        MomentsFile.Header first = MomentsFile.readHeader(s.inputs().get(0));
        err.printf(Locale.ROOT, "merge: %d partials of %s vs %s, %s%n", s.inputs().size(), merged.modelA(),
                merged.modelB(), first.shape());
        List<MomentsFile.Reader> readers = new ArrayList<>();
        try {
            for (Path p : s.inputs()) {
                readers.add(MomentsFile.open(p));
            }
            // every block is merged from the inputs' same block while the output is written: memory of a few
            // blocks, whatever the number of inputs
            MomentMerger total = MomentMerger.of(readers);
            MomentsFile.write(s.output(), total, merged);
            err.printf(Locale.ROOT, "merge: %,d tokens from %d shards%n", total.count(), merged.shards().size());
        } finally {
            readers.forEach(MomentsFile.Reader::close);
        }
        return EXIT_OK;
    }

    /**
     * Reads every header before any block: same shapes, models and filter, no shard twice. Returns what the merged
     * file records: every shard, the precisions used, the tokens read before filtering.
     */
    static MomentsFile.Info checkCompatible(List<Path> inputs) {
        MomentsFile.Header first = MomentsFile.readHeader(inputs.get(0));
        Map<String, Path> shardSeen = new HashMap<>();
        Set<String> shards = new LinkedHashSet<>();
        Set<String> gemms = new LinkedHashSet<>();
        long tokensRead = 0;
        for (Path p : inputs) {
            MomentsFile.Header h = p == inputs.get(0) ? first : MomentsFile.readHeader(p);
            if (!h.shape().equals(first.shape())) {
                throw new InputException(p + ": moments of " + h.shape() + " differ from " + inputs.get(0) + " ("
                        + first.shape() + "); partials to merge must have the same shapes and layer range");
            }
            String why = first.info().incompatibility(h.info());
            if (why != null) {
                throw new InputException(p + ": " + why + " (as in " + inputs.get(0) + "); partials to merge must be of one"
                        + " model pair and token filter");
            }
            for (String shard : h.info().shards()) {
                Path before = shardSeen.putIfAbsent(shard, p);
                if (before != null) {
                    throw new InputException(p + ": shard " + shard + " is also in " + before
                            + "; merging it twice would count its tokens twice");
                }
                shards.add(shard);
            }
            gemms.add(h.info().gemm());
            tokensRead += h.info().tokensRead() < 0 ? 0 : h.info().tokensRead();
        }
        return new MomentsFile.Info(first.info().modelA(), first.info().modelB(), new ArrayList<>(shards),
                first.info().filterIds(), String.join(",", gemms), tokensRead);
    }
}
