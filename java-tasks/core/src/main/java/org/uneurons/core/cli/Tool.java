package org.uneurons.core.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Locale;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

/**
 * The contract every task CLI follows (as Picard/GATK tools do): declared options, one {@link #doWork} that
 * returns an exit code, {@code --help}, {@code --version} from the jar manifest, exit 0 on success, 2 on a usage
 * error, 1 on bad input or failure, and exactly one line on stderr ({@code <tool>: error: <message>}) for bad input,
 * a usage error or an I/O failure. An unexpected exception (a defect) adds a short stack trace under that line;
 * {@code --debug} prints the whole trace for every error. Tests call {@link #run} in-process.
 */
public abstract class Tool {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_USAGE = 2;
    /** Stack frames printed under the error line of an unexpected exception (all of them with --debug). */
    static final int TRACE_FRAMES = 8;

    protected PrintStream out = System.out;
    protected PrintStream err = System.err;
    /** Where timing.tsv and versions.yml go inside a pipeline task; null outside one. */
    private TaskRecord taskRecord = TaskRecord.fromEnvironment();

    private final String name;
    private final String description;

    /** {@code name}: the command users type, e.g. {@code extract}; {@code description}: one sentence for --help. */
    protected Tool(String name, String description) {
        this.name = name;
        this.description = description;
    }

    /** The command name users type, e.g. {@code extract}. */
    public final String name() {
        return name;
    }

    /** One sentence for {@code --help}. */
    public final String description() {
        return description;
    }

    /** An option with one value, {@code --name ARG}. */
    protected static Option option(String name, String arg, String desc) {
        return Option.builder().longOpt(name).hasArg().argName(arg).desc(desc).build();
    }

    /** An option without a value, {@code --name}. */
    protected static Option flag(String name, String desc) {
        return Option.builder().longOpt(name).desc(desc).build();
    }

    /**
     * Versions of the libraries and the device a run used, for versions.yml after the tool's and Java's (e.g. djl,
     * pytorch, cuda, device); tools that run a model fill it once they know their device.
     */
    protected final java.util.Map<String, String> components = new java.util.LinkedHashMap<>();

    /** Declares this tool's own options (the shared ones are added by {@link #run}). */
    protected abstract void declareOptions(Options options);

    /** Does the work; throw {@link InputException} or {@link UsageException} for bad input. */
    protected abstract int doWork(Args args) throws Exception;

    /** Writes this tool's timing row and versions.yml into {@code record}'s directory (tests; tasks use the environment). */
    public final Tool recordingTo(TaskRecord record) {
        this.taskRecord = record;
        return this;
    }

    /**
     * Runs the tool in-process and returns its exit code; never calls System.exit. Inside a pipeline task
     * ({@link TaskRecord}) a run that does work (not --help or --version) also leaves its timing row and versions.yml.
     */
    public final int run(String[] argv, PrintStream stdout, PrintStream stderr) {
        int code = runTool(argv, stdout, stderr);
        if (taskRecord != null && code != INFO_ONLY) {
            taskRecord.write(name(), Version.describe(getClass()), code, components);
        }
        return code == INFO_ONLY ? EXIT_OK : code;
    }

    /** Internal: --help or --version answered (exit 0, nothing recorded). */
    private static final int INFO_ONLY = -1;

    private int runTool(String[] argv, PrintStream stdout, PrintStream stderr) {
        this.out = stdout;
        this.err = stderr;
        Options options = new Options();
        declareOptions(options);
        options.addOption(Option.builder().longOpt("help").desc("print this help and exit").build());
        options.addOption(Option.builder().longOpt("version").desc("print version and git commit and exit").build());
        options.addOption(Option.builder().longOpt("debug").desc("print stack traces on errors").build());
        boolean debug = false;
        for (String a : argv) {
            debug |= a.equals("--debug");
        }
        CommandLine cl;
        try {
            // Help and version win over missing required options, as users expect.
            for (String a : argv) {
                if (a.equals("--help") || a.equals("-h")) {
                    printHelp(options);
                    return INFO_ONLY;
                }
                if (a.equals("--version")) {
                    stdout.println(name() + " " + Version.describe(getClass()));
                    return INFO_ONLY;
                }
            }
            cl = new DefaultParser(false).parse(options, argv);
            if (!cl.getArgList().isEmpty()) {
                throw new UsageException("unexpected argument '" + cl.getArgList().get(0) + "' (see --help)");
            }
        } catch (ParseException e) {
            return fail(EXIT_USAGE, usageMessage(e), e, debug);
        } catch (UsageException e) {
            return fail(EXIT_USAGE, e.getMessage(), e, debug);
        }
        try {
            return doWork(new Args(cl, name(), err));
        } catch (UsageException e) {
            return fail(EXIT_USAGE, e.getMessage(), e, debug);
        } catch (InputException e) {
            return fail(EXIT_FAILURE, e.getMessage(), e, debug);
        } catch (OutOfMemoryError e) {
            // Exit 3 is what the pipeline's retry strategy recognises as "give me more memory".
            fail(3, "out of memory (raise the task's memory or lower the batch size)", e, debug);
            return 3;
        } catch (Exception | Error e) {
            int code = fail(EXIT_FAILURE, ErrorLine.describe(e), e, debug);
            if (!debug && ErrorLine.deepestIOException(e) == null) {
                // Not bad input and not the file system: a defect, so the report needs where it happened.
                err.print(ErrorLine.shortTrace(e, TRACE_FRAMES));
                err.flush();
            }
            return code;
        }
    }

    /** Entry point for the command line: runs and exits with the tool's code. */
    protected static void main(Tool tool, String[] argv) {
        int code = tool.run(argv, System.out, System.err);
        System.out.flush();
        System.exit(code);
    }

    private int fail(int code, String message, Throwable t, boolean debug) {
        err.println(name() + ": error: " + message);
        if (debug) {
            t.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    private static String usageMessage(ParseException e) {
        String m = e.getMessage();
        return (m == null ? "bad command line" : m.replace('\n', ' ').toLowerCase(Locale.ROOT).charAt(0) + m.replace('\n', ' ').substring(1))
                + " (see --help)";
    }

    private void printHelp(Options options) {
        @SuppressWarnings("deprecation")
        HelpFormatter f = new HelpFormatter();
        PrintWriter pw = new PrintWriter(out);
        f.printHelp(pw, 100, name(), description(), options, 2, 4, "", true);
        pw.flush();
    }
}
