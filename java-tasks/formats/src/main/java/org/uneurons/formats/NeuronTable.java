package org.uneurons.formats;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A table with one row per neuron of one model, in layer-major order, and named numeric columns (int[] or
 * double[]) in a fixed order. The first two columns are always {@code layer} and {@code neuron}.
 */
public final class NeuronTable {
    private final String model;
    private final int nLayers;
    private final int dMlp;
    private final Map<String, Object> columns = new LinkedHashMap<>();

    public NeuronTable(String model, int nLayers, int dMlp) {
        this.model = model;
        this.nLayers = nLayers;
        this.dMlp = dMlp;
        int rows = nLayers * dMlp;
        int[] layer = new int[rows];
        int[] neuron = new int[rows];
        for (int r = 0; r < rows; r++) {
            layer[r] = r / dMlp;
            neuron[r] = r % dMlp;
        }
        columns.put("layer", layer);
        columns.put("neuron", neuron);
    }

    public String model() {
        return model;
    }

    public int nLayers() {
        return nLayers;
    }

    public int dMlp() {
        return dMlp;
    }

    public int rows() {
        return nLayers * dMlp;
    }

    public void put(String name, double[] values) {
        add(name, values, values.length);
    }

    public void put(String name, int[] values) {
        add(name, values, values.length);
    }

    private void add(String name, Object values, int length) {
        if (length != rows()) {
            throw new IllegalArgumentException(name + ": " + length + " values for " + rows() + " rows");
        }
        if (columns.containsKey(name)) {
            throw new IllegalArgumentException("column " + name + " is already in the table");
        }
        columns.put(name, values);
    }

    public boolean has(String name) {
        return columns.containsKey(name);
    }

    public List<String> names() {
        return new ArrayList<>(columns.keySet());
    }

    /** int[] or double[]. */
    public Object column(String name) {
        Object c = columns.get(name);
        if (c == null) {
            throw new IllegalArgumentException("no column " + name);
        }
        return c;
    }

    public double[] doubles(String name) {
        Object c = column(name);
        if (c instanceof double[] d) {
            return d;
        }
        int[] i = (int[]) c;
        double[] d = new double[i.length];
        for (int k = 0; k < i.length; k++) {
            d[k] = i[k];
        }
        return d;
    }

    public int[] ints(String name) {
        return (int[]) column(name);
    }

    /** Universal counts per layer. */
    public record Fractions(int[] nNeurons, int[] nUniversal) {
        public double fraction(int layer) {
            return (double) nUniversal[layer] / nNeurons[layer];
        }
    }
}
