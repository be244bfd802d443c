package org.uneurons.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.uneurons.core.stats.PaperHistogram;
import org.uneurons.formats.CsvTable;
import org.uneurons.formats.FamiliesFile;
import org.uneurons.formats.TopTokensFile;

/**
 * The neuron browser's data of one group as script text: the group's description for meta.js, one index file per
 * layer (a few columns of every neuron, as arrays over the layer's neurons) and one detail file per chunk of a
 * layer's neurons (everything a neuron page shows). Each file calls one function of browser.js with its data.
 */
final class BrowserData {
    /** Table columns shown, sorted and filtered on in the index, when the table has them. */
    static final String[] INDEX_COLUMNS = {"excess_corr", "mean_corr", "mean_baseline", "max_corr", "act_freq", "kurt",
        "vocab_kurt", "vocab_skew"};
    /** Role flags of the index's role column, one bit each in this order. */
    static final String[] ROLE_FLAGS = {"prediction", "suppression", "partition", "entropy candidate",
        "attention candidate"};

    private final BrowserGroup g;
    private final BrowserContexts.Context[][] contexts;
    private final TokenText vocab;
    /** Table row of each (layer * d_mlp + neuron), -1 where the table has no row. */
    private final int[] rowOf;
    /** Families row of each neuron, -1 where the families file does not explain it. */
    private final int[] familyOf;
    private final List<String> familyNames = new ArrayList<>();
    private final List<String> statColumns = new ArrayList<>();
    private final List<String> indexColumns = new ArrayList<>();

    BrowserData(BrowserGroup g, BrowserContexts.Context[][] contexts, TokenText vocab) {
        this.g = g;
        this.contexts = contexts;
        this.vocab = vocab;
        int n = g.table().nLayers * g.table().dMlp;
        rowOf = new int[n];
        familyOf = new int[n];
        java.util.Arrays.fill(rowOf, -1);
        java.util.Arrays.fill(familyOf, -1);
        for (int r = 0; r < g.table().size(); r++) {
            rowOf[g.row(g.table().layer[r], g.table().neuron[r])] = r;
        }
        if (g.families() != null) {
            FamiliesFile.Families f = g.families().data();
            for (int i = 0; i < f.rows(); i++) {
                familyOf[g.row(f.layer()[i], f.neuron()[i])] = i;
                if (!familyNames.contains(f.family()[i])) {
                    familyNames.add(f.family()[i]);
                }
            }
        }
        for (String c : g.table().table().header()) {
            if (!c.equals("layer") && !c.equals("neuron") && !partnerColumn(c)) {
                statColumns.add(c);
            }
        }
        for (String c : INDEX_COLUMNS) {
            if (g.table().table().has(c)) {
                indexColumns.add(c);
            }
        }
    }

    private boolean partnerColumn(String c) {
        for (String m : g.table().otherModels) {
            if (c.equals("partner_layer_" + m) || c.equals("partner_neuron_" + m) || c.equals("corr_" + m)
                    || c.equals("baseline_" + m)) {
                return true;
            }
        }
        return false;
    }

    /** The group's entry of meta.js; {@code tableGroups} maps a model name to the group whose table it is. */
    void meta(JsonText j, Map<String, String> tableGroups, List<String> notes) {
        NeuronGroup t = g.table();
        j.open('{').key("label").value(t.label).key("model").value(g.model()).key("nLayers").value(t.nLayers)
                .key("dMlp").value(t.dMlp).key("rows").value(t.size());
        j.key("index").strings(indexColumns).key("stats").strings(statColumns).key("families").strings(familyNames);
        j.key("roleFlags").strings(List.of(ROLE_FLAGS));
        j.key("partners").open('[');
        for (String m : t.otherModels) {
            j.open('{').key("model").value(m).key("group").value(tableGroups.get(m)).close('}');
        }
        j.close(']');
        j.key("has").open('{').key("histogram").value(g.histogram() != null).key("contexts").value(contexts != null)
                .key("tokens").value(g.tokens() != null).key("families").value(g.families() != null)
                .key("roles").value(g.roles() != null).close('}');
        j.key("shards").strings(g.top() == null ? List.of() : g.top().shards);
        j.key("notes").strings(notes).close('}');
    }

    /** index-L.js: the layer's index columns, arrays over its neurons. */
    String index(int layer) {
        int m = g.table().dMlp;
        JsonText j = new JsonText().open('{');
        CsvTable t = g.table().table();
        for (String c : indexColumns) {
            double[] col = t.numbers(c);
            double[] v = new double[m];
            for (int n = 0; n < m; n++) {
                int r = rowOf[layer * m + n];
                v[n] = r < 0 ? Double.NaN : col[r];
            }
            j.key(c).numbers(v);
        }
        int[] universal = new int[m], dead = new int[m], family = new int[m], roles = new int[m], present = new int[m];
        for (int n = 0; n < m; n++) {
            int i = layer * m + n, r = rowOf[i];
            present[n] = r < 0 ? 0 : 1;
            universal[n] = r >= 0 && g.table().universal[r] ? 1 : 0;
            dead[n] = r >= 0 && g.table().dead[r] ? 1 : 0;
            family[n] = familyOf[i] < 0 ? -1 : familyNames.indexOf(g.families().data().family()[familyOf[i]]);
            roles[n] = roleBits(i);
        }
        j.key("present").integers(present).key("universal").integers(universal).key("dead").integers(dead)
                .key("family").integers(family).key("roles").integers(roles).close('}');
        return "UN.index(" + quoted(g.table().label) + "," + layer + "," + j + ");\n";
    }

    private int roleBits(int i) {
        if (g.roles() == null) {
            return 0;
        }
        CsvTable r = g.roles();
        String role = r.string(i, "role");
        int bits = 0;
        for (int b = 0; b < 3; b++) {
            bits |= ROLE_FLAGS[b].equals(role) ? 1 << b : 0;
        }
        bits |= r.has("entropy_candidate") && "true".equals(r.string(i, "entropy_candidate")) ? 1 << 3 : 0;
        bits |= r.has("attention_candidate") && "true".equals(r.string(i, "attention_candidate")) ? 1 << 4 : 0;
        return bits;
    }

    /** {layer}-{chunk}.js: the detail of neurons [chunk * size, min(d_mlp, (chunk + 1) * size)) of a layer. */
    String detail(int layer, int chunk, int size) {
        int m = g.table().dMlp;
        JsonText j = new JsonText().open('[');
        for (int n = chunk * size; n < Math.min(m, (chunk + 1) * size); n++) {
            neuron(j, layer * m + n);
        }
        j.close(']');
        return "UN.detail(" + quoted(g.table().label) + "," + layer + "," + chunk + "," + j + ");\n";
    }

    private void neuron(JsonText j, int i) {
        int r = rowOf[i];
        if (r < 0) {
            j.value((String) null);
            return;
        }
        CsvTable t = g.table().table();
        j.open('{').key("s").open('[');
        for (String c : statColumns) {
            j.value(t.number(r, c));
        }
        j.close(']').key("p").open('[');
        for (String m : g.table().otherModels) {
            j.open('[').value(t.integer(r, "partner_layer_" + m)).value(t.integer(r, "partner_neuron_" + m))
                    .value(t.number(r, "corr_" + m)).value(t.has("baseline_" + m) ? t.number(r, "baseline_" + m)
                            : Double.NaN).close(']');
        }
        j.close(']');
        histogram(j, i);
        contexts(j, i);
        tokens(j, i);
        family(j, i);
        roles(j, i);
        j.close('}');
    }

    /** "h": [first bin, counts...] from the first to the last non-empty bin (the paper's 257 bins). */
    private void histogram(JsonText j, int i) {
        if (g.histogram() == null) {
            return;
        }
        int base = i * PaperHistogram.BINS, lo = 0, hi = PaperHistogram.BINS - 1;
        long[] h = g.histogram();
        while (lo <= hi && h[base + lo] == 0) {
            lo++;
        }
        while (hi >= lo && h[base + hi] == 0) {
            hi--;
        }
        j.key("h").open('[').value(lo);
        for (int b = lo; b <= hi; b++) {
            j.value(h[base + b]);
        }
        j.close(']');
    }

    private void contexts(JsonText j, int i) {
        if (contexts == null) {
            return;
        }
        j.key("c").open('[');
        for (BrowserContexts.Context c : contexts[i]) {
            if (c != null) {
                j.open('[').value(c.value()).value(c.before()).value(c.token()).value(c.after()).value(c.seq())
                        .value(c.pos()).value(c.shard()).close(']');
            }
        }
        j.close(']');
    }

    private void tokens(JsonText j, int i) {
        TopTokensFile.TopTokens t = g.tokens();
        if (t == null) {
            return;
        }
        j.key("t");
        tokenList(j, t.topIds()[i], t.topValues()[i]);
        j.key("b");
        tokenList(j, t.bottomIds()[i], t.bottomValues()[i]);
    }

    private void tokenList(JsonText j, int[] ids, float[] values) {
        j.open('[');
        for (int k = 0; k < ids.length; k++) {
            String text = vocab == null ? "[" + ids[k] + "]" : vocab.token(ids[k]);
            j.open('[').value(ids[k]).value(text).value(values[k]).close(']');
        }
        j.close(']');
    }

    private void family(JsonText j, int i) {
        int f = familyOf[i];
        if (f < 0) {
            return;
        }
        FamiliesFile.Families d = g.families().data();
        j.key("f").open('{').key("family").value(d.family()[f]).key("family_feature").value(d.familyFeature()[f])
                .key("best_feature").value(d.best()[f]).key("best_vr").value(d.bestVr()[f])
                .key("runner_up").value(d.runnerUp()[f]).key("runner_up_vr").value(d.runnerUpVr()[f])
                .key("duplicates").value(d.duplicates()[f]).key("cluster").value(d.cluster()[f])
                .key("position_mi").value(d.positionMi()[f]).key("position_std").value(d.positionStd()[f])
                .key("kurtosis").value(d.kurtosis()[f]);
        j.key("tokens").open('[');
        for (int k = 0; k < d.topTokenIds()[f].length; k++) {
            if (d.topTokenIds()[f][k] >= 0) {
                j.open('[').value(d.topTokenTexts()[f][k]).value(d.topTokenMeans()[f][k])
                        .value(d.topTokenCounts()[f][k]).close(']');
            }
        }
        j.close(']').close('}');
    }

    /** "r": every roles.csv column but layer and neuron; numbers as numbers, empty fields as null. */
    private void roles(JsonText j, int i) {
        if (g.roles() == null) {
            return;
        }
        CsvTable r = g.roles();
        j.key("r").open('{');
        for (String c : r.header()) {
            if (c.equals("layer") || c.equals("neuron")) {
                continue;
            }
            String v = r.string(i, c);
            j.key(c);
            if (v.isEmpty()) {
                j.value((String) null);
            } else if (v.equals("true") || v.equals("false")) {
                j.value(Boolean.parseBoolean(v));
            } else {
                number(j, v);
            }
        }
        j.close('}');
    }

    /** A field as a number when it is one (role names stay text). */
    private static void number(JsonText j, String v) {
        try {
            j.value(Double.parseDouble(v));
        } catch (NumberFormatException e) {
            j.value(v);
        }
    }

    static String quoted(String s) {
        return new JsonText().value(s).toString();
    }

    static Map<String, String> tableGroups(List<BrowserGroup> groups) {
        Map<String, String> m = new LinkedHashMap<>();
        for (BrowserGroup g : groups) {
            if (g.model() != null) {
                m.putIfAbsent(g.model(), g.table().label);
            }
        }
        return m;
    }
}
