package org.uneurons.chains;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A task tool run as its own JVM, as the pipeline runs it, so that it can be sent SIGTERM (shutdown hooks run) or
 * SIGKILL (nothing runs). The class path is the test's own (surefire passes it in surefire.test.class.path).
 */
final class Subprocess {
    /** A run: its exit code (143 after SIGTERM, 137 after SIGKILL), its stderr, its wall time. */
    record Result(int exitCode, String stderr, double seconds) {
    }

    private final Process process;
    private final Path stderr;
    private final long started = System.nanoTime();

    private Subprocess(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
    }

    /** Starts {@code mainClass} with {@code args}; its stderr goes to {@code stderr}. */
    static Subprocess start(Class<?> mainClass, Path stderr, List<String> args) throws IOException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", cp, mainClass.getName()));
        argv.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(stderr.toFile());
        pb.environment().put("DJL_OFFLINE", "true");
        pb.environment().put("OPT_OUT_TRACKING", "true");
        pb.environment().remove("UN_TASK_PROCESS");
        return new Subprocess(pb.start(), stderr);
    }

    double secondsSinceStart() {
        return (System.nanoTime() - started) / 1e9;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGTERM: what SLURM sends at a time limit; the JVM runs its shutdown hooks. */
    void terminate() {
        process.destroy();
    }

    /** SIGKILL: no hook runs. */
    void kill() {
        process.destroyForcibly();
    }

    /** Waits at most {@code seconds} for the end (then kills it and fails). */
    Result waitFor(double seconds) throws IOException, InterruptedException {
        if (!process.waitFor((long) (seconds * 1000), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("the tool did not end within " + seconds + " s");
        }
        return new Result(process.exitValue(), Files.readString(stderr, StandardCharsets.UTF_8), secondsSinceStart());
    }
}
