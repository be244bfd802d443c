package org.uneurons.families;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.uneurons.core.stats.CentralMoments;

/**
 * One pass's state for K chosen neurons: the grouped sums of every categorical variable of the post-activation
 * (token, prev_token, position, and per tag set {@code seq:<set>} and {@code prev_seq:<set>}), firing counts and
 * pre-activation sums per position (position mutual information), and the pre-activation moments (kurtosis).
 * Every token counts, BOS included (the paper); a shard's unknown id is one more token value. Two accumulators of
 * the same neurons merge, in any grouping, to the same totals up to rounding.
 */
final class FamilyAccumulator {
    static final String TOKEN = "token";
    static final String PREV_TOKEN = "prev_token";
    static final String POSITION = "position";
    static final String SEQ = "seq:";
    static final String PREV_SEQ = "prev_seq:";
    /** The tag value of a token that has none (the tagger's NONE, BOS, the previous tag of position 0). */
    static final String NONE = "NONE";

    private final int k;
    private final List<String> tagSets;
    /** Per neuron, the shift c of every variable's sums: the mean post-activation of the first batch. */
    private double[] shift;
    private final Map<String, GroupSums> variables = new LinkedHashMap<>();
    /** Per tag set: value string → index, and back. */
    private final Map<String, Map<String, Integer>> tagIndex = new HashMap<>();
    private final Map<String, List<String>> tagValues = new HashMap<>();
    private final PositionStats positions;
    private final CentralMoments preMoments;
    private long tokens;

    FamilyAccumulator(int neurons, List<String> tagSets) {
        this.k = neurons;
        this.tagSets = List.copyOf(tagSets);
        for (String v : List.of(TOKEN, PREV_TOKEN, POSITION)) {
            variables.put(v, new GroupSums(v, neurons));
        }
        for (String set : tagSets) {
            variables.put(SEQ + set, new GroupSums(SEQ + set, neurons));
            variables.put(PREV_SEQ + set, new GroupSums(PREV_SEQ + set, neurons));
            tagIndex.put(set, new HashMap<>());
            tagValues.put(set, new ArrayList<>());
        }
        positions = new PositionStats(neurons);
        preMoments = new CentralMoments(neurons);
    }

    int neurons() {
        return k;
    }

    List<String> tagSets() {
        return tagSets;
    }

    long tokens() {
        return tokens;
    }

    double[] shift() {
        return shift;
    }

    GroupSums variable(String name) {
        GroupSums g = variables.get(name);
        if (g == null) {
            throw new IllegalArgumentException("no variable " + name);
        }
        return g;
    }

    /** The tag string of index {@code i} of a tag set. */
    String tagValue(String set, int i) {
        return tagValues.get(set).get(i);
    }

    /** The index of a tag value, or −1 when it never occurred. */
    int tagIndexOf(String set, String value) {
        Integer i = tagIndex.get(set).get(value);
        return i == null ? -1 : i;
    }

    int tagCount(String set) {
        return tagValues.get(set).size();
    }

    PositionStats positions() {
        return positions;
    }

    CentralMoments preMoments() {
        return preMoments;
    }

    void add(SequenceBatch b) {
        int rows = b.rows();
        if (b.pre().length < rows * k || b.post().length < rows * k) {
            throw new IllegalArgumentException("activations of " + b.pre().length + " values for " + rows + " tokens x " + k);
        }
        if (shift == null) {
            shift = meanPerNeuron(b.post(), rows);
        }
        double[] shifted = new double[rows * k];
        for (int t = 0; t < rows; t++) {
            for (int j = 0; j < k; j++) {
                shifted[t * k + j] = (double) b.post()[t * k + j] - shift[j];
            }
        }
        int ctx = b.ctx();
        int[] ids = new int[rows];
        int[] prev = new int[rows];
        int[] pos = new int[rows];
        for (int s = 0; s < b.sequences(); s++) {
            for (int t = 0; t < ctx; t++) {
                ids[s * ctx + t] = b.tokens()[s][t];
                prev[s * ctx + t] = t == 0 ? -1 : b.tokens()[s][t - 1];
                pos[s * ctx + t] = t;
            }
        }
        variables.get(TOKEN).add(ids, shifted, rows);
        variables.get(PREV_TOKEN).add(prev, shifted, rows);
        variables.get(POSITION).add(pos, shifted, rows);
        addTags(b, shifted);
        positions.add(b.pre(), rows, ctx);
        preMoments.addRows(b.pre(), 0, rows);
        tokens += rows;
    }

    /** Each tag set's value per token, and the previous token's (NONE at position 0: BOS has no previous token). */
    private void addTags(SequenceBatch b, double[] shifted) {
        if (tagSets.isEmpty()) {
            return;
        }
        int rows = b.rows();
        int ctx = b.ctx();
        for (int set = 0; set < tagSets.size(); set++) {
            String name = tagSets.get(set);
            int[] cur = new int[rows];
            int[] prev = new int[rows];
            int none = index(name, NONE);
            for (int s = 0; s < b.sequences(); s++) {
                String[] tags = b.tags()[s][set];
                for (int t = 0; t < ctx; t++) {
                    cur[s * ctx + t] = index(name, tags[t] == null ? NONE : tags[t]);
                    prev[s * ctx + t] = t == 0 ? none : cur[s * ctx + t - 1];
                }
            }
            variables.get(SEQ + name).add(cur, shifted, rows);
            variables.get(PREV_SEQ + name).add(prev, shifted, rows);
        }
    }

    private int index(String set, String value) {
        Map<String, Integer> m = tagIndex.get(set);
        Integer i = m.get(value);
        if (i == null) {
            i = m.size();
            m.put(value, i);
            tagValues.get(set).add(value);
        }
        return i;
    }

    private double[] meanPerNeuron(float[] a, int rows) {
        double[] m = new double[k];
        for (int t = 0; t < rows; t++) {
            for (int j = 0; j < k; j++) {
                m[j] += a[t * k + j];
            }
        }
        for (int j = 0; j < k; j++) {
            m[j] /= rows;
        }
        return m;
    }

    /**
     * Folds in another accumulator of the same neurons and tag sets (another shard): sums moved to this shift and
     * added, tag values matched by their strings, positions and moments merged.
     */
    void merge(FamilyAccumulator o) {
        if (o.k != k || !o.tagSets.equals(tagSets)) {
            throw new IllegalArgumentException("merging an accumulator of " + o.k + " neurons and tag sets " + o.tagSets
                    + " into one of " + k + " and " + tagSets);
        }
        if (o.tokens == 0) {
            return;
        }
        if (shift == null) {
            shift = o.shift.clone();
        }
        for (String v : List.of(TOKEN, PREV_TOKEN, POSITION)) {
            variables.get(v).merge(o.variables.get(v), shift, o.shift);
        }
        for (String set : tagSets) {
            for (String v : List.of(SEQ + set, PREV_SEQ + set)) {
                variables.get(v).merge(remapTags(o, set, o.variables.get(v)), shift, o.shift);
            }
        }
        positions.merge(o.positions);
        preMoments.merge(o.preMoments);
        tokens += o.tokens;
    }

    /** The other accumulator's tag sums with its tag indices turned into this one's (same strings). */
    private GroupSums remapTags(FamilyAccumulator o, String set, GroupSums theirs) {
        GroupSums mapped = new GroupSums(theirs.variable(), k);
        for (int r = 0; r < theirs.rows(); r++) {
            int mine = index(set, o.tagValue(set, theirs.value(r)));
            mapped.addRowFrom(mine, theirs, r);
        }
        return mapped;
    }

    /** Bytes held by the grouped sums. */
    long bytes() {
        long b = 0;
        for (GroupSums g : variables.values()) {
            b += g.bytes();
        }
        return b;
    }
}
