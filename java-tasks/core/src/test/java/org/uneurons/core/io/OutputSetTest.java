package org.uneurons.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** All-or-nothing publishing of several files, the names of temporaries, and the removal of a killed run's ones. */
class OutputSetTest {
    @TempDir
    Path dir;

    static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** An older run's set: a.csv, b.csv and c.csv, each holding "old". */
    private void olderRun() throws IOException {
        for (String f : List.of("a.csv", "b.csv", "c.csv")) {
            Files.writeString(dir.resolve(f), "old " + f);
        }
    }

    private OutputSet newRun(OutputSet set) {
        return set.write(dir.resolve("a.csv"), AtomicOutput.string("new a")).write(dir.resolve("b.csv"),
                AtomicOutput.string("new b")).retire(dir.resolve("c.csv"));
    }

    @Test
    void publishesEveryFileAndRemovesTheRetiredOnes() throws IOException {
        olderRun();
        try (OutputSet set = new OutputSet()) {
            newRun(set).commit();
        }
        assertEquals(List.of("a.csv", "b.csv"), listing(dir), "c.csv of the older run is gone, nothing else left");
        assertEquals("new a", Files.readString(dir.resolve("a.csv")));
        assertEquals("new b", Files.readString(dir.resolve("b.csv")));
    }

    @Test
    void aFailedWriteLeavesTheOlderRunAsItWasAndNoTemporary() throws IOException {
        olderRun();
        try (InjectedFaults f = InjectedFaults.failWriting("b.csv", new IOException("No space left on device"));
             OutputSet set = new OutputSet()) {
            PathIOException e = assertThrows(PathIOException.class, () -> newRun(set));
            assertEquals(dir.resolve("b.csv").toAbsolutePath(), e.path());
        }
        assertEquals(List.of("a.csv", "b.csv", "c.csv"), listing(dir));
        assertEquals("old a.csv", Files.readString(dir.resolve("a.csv")));
    }

    @Test
    void aFailedRenameWithdrawsTheRenamedFilesSoNoFileOfEitherRunIsLeft() throws IOException {
        olderRun();
        try (InjectedFaults f = InjectedFaults.failPublishing("b.csv", new IOException("Input/output error"));
             OutputSet set = new OutputSet()) {
            newRun(set);
            PathIOException e = assertThrows(PathIOException.class, set::commit);
            assertEquals(dir.resolve("b.csv").toAbsolutePath() + ": cannot publish", e.getMessage());
        }
        assertEquals(List.of(), listing(dir), "neither a.csv (withdrawn) nor the older b.csv and c.csv");
    }

    @Test
    void aDirectoryOutputIsReplacedWhole() throws IOException {
        Path report = Files.createDirectories(dir.resolve("report"));
        Files.writeString(report.resolve("old.png"), "old");
        try (OutputSet set = new OutputSet()) {
            Path temp = set.tempDirectory(report);
            Files.writeString(temp.resolve("index.html"), "new");
            set.commit();
        }
        assertEquals(List.of("report"), listing(dir));
        assertEquals(List.of("index.html"), listing(report));
    }

    @Test
    void closingWithoutCommitDeletesTheTemporaries() throws IOException {
        try (OutputSet set = new OutputSet()) {
            Path t = set.temp(dir.resolve("x.h5"));
            assertTrue(Files.exists(t));
            assertTrue(TempRegistry.isLive(t));
        }
        assertEquals(List.of(), listing(dir));
    }

    @Test
    void temporaryNamesSayWhoseOutputTheyAreAndNeverEndInItsExtension() {
        Path t = TempNames.next(dir.resolve("acts.h5"), TempNames.TEMP, false);
        String name = t.getFileName().toString();
        assertFalse(name.endsWith(".h5"), name);
        TempNames.Parsed p = TempNames.parse(name).orElseThrow();
        assertEquals("acts.h5", p.output());
        assertEquals(ProcessHandle.current().pid(), p.pid());
        assertEquals(dir.resolve("acts.h5").toAbsolutePath(), TempNames.outputOf(t));
        Path inSpill = TempNames.next(dir.resolve("acts.h5"), TempNames.SPILL, false).resolve("mlp_post.0");
        assertEquals(dir.resolve("acts.h5").toAbsolutePath(), TempNames.outputOf(inSpill));
        assertEquals(Path.of("x/acts.h5"), TempNames.outputOf(Path.of("x/acts.h5")));
        assertTrue(TempNames.parse("acts.h5").isEmpty());
        assertTrue(TempNames.parse("acts.h5.tmp-12-0@").isEmpty());
    }

    /** The pid of a process that has ended. */
    static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }

    @Test
    void staleTemporariesAreThoseOfEndedProcessesOnThisHost() throws Exception {
        long dead = deadPid();
        long alive = ProcessHandle.current().parent().orElseThrow().pid();
        long me = ProcessHandle.current().pid();
        String host = TempNames.thisHost();
        Files.writeString(dir.resolve("acts.h5"), "published");
        Files.writeString(dir.resolve("acts.h5.tmp-" + dead + "-0@" + host), "killed");
        Path spill = Files.createDirectories(dir.resolve("acts.h5.spill-" + dead + "-1@" + host));
        Files.writeString(spill.resolve("mlp_post.0"), "killed");
        Files.writeString(dir.resolve("acts.h5.tmp-" + me + "-99@" + host), "an earlier process with this pid");
        Files.writeString(dir.resolve("acts.h5.tmp-" + alive + "-0@" + host), "a running process");
        Files.writeString(dir.resolve("acts.h5.tmp-" + dead + "-0@elsewhere"), "another host");
        Files.writeString(dir.resolve("other.h5.tmp-" + dead + "-0@" + host), "another output");
        List<Path> removed = StaleTemps.removeFor(dir.resolve("acts.h5"));
        assertEquals(3, removed.size(), removed.toString());
        assertEquals(List.of("acts.h5", "acts.h5.tmp-" + alive + "-0@" + host, "acts.h5.tmp-" + dead + "-0@elsewhere",
                "other.h5.tmp-" + dead + "-0@" + host), listing(dir));
        try (OutputSet set = new OutputSet()) {
            Path mine = set.temp(dir.resolve("mine.h5"));
            assertEquals(List.of(), StaleTemps.removeIn(dir, n -> n.equals("mine.h5")), "this process's own temporary");
            assertTrue(Files.exists(mine));
        }
    }
}
