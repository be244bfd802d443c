package org.uneurons.intervene;

/** Numbers in the tables: Java's shortest round-trip decimal; NaN (not defined) as an empty field. */
final class Csv {
    private Csv() {
    }

    static String num(double v) {
        return Double.isNaN(v) ? "" : Double.toString(v);
    }

    static String num(float v) {
        return Float.isNaN(v) ? "" : Float.toString(v);
    }
}
