package org.uneurons.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import com.github.javaparser.ParserConfiguration;
import com.github.javaparser.StaticJavaParser;
import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.ImportDeclaration;
import com.github.javaparser.ast.body.CallableDeclaration;
import com.github.javaparser.ast.body.ClassOrInterfaceDeclaration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shape the code keeps (issue: one home per file format, one tool per process): short methods, jhdf only behind
 * core's HDF5 wrapper, DJL only where a model runs, one Tool class per task module.
 */
class CodeShapeTest {
    static final int MAX_METHOD_LINES = 60;

    @BeforeAll
    static void java17() {
        StaticJavaParser.getParserConfiguration().setLanguageLevel(ParserConfiguration.LanguageLevel.JAVA_17);
    }

    record Method(String where, int lines) {
    }

    /** Every method and constructor of main code, longest first (signature to closing brace, comments included). */
    static List<Method> methods() {
        List<Method> out = new ArrayList<>();
        for (String module : Sources.modules()) {
            for (Path f : Sources.mainSources(module)) {
                CompilationUnit cu = StaticJavaParser.parse(Sources.read(f));
                for (CallableDeclaration<?> m : cu.findAll(CallableDeclaration.class)) {
                    int lines = m.getEnd().get().line - m.getBegin().get().line + 1;
                    out.add(new Method(Sources.relative(f) + ":" + m.getBegin().get().line + " " + m.getNameAsString(),
                            lines));
                }
            }
        }
        out.sort(Comparator.comparingInt(Method::lines).reversed());
        return out;
    }

    @Test
    void noMethodInMainCodeIsLongerThan60Lines() {
        List<Method> all = methods();
        System.out.println("longest methods in main code:");
        all.stream().limit(5).forEach(m -> System.out.println("  " + m.lines() + " lines  " + m.where()));
        List<Method> tooLong = all.stream().filter(m -> m.lines() > MAX_METHOD_LINES).toList();
        assertTrue(tooLong.isEmpty(), "methods over " + MAX_METHOD_LINES + " lines: " + tooLong);
        assertTrue(all.size() > 500, "the rule read the sources: " + all.size() + " methods");
    }

    /** Imports of main code that start with {@code prefix}, as "file: import". */
    static List<String> imports(String module, String prefix) {
        List<String> out = new ArrayList<>();
        for (Path f : Sources.mainSources(module)) {
            for (ImportDeclaration i : StaticJavaParser.parse(Sources.read(f)).getImports()) {
                if (i.getNameAsString().startsWith(prefix)) {
                    out.add(Sources.relative(f) + ": " + i.getNameAsString());
                }
            }
            if (Sources.read(f).contains(prefix + ".") && !prefix.isEmpty()) {
                // fully qualified uses without an import count too
                String body = Sources.read(f).replaceAll("(?m)^import .*$", "");
                if (body.contains(prefix + ".")) {
                    out.add(Sources.relative(f) + ": qualified use of " + prefix);
                }
            }
        }
        return out;
    }

    @Test
    void onlyCoresHdf5WrapperTouchesJhdf() {
        List<String> found = new ArrayList<>();
        for (String module : Sources.modules()) {
            for (String use : imports(module, "io.jhdf")) {
                if (!use.matches("core/src/main/java/org/uneurons/core/io/Hdf5(Reader|Writer|Strings)?\\.java: .*")) {
                    found.add(use);
                }
            }
        }
        assertEquals(List.of(), found, "jhdf outside core's HDF5 wrapper (Hdf5, Hdf5Reader, Hdf5Writer, Hdf5Strings)");
    }

    @Test
    void djlOnlyWhereAModelRunsOrTotalsLiveOnADevice() {
        List<String> djlFree = List.of("core", "formats", "blas", "nlp", "tokenize", "corpus", "merge", "finalise", "stats-partial",
                "stats-final", "universality", "dynamics", "report", "weights");
        List<String> found = new ArrayList<>();
        for (String module : djlFree) {
            found.addAll(imports(module, "ai.djl"));
        }
        assertEquals(List.of(), found, "DJL in a module that runs no model");
    }

    @Test
    void everyTaskModuleHasExactlyOneToolClass() {
        List<String> tasks = Sources.taskModules();
        assertTrue(tasks.size() >= 12, "task modules: " + tasks);
        for (String module : tasks) {
            List<String> tools = new ArrayList<>();
            for (Path f : Sources.mainSources(module)) {
                for (ClassOrInterfaceDeclaration c : StaticJavaParser.parse(Sources.read(f))
                        .findAll(ClassOrInterfaceDeclaration.class)) {
                    if (c.getExtendedTypes().stream().anyMatch(t -> t.getNameAsString().equals("Tool"))) {
                        tools.add(c.getNameAsString());
                    }
                }
            }
            assertEquals(1, tools.size(), module + " must hold one Tool class (one Nextflow process), has " + tools);
        }
    }
}
