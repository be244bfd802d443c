package org.uneurons.families;

import static org.uneurons.families.PyStr.lower;
import static org.uneurons.families.PyStr.strip;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The paper's string predicates on a decoded token (analysis/vocab_df.py ALL_FEATURES: 208 with integral_value), ported in
 * its order and with its quirks: {@code all_digits} is true for whitespace-only tokens (Python's all() of nothing),
 * {@code is_website_suffix} compares the unstripped token, {@code is_length} and {@code is_time} test substrings,
 * the duplicated prefixes (micro, anti) appear once, as in the paper's dict. {@code integral_value} is not a boolean
 * and is left out, as the paper's dtype filter leaves it out.
 */
final class VocabPredicates {
    private VocabPredicates() {
    }

    static final List<String> SUFFIXES = List.of("ness", "ment", "tion", "sion", "ance", "ence", "er", "or", "ist", "ism",
            "hood", "ship", "age", "able", "ible", "al", "ial", "ish", "ive", "less", "ful", "ous", "ic", "ly", "ward",
            "wise", "ize", "ise", "en", "ify", "let", "ling", "ie", "ette", "dom", "logy", "graphy", "phobia", "y", "cy",
            "ty", "ant", "ent", "ary", "ery", "ing", "ed", "s", "est");

    static final List<String> PREFIXES = List.of("un", "re", "in", "im", "dis", "en", "em", "non", "over", "mis", "sub",
            "pre", "inter", "fore", "de", "trans", "super", "semi", "anti", "mid", "under", "mono", "bi", "tri", "multi",
            "poly", "ex", "micro", "macro", "auto", "tele", "homo", "hetero", "post", "geo", "aero", "hydro", "thermo",
            "electro", "photo", "pan", "micro", "mega", "kilo", "pseudo", "neo", "anti", "counter", "ultra", "infra",
            "circum", "peri", "hemi", "ped", "pod", "bio", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m",
            "n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z");

    static final Set<String> NUMBER_WORDS = Set.of("zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
            "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
            "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred",
            "thousand", "million", "billion", "trillion", "quadrillion", "quintillion", "sextillion", "hundreds",
            "thousands", "millions", "billions", "trillions", "dozen", "dozens");

    static final Set<String> MONTHS = Set.of("january", "february", "march", "april", "may", "june", "july", "august",
            "september", "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sept",
            "oct", "nov", "dec");
    static final Set<String> DAYS = Set.of("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
            "mon", "tues", "wed", "thurs", "fri", "sat", "sun");
    static final Set<String> STATES = Set.of("alabama", "alaska", "arizona", "arkansas", "california", "colorado",
            "connecticut", "delaware", "florida", "georgia", "hawaii", "idaho", "illinois", "indiana", "iowa", "kansas",
            "kentucky", "louisiana", "maine", "maryland", "massachusetts", "michigan", "minnesota", "mississippi",
            "missouri", "montana", "nebraska", "nevada", "hampshire", "jersey", "mexico", "york", "carolina", "dakota",
            "ohio", "oklahoma", "oregon", "pennsylvania", "rhode", "tennessee", "texas", "utah", "vermont", "virginia",
            "washington", "west virginia", "wisconsin", "wyoming");
    static final Set<String> STATE_ABBREVIATIONS = Set.of("AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL",
            "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE",
            "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT",
            "VA", "WA", "WV", "WI", "WY");
    static final Set<String> WEB_SUFFIXES = Set.of("com", "net", "org", "edu", "gov", "mil", "int", "io", "co", "uk",
            "ca", "ai");
    static final Set<String> CONTRASTIVE = Set.of("but", "however", "nonetheless", "yet", "nevertheless", "although");
    static final List<String> LENGTH_WORDS = List.of("meter", "metre", "inch", "foot", "feet", "yard", "mile");
    static final List<String> TIME_WORDS = List.of("second", "minute", "hour", "day", "week", "month", "year");

    /** Every predicate by feature name, in the paper's order. */
    static Map<String, Predicate<String>> all() {
        Map<String, Predicate<String>> m = new LinkedHashMap<>();
        type(m);
        symbols(m);
        numeric(m);
        Pronouns.add(m);
        starts(m);
        for (String s : SUFFIXES) {
            m.put("end_w_" + s, x -> lower(strip(x)).endsWith(s));
        }
        for (String p : PREFIXES) {
            m.put("start_w_" + p, x -> lower(strip(x)).startsWith(p));
        }
        wordGroups(m);
        return m;
    }

    private static void type(Map<String, Predicate<String>> m) {
        m.put("all_white_space", x -> strip(x).isEmpty());
        m.put("all_caps", x -> PyStr.isUpper(strip(x)) && PyStr.len(strip(x)) > 1);
        m.put("all_lower", x -> PyStr.isLower(strip(x)));
        m.put("all_alpha", x -> PyStr.isAlpha(strip(x)));
        m.put("all_numeric", x -> PyStr.isDecimal(strip(x)));
        m.put("all_symbolic", x -> PyStr.any(strip(x), c -> !PyStr.alnum(c)));
    }

    private static void symbols(Map<String, Predicate<String>> m) {
        String[][] contains = {{"period", "."}, {"comma", ","}, {"exclamation", "!"}, {"question", "?"},
            {"semicolon", ";"}, {"colon", ":"}, {"dash", "-"}, {"slash", "/"}, {"backslash", "\\"},
            {"underscore", "_"}, {"carrot", "^"}, {"apostrophe", "'"}, {"quotation", "\""}, {"close_paren", ")"},
            {"open_paren", "("}, {"close_bracket", "]"}, {"open_bracket", "["}, {"close_brace", "}"},
            {"open_brace", "{"}};
        for (String[] c : contains) {
            m.put("contains_" + c[0], x -> x.contains(c[1]));
        }
        m.put("contains_closing_punc", x -> containsAny(x, ")", "]", "}", ">"));
        m.put("contains_opening_punc", x -> containsAny(x, "(", "[", "{", "<"));
        m.put("contains_math_symbol", x -> containsAny(x, "+", "-", "*", "/", "=", "<", ">"));
        m.put("contains_currency", x -> containsAny(x, "$", "€", "£", "¥"));
        m.put("contains_dollar", x -> x.contains("$"));
        m.put("contains_double_dollar", x -> x.contains("$$"));
    }

    private static boolean containsAny(String x, String... parts) {
        for (String p : parts) {
            if (x.contains(p)) {
                return true;
            }
        }
        return false;
    }

    private static void numeric(Map<String, Predicate<String>> m) {
        m.put("contains_digit", x -> PyStr.any(x, PyStr::digit));
        m.put("all_digits", x -> PyStr.allDigitsOrEmpty(strip(x)));
        m.put("is_number_word", x -> NUMBER_WORDS.contains(strip(x)));
        m.put("is_year", x -> PyStr.isDecimal(strip(x)) && between(strip(x), 1490, 2200));
        m.put("is_one_digit", x -> PyStr.isDecimal(strip(x)) && PyStr.len(strip(x)) == 1);
        m.put("is_two_digit", x -> PyStr.isDecimal(strip(x)) && PyStr.len(strip(x)) == 2);
        m.put("is_three_digit", x -> PyStr.isDecimal(strip(x)) && PyStr.len(strip(x)) == 3);
        m.put("is_four_digit", x -> PyStr.isDecimal(strip(x)) && PyStr.len(strip(x)) == 4);
        m.put("is_lt_31", x -> PyStr.isDecimal(strip(x)) && atMost(strip(x), 31));
    }

    /** Python's int() of a decimal string (any Unicode decimal digits), strictly between lo and hi. */
    private static boolean between(String decimal, int lo, int hi) {
        java.math.BigInteger v = value(decimal);
        return v.compareTo(java.math.BigInteger.valueOf(lo)) > 0 && v.compareTo(java.math.BigInteger.valueOf(hi)) < 0;
    }

    private static boolean atMost(String decimal, int hi) {
        return value(decimal).compareTo(java.math.BigInteger.valueOf(hi)) <= 0;
    }

    private static java.math.BigInteger value(String decimal) {
        StringBuilder ascii = new StringBuilder();
        decimal.codePoints().forEach(c -> ascii.append((char) ('0' + Character.digit(c, 10))));
        return new java.math.BigInteger(ascii.toString());
    }

    private static void starts(Map<String, Predicate<String>> m) {
        m.put("starts_w_vowel", x -> startsWithAny(lower(strip(x)), "a", "e", "i", "o", "u"));
        m.put("starts_w_consonant", x -> PyStr.isAlpha(lower(strip(x)))
                && !startsWithAny(lower(strip(x)), "a", "e", "i", "o", "u"));
        m.put("start_w_no_space", x -> !x.isEmpty() && PyStr.first(x) != ' ');
        m.put("start_w_no_space_and_letter", x -> !x.isEmpty() && PyStr.alpha(PyStr.first(x)));
        m.put("start_w_no_space_and_digit", x -> !x.isEmpty() && PyStr.digit(PyStr.first(x)));
        m.put("starts_w_digit", x -> PyStr.isDecimal(strip(x)) && !strip(x).isEmpty());
        m.put("starts_w_space", x -> !strip(x).isEmpty() && PyStr.first(x) == ' ');
        m.put("start_w_space_and_letter", x -> PyStr.len(x) > 1 && PyStr.first(x) == ' '
                && PyStr.alpha(x.codePointAt(1)));
        m.put("starts_w_cap", x -> !strip(x).isEmpty() && PyStr.isUpper(new String(Character.toChars(PyStr.first(strip(x))))));
        m.put("starts_w_no_space_and_cap", x -> !strip(x).isEmpty() && PyStr.isUpper(new String(Character.toChars(PyStr.first(x)))));
        m.put("starts_w_no_space_and_lower", x -> !strip(x).isEmpty() && PyStr.isLower(new String(Character.toChars(PyStr.first(x)))));
    }

    private static boolean startsWithAny(String x, String... prefixes) {
        for (String p : prefixes) {
            if (x.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    private static void wordGroups(Map<String, Predicate<String>> m) {
        m.put("is_month", x -> MONTHS.contains(lower(strip(x))));
        m.put("is_day_of_week", x -> DAYS.contains(lower(strip(x))));
        m.put("is_state", x -> STATES.contains(lower(strip(x))));
        m.put("is_state_abv", x -> STATE_ABBREVIATIONS.contains(strip(x)));
        m.put("is_website_suffix", WEB_SUFFIXES::contains);
        m.put("is_length", x -> LENGTH_WORDS.stream().anyMatch(lower(strip(x))::contains));
        m.put("is_time", x -> TIME_WORDS.stream().anyMatch(lower(strip(x))::contains));
        m.put("is_contrastive_conjuction", x -> CONTRASTIVE.contains(lower(strip(x))));
    }
}
