package org.uneurons.merge;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;

import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.cli.UsageException;
import org.uneurons.core.stats.MomentMerger;
import org.uneurons.formats.MomentsFile;
import org.uneurons.formats.Provenance;

/**
 * merge: partial moments of one model pair (one file per token shard, from correlate) into one moments file of
 * the same format, with the pairwise update, so the result equals one pass over all the shards' tokens. Every
 * input is checked before any is merged: same models (names and weights), shapes, layer range and token filter; no
 * shard twice (by the content of its tokens, not by its name).
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
        MomentsFile.Info merged = checkCompatible(s.inputs(), w -> err.println(name() + ": warning: " + w));
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
     * Reads every header before any block: same shapes, models (names, and weights where their hashes are known) and
     * filter, no shard twice. A shard is known by the content hash of its tokens, not by its name: two different
     * shards of one name merge, one shard under two names is refused. Shards of files of earlier versions, which have
     * no hash, are compared by name, with a warning ({@code warn}). Returns what the merged file records: every shard
     * and its hash, the precisions used, the tokens read before filtering.
     */
    static MomentsFile.Info checkCompatible(List<Path> inputs, Consumer<String> warn) {
        MomentsFile.Header first = MomentsFile.readHeader(inputs.get(0));
        Shards shards = new Shards();
        Set<String> gemms = new LinkedHashSet<>();
        String shaA = null;
        String shaB = null;
        long tokensRead = 0;
        for (Path p : inputs) {
            MomentsFile.Header h = p == inputs.get(0) ? first : MomentsFile.readHeader(p);
            MomentsFile.Info info = h.info();
            if (!h.shape().equals(first.shape())) {
                throw new InputException(p + ": moments of " + h.shape() + " differ from " + inputs.get(0) + " ("
                        + first.shape() + "); partials to merge must have the same shapes and layer range");
            }
            // against the first file's names and filter, and the first known hash of each model
            MomentsFile.Info known = new MomentsFile.Info(first.info().modelA(), first.info().modelB(), List.of(),
                    first.info().filterIds(), "", 0, shaA, shaB, List.of());
            String why = known.incompatibility(info);
            if (why != null) {
                throw new InputException(p + ": " + why + " (as in " + inputs.get(0) + "); partials to merge must be of one"
                        + " model pair and token filter");
            }
            shaA = shaA != null ? shaA : info.modelASha256();
            shaB = shaB != null ? shaB : info.modelBSha256();
            if (info.modelASha256() == null || info.modelBSha256() == null || info.shardSha256().contains("")) {
                warn.accept(Provenance.unchecked(p, "model_a_sha256, model_b_sha256 or shard_sha256",
                        "its models and shards"));
            }
            for (int i = 0; i < info.shards().size(); i++) {
                shards.add(p, info.shards().get(i), info.shardSha256().get(i));
            }
            gemms.add(info.gemm());
            tokensRead += info.tokensRead() < 0 ? 0 : info.tokensRead();
        }
        return new MomentsFile.Info(first.info().modelA(), first.info().modelB(), shards.names, first.info().filterIds(),
                String.join(",", gemms), tokensRead, shaA, shaB, shards.sha256);
    }

    /** The shards of the inputs so far, each once: by content hash, or by name where the hash is not known. */
    private static final class Shards {
        final List<String> names = new ArrayList<>();
        final List<String> sha256 = new ArrayList<>();
        final List<Path> from = new ArrayList<>();

        void add(Path p, String name, String hash) {
            for (int i = 0; i < names.size(); i++) {
                boolean sameContent = !hash.isEmpty() && hash.equals(sha256.get(i));
                boolean sameName = name.equals(names.get(i)) && (hash.isEmpty() || sha256.get(i).isEmpty());
                if (sameContent) {
                    throw new InputException(p + ": shard " + name + " holds the same tokens as shard " + names.get(i)
                            + " in " + from.get(i) + " (sha256 " + Provenance.abbreviate(hash) + "); merging it twice"
                            + " would count its tokens twice");
                }
                if (sameName) {
                    throw new InputException(p + ": shard " + name + " is also in " + from.get(i)
                            + "; merging it twice would count its tokens twice");
                }
            }
            names.add(name);
            sha256.add(hash);
            from.add(p);
        }
    }
}
