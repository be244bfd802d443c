package org.uneurons.core.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class TokenFilterTest {
    @Test
    void dropsListedIdsRowWise() {
        TokenFilter f = new TokenFilter(50256, 198, 50256);
        assertArrayEquals(new int[] {198, 50256}, f.ids());
        int[] ids = {50256, 10, 198, 11, 12, 50256, 13};
        int[] keep = f.keptRows(ids, 1, 7);
        assertArrayEquals(new int[] {0, 2, 3, 5}, keep);
        float[] batch = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}; // 6 rows x 2
        assertArrayEquals(new float[] {1, 2, 5, 6, 7, 8, 11, 12}, TokenFilter.select(batch, 2, keep));
        assertArrayEquals(new int[] {0, 1, 2}, TokenFilter.none().keptRows(new int[] {198, 50256, 1}, 0, 3));
    }
}
