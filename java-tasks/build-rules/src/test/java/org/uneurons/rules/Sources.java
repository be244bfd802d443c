package org.uneurons.rules;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The reactor as the rules see it: modules (from the root pom), their kind, their main sources. */
final class Sources {
    /** java-tasks/, from the surefire property every module gets (java-tasks/testdata). */
    static final Path ROOT = Path.of(System.getProperty("testdata.dir", "../testdata")).toAbsolutePath().getParent();
    /** The library modules: what task modules may depend on (docs/architecture.md). */
    static final List<String> LIBRARIES = List.of("core", "formats", "blas", "models", "accumulate", "nlp");

    private Sources() {
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Module directories listed in the root pom, in order. */
    static List<String> modules() {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(read(ROOT.resolve("pom.xml")));
        while (m.find()) {
            out.add(m.group(1).trim());
        }
        return out;
    }

    /** A task module names task-parent as its parent. */
    static boolean isTask(String module) {
        String pom = read(ROOT.resolve(module).resolve("pom.xml"));
        Matcher m = Pattern.compile("<parent>(.*?)</parent>", Pattern.DOTALL).matcher(pom);
        return m.find() && m.group(1).contains("<artifactId>task-parent</artifactId>");
    }

    static List<String> taskModules() {
        return modules().stream().filter(Sources::isTask).toList();
    }

    /** The artifactId of a module's own pom (not its parent's). */
    static String artifactId(String module) {
        String pom = read(ROOT.resolve(module).resolve("pom.xml")).replaceAll("(?s)<parent>.*?</parent>", "")
                .replaceAll("(?s)<!--.*?-->", "");
        Matcher m = Pattern.compile("<artifactId>([^<]+)</artifactId>").matcher(pom);
        if (!m.find()) {
            throw new IllegalStateException(module + "/pom.xml has no artifactId");
        }
        return m.group(1).trim();
    }

    /** Every .java file under a module's src/main/java. */
    static List<Path> mainSources(String module) {
        Path dir = ROOT.resolve(module).resolve("src/main/java");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String relative(Path p) {
        return ROOT.relativize(p).toString();
    }
}
