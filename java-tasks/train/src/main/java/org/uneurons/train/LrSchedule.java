package org.uneurons.train;

/** Linear warmup from 0 to the peak over {@code warmup} steps, then cosine decay to {@code minLr} at the last step. */
record LrSchedule(double peak, double minLr, int warmup, int steps) {
    /** Learning rate of step {@code s} (0-based). */
    double at(int s) {
        if (warmup > 0 && s < warmup) {
            return peak * (s + 1) / warmup;
        }
        int decaySteps = Math.max(1, steps - warmup);
        double progress = Math.min(1.0, (double) (s - warmup) / decaySteps);
        return minLr + 0.5 * (1 + Math.cos(Math.PI * progress)) * (peak - minLr);
    }
}
