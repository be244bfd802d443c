package org.uneurons.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The dependency rule read from the poms (the enforcer rule of task-parent fails the build too; this says which
 * module broke it): a task module depends on library modules only, in every scope; library modules depend on no task
 * module; the module graph in docs/architecture.md is the one the poms give.
 */
class ModuleGraphTest {
    private static final Pattern DEPENDENCY = Pattern.compile(
            "<dependency>\\s*<groupId>org\\.uneurons</groupId>\\s*<artifactId>([^<]+)</artifactId>");

    /** The project's own artifacts a module's pom names as dependencies (any scope). */
    static List<String> projectDependencies(String module) {
        String pom = Sources.read(Sources.ROOT.resolve(module).resolve("pom.xml")).replaceAll("(?s)<!--.*?-->", "");
        List<String> out = new ArrayList<>();
        Matcher m = DEPENDENCY.matcher(pom);
        while (m.find()) {
            if (!out.contains(m.group(1))) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    static List<String> libraryArtifacts() {
        return Sources.LIBRARIES.stream().map(Sources::artifactId).toList();
    }

    @Test
    void taskModulesDependOnLibraryModulesOnly() {
        List<String> broken = new ArrayList<>();
        for (String task : Sources.taskModules()) {
            for (String dep : projectDependencies(task)) {
                if (!libraryArtifacts().contains(dep)) {
                    broken.add(task + " -> " + dep);
                }
            }
        }
        assertEquals(List.of(), broken, "task modules may depend on " + libraryArtifacts() + " only");
    }

    @Test
    void libraryModulesDependOnNoTaskModule() {
        List<String> taskArtifacts = Sources.taskModules().stream().map(Sources::artifactId).toList();
        List<String> broken = new ArrayList<>();
        for (String lib : Sources.LIBRARIES) {
            assertTrue(Sources.modules().contains(lib), lib + " is a module of the reactor");
            for (String dep : projectDependencies(lib)) {
                if (taskArtifacts.contains(dep)) {
                    broken.add(lib + " -> " + dep);
                }
            }
        }
        assertEquals(List.of(), broken);
    }

    /** docs/architecture.md lists every module's project dependencies in a block the poms must match. */
    @Test
    void architectureDocMatchesThePoms() {
        String doc = Sources.read(Sources.ROOT.getParent().resolve("docs/architecture.md"));
        Matcher block = Pattern.compile("(?s)<!-- module-graph -->\\s*```\\s*\\n(.*?)```").matcher(doc);
        assertTrue(block.find(), "docs/architecture.md has a module-graph block");
        List<String> documented = block.group(1).lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        List<String> actual = new ArrayList<>();
        for (String module : Sources.modules()) {
            if (module.equals("task-parent")) {
                continue;
            }
            List<String> deps = projectDependencies(module).stream().map(ModuleGraphTest::shortName).distinct().toList();
            actual.add(String.format("%-16s -> %s", module, deps.isEmpty() ? "(none)" : String.join(", ", deps)));
        }
        assertEquals(String.join("\n", actual), String.join("\n", documented),
                "update the module-graph block of docs/architecture.md to what the poms say");
    }

    /** uneurons-core -> core: the module directory of an artifact. */
    private static String shortName(String artifact) {
        return artifact.startsWith("uneurons-") ? artifact.substring("uneurons-".length()) : artifact;
    }
}
