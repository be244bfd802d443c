package org.uneurons.formats;

import org.uneurons.core.cli.UsageException;

/**
 * The universality threshold (METHOD 4): a neuron is universal when its excess correlation is above it. Excess
 * correlation is the mean over the other models of the max correlation (at most 1) minus the mean of the baseline
 * maxima (each a max over thousands of random units, above 0 in practice): a threshold of 1 or more finds no neuron
 * (2 would run a whole study to find nothing), and a negative one counts neurons that correlate less than chance.
 * So a threshold lies in [0, 1); the paper's is 0.5.
 */
public final class Threshold {
    private Threshold() {
    }

    /** {@code value} when it lies in [0, 1); else a usage error naming {@code option} and the given text. */
    public static double check(double value, String option, String given) {
        if (!(value >= 0 && value < 1)) {
            throw new UsageException(option + " " + given + " is outside [0, 1): excess correlation (mean max correlation,"
                    + " at most 1, minus mean baseline, above 0 in practice) never reaches 1, and below 0 it is not above"
                    + " chance; the paper's threshold is 0.5");
        }
        return value;
    }
}
