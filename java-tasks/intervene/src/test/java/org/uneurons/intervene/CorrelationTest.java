package org.uneurons.intervene;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Correlations against values worked out by hand (scipy gives the same). */
class CorrelationTest {
    @Test
    void tiesGetTheirAverageRank() {
        assertArrayEquals(new float[] {2.5f, 1f, 2.5f, 4f}, Correlation.ranks(new float[] {3, 1, 3, 7}));
    }

    @Test
    void spearmanOfAMonotoneButCurvedRelationIsOne() {
        float[] x = {1, 2, 3, 4, 5};
        float[] y = {1, 8, 27, 64, 125};
        assertEquals(1.0, Correlation.spearman(x, y), 1e-12);
        assertTrue(Correlation.pearson(x, y) < 0.99);
    }

    @Test
    void handValues() {
        // x = 1,2,3,4; y = 2,1,4,3: cov = 0.8 of var 1.25 each -> 0.6 (ranks equal values: Spearman 0.6 too)
        float[] x = {1, 2, 3, 4};
        float[] y = {2, 1, 4, 3};
        assertEquals(0.6, Correlation.pearson(x, y), 1e-12);
        assertEquals(0.6, Correlation.spearman(x, y), 1e-12);
        // with a tie: x = 1,2,2,3, y = 1,3,2,4 -> ranks x 1,2.5,2.5,4, Pearson of ranks = 0.9486832980505138
        assertEquals(0.9486832980505138, Correlation.spearman(new float[] {1, 2, 2, 3}, new float[] {1, 3, 2, 4}), 1e-7);
        assertTrue(Double.isNaN(Correlation.pearson(new float[] {1, 1, 1}, new float[] {1, 2, 3})), "constant side");
    }
}
