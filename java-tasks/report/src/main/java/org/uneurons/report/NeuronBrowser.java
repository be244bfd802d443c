package org.uneurons.report;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.uneurons.core.stats.PaperHistogram;

/**
 * The neuron browser: {@code report/neurons/}, static pages that open offline. {@code index.html} lists every
 * neuron of the groups' table models (sortable, filterable, a page of rows at a time); {@code neuron.html#G/L/N}
 * shows one neuron. Data are scripts under {@code data/} (file:// pages cannot fetch JSON): {@code meta.js}, per
 * group one index file per layer and one detail file per chunk of {@link #CHUNK} neurons of a layer, loaded only
 * when a page needs them, so a page of GPT-2 medium (98,304 neurons) reads its layer's index or one chunk.
 */
final class NeuronBrowser {
    static final int CHUNK = 256;
    /** Tokens shown after an activating token. */
    static final int AFTER = 4;
    static final String[] PAGES = {"index.html", "neuron.html", "browser.js", "browser.css"};

    private NeuronBrowser() {
    }

    /** Writes {@code reportDir/neurons/}; returns the number of data files. */
    static int write(Path reportDir, List<BrowserGroup> groups, BrowserContexts contexts, String title, int chunk)
            throws IOException {
        Path dir = reportDir.resolve("neurons");
        Files.createDirectories(dir.resolve("data"));
        for (String page : PAGES) {
            try (InputStream in = NeuronBrowser.class.getResourceAsStream("browser/" + page)) {
                if (in == null) {
                    throw new IllegalStateException("browser/" + page + " is missing from the report jar");
                }
                Files.copy(in, dir.resolve(page));
            }
        }
        Map<String, String> tableGroups = BrowserData.tableGroups(groups);
        JsonText meta = new JsonText().open('{').key("title").value(title).key("chunk").value(chunk);
        meta.key("histEdges").open('[');
        for (float e : PaperHistogram.edges()) {
            meta.value(e);
        }
        meta.close(']').key("groups").open('[');
        int files = 1;
        for (int i = 0; i < groups.size(); i++) {
            BrowserGroup g = groups.get(i);
            BrowserData data = new BrowserData(g, contexts.contexts[i], contexts.vocab);
            data.meta(meta, tableGroups, notes(g, contexts));
            files += writeGroup(dir.resolve("data").resolve(g.table().label), g, data, chunk);
        }
        meta.close(']').close('}');
        write(dir.resolve("data").resolve("meta.js"), "UN.meta(" + meta + ");\n");
        return files;
    }

    private static int writeGroup(Path dir, BrowserGroup g, BrowserData data, int chunk) throws IOException {
        Files.createDirectories(dir);
        int files = 0;
        for (int l = 0; l < g.table().nLayers; l++) {
            write(dir.resolve("index-" + l + ".js"), data.index(l));
            files++;
            for (int c = 0; c * chunk < g.table().dMlp; c++) {
                write(dir.resolve(l + "-" + c + ".js"), data.detail(l, c, chunk));
                files++;
            }
        }
        return files;
    }

    /** What the group's pages lack, and why, one sentence each. */
    private static List<String> notes(BrowserGroup g, BrowserContexts contexts) {
        List<String> notes = new ArrayList<>();
        if (g.top() == null) {
            notes.add("No statistics file was given for this group: no activation histograms or contexts.");
        } else if (!contexts.missing.isEmpty()) {
            notes.add("Token shards not given, so their contexts are missing: " + String.join(", ", contexts.missing) + ".");
        }
        if (g.model() == null) {
            notes.add("The group's model is not known (no statistics or families file): no roles or top tokens.");
        } else if (g.roles() == null) {
            notes.add("Roles were not computed for " + g.model() + ": no role or top tokens.");
        } else if (g.tokens() == null) {
            notes.add("The weights task directory of " + g.model() + " has no top_tokens.h5: no top tokens.");
        }
        if (g.families() == null) {
            notes.add("Families were not computed for this group.");
        } else {
            notes.add("Families explain " + g.families().data().rows() + " neurons (" + g.families().data().attributes()
                    .getOrDefault("rule", "the universal ones") + "); the others have no family.");
        }
        return notes;
    }

    private static void write(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
