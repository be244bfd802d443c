package org.uneurons.report;

import java.util.List;
import java.util.Map;

/**
 * The paper's published numbers the report shows beside ours for orientation (METHOD 5.4, recomputed there from the
 * paper's released tables). They are never an input to a number of ours.
 */
final class PaperValues {
    /** The models of {@link #MEDIANS}, in column order. */
    static final List<String> MODELS = List.of("GPT-2 small", "GPT-2 medium");

    /**
     * Medians over universal neurons by metric key (METHOD 5.4's table), one per model of {@link #MODELS}; act mean
     * has none. Act frequency is the paper's sparsity (pre-activation above -0.098), the moments are of its binned
     * pre-activations.
     */
    static final Map<String, List<Double>> MEDIANS = Map.of(
            "act_freq", List.of(0.025, 0.036),
            "skew", List.of(0.80, 0.94),
            "kurt", List.of(5.56, 6.03),
            "input_bias", List.of(-0.79, -0.40),
            "in_out_sim", List.of(0.25, 0.28),
            "l2_penalty", List.of(0.77, 0.61),
            "vocab_kurt", List.of(3.34, 3.65));

    private PaperValues() {
    }

    /** The paper's medians of a metric, NaN for each model where it gives none. */
    static List<Double> medians(String metric) {
        return MEDIANS.getOrDefault(metric, List.of(Double.NaN, Double.NaN));
    }
}
