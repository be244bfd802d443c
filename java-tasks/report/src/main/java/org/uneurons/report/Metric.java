package org.uneurons.report;

import java.util.List;

import org.uneurons.formats.CsvTable;

/**
 * A neuron property of the paper's "what distinguishes universal neurons" figure (METHOD 5.4) and the neuron table
 * columns that can hold it, best first: the paper's definitions (the binned activation moments and frequency of the
 * statistics tool) before this project's exact ones.
 *
 * @param key     the metric's name in percentiles.csv and in {@link PaperValues}
 * @param label   its name in tables; {@code chartLabel} in charts, where 8 categories share 560 pixels
 * @param columns candidate columns, preferred first
 */
record Metric(String key, String label, String chartLabel, List<String> columns) {
    static final List<Metric> ALL = List.of(
            new Metric("act_freq", "act frequency", "act freq", List.of("act_freq_binned", "act_freq_paper")),
            new Metric("mean", "act mean", "act mean", List.of("mean_binned", "mean")),
            new Metric("skew", "act skew", "act skew", List.of("skew_binned", "skew")),
            new Metric("kurt", "act kurtosis", "act kurt", List.of("kurt_binned", "kurt")),
            new Metric("input_bias", "input bias", "input bias", List.of("input_bias")),
            new Metric("in_out_sim", "cos(w_in, w_out)", "cos in/out", List.of("in_out_sim")),
            new Metric("l2_penalty", "L2 penalty", "L2", List.of("l2_penalty")),
            new Metric("vocab_kurt", "W_U kurtosis", "W_U kurt", List.of("vocab_kurt")));

    /** The first candidate column the table has, or null. */
    String column(CsvTable t) {
        return columns.stream().filter(t::has).findFirst().orElse(null);
    }

    /** Whether the metric comes from the activation histogram (where binned and exact columns differ). */
    boolean activation() {
        return columns.size() > 1;
    }

    /** The label of a metric key (e.g. of a percentiles.csv row), the key itself when unknown. */
    static String labelOf(String key) {
        return ALL.stream().filter(m -> m.key.equals(key)).map(Metric::label).findFirst().orElse(key);
    }

    /** The chart label of a metric key, the key itself when unknown. */
    static String chartLabelOf(String key) {
        return ALL.stream().filter(m -> m.key.equals(key)).map(Metric::chartLabel).findFirst().orElse(key);
    }
}
