package org.uneurons.families;

import java.util.Locale;

/**
 * Python's str methods as the paper's vocabulary predicates use them (analysis/vocab_df.py), on code points:
 * strip() (Python's whitespace: Java's whitespace, space separators and U+0085), lower(), isupper(), islower(),
 * isalpha(), isdecimal(), isdigit(), isalnum(). Python's definitions come from the Unicode database; Java's
 * Character methods follow the same categories (docs/families.md lists the small differences).
 */
final class PyStr {
    private PyStr() {
    }

    static boolean isSpace(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x85;
    }

    static String strip(String s) {
        int from = 0;
        int to = s.length();
        while (from < to) {
            int cp = s.codePointAt(from);
            if (!isSpace(cp)) {
                break;
            }
            from += Character.charCount(cp);
        }
        while (to > from) {
            int cp = s.codePointBefore(to);
            if (!isSpace(cp)) {
                break;
            }
            to -= Character.charCount(cp);
        }
        return s.substring(from, to);
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    private static boolean cased(int cp) {
        return Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
    }

    /** All cased characters upper case, and at least one cased character. */
    static boolean isUpper(String s) {
        boolean any = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (Character.isLowerCase(cp) || Character.isTitleCase(cp)) {
                return false;
            }
            any |= cased(cp);
            i += Character.charCount(cp);
        }
        return any;
    }

    static boolean isLower(String s) {
        boolean any = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (Character.isUpperCase(cp) || Character.isTitleCase(cp)) {
                return false;
            }
            any |= cased(cp);
            i += Character.charCount(cp);
        }
        return any;
    }

    interface CodePointTest {
        boolean test(int cp);
    }

    /** Non-empty and every code point passes (Python's isalpha, isdecimal, ... on a string). */
    static boolean all(String s, CodePointTest test) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (!test.test(cp)) {
                return false;
            }
            i += Character.charCount(cp);
        }
        return true;
    }

    /** Some code point passes (Python's any(... for c in x)). */
    static boolean any(String s, CodePointTest test) {
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (test.test(cp)) {
                return true;
            }
            i += Character.charCount(cp);
        }
        return false;
    }

    /** Python's per-character isalpha: Unicode letters (Lu, Ll, Lt, Lm, Lo). */
    static boolean alpha(int cp) {
        return Character.isLetter(cp);
    }

    /** isdecimal: Nd. */
    static boolean decimal(int cp) {
        return Character.getType(cp) == Character.DECIMAL_DIGIT_NUMBER;
    }

    /** isdigit: decimal digits and other digits with a value 0..9 (superscripts, circled digits). */
    static boolean digit(int cp) {
        if (decimal(cp)) {
            return true;
        }
        int v = Character.getNumericValue(cp);
        return Character.getType(cp) == Character.OTHER_NUMBER && v >= 0 && v <= 9;
    }

    /** isalnum: alpha, or any numeric character (Nd, Nl, No). */
    static boolean alnum(int cp) {
        int t = Character.getType(cp);
        return alpha(cp) || t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER
                || t == Character.OTHER_NUMBER;
    }

    static boolean isAlpha(String s) {
        return all(s, PyStr::alpha);
    }

    static boolean isDecimal(String s) {
        return all(s, PyStr::decimal);
    }

    /** Python's {@code all([c.isdigit() for c in x])}: true for the empty string. */
    static boolean allDigitsOrEmpty(String s) {
        return s.isEmpty() || all(s, PyStr::digit);
    }

    /** The first code point as a string, or "" (Python's x[0] on a string of at least one character). */
    static int first(String s) {
        return s.codePointAt(0);
    }

    /** Python's len(): code points. */
    static int len(String s) {
        return s.codePointCount(0, s.length());
    }
}
