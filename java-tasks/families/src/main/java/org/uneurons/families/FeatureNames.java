package org.uneurons.families;

/**
 * Feature names are written unquoted in CSV and as HDF5 strings, so the parts that come from data (a unigram's
 * normalised string, a tag value) are escaped: comma, double quote, backslash, whitespace and control characters
 * become a backslash, x and two hex digits, or a backslash, u and four hex digits (the code point); every other
 * character, non-ASCII letters included, stays. The paper's {@code ,_unigram} is therefore backslash-x2c_unigram.
 */
final class FeatureNames {
    private FeatureNames() {
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(cp -> {
            if (cp == ',' || cp == '"' || cp == '\\' || PyStr.isSpace(cp) || Character.isISOControl(cp)
                    || Character.getType(cp) == Character.FORMAT) {
                b.append(cp <= 0xff ? String.format("\\x%02x", cp) : String.format("\\u%04x", cp));
            } else {
                b.appendCodePoint(cp);
            }
        });
        return b.toString();
    }
}
