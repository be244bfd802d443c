package org.uneurons.nlp;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Morphology (number, tense, aspect, verb form, person, pronoun type) of the words of one sentence.
 *
 * <p>The OpenNLP English POS model emits Universal POS tags only (UD English EWT has no Penn Treebank tags in this
 * model), so the Penn tag that spaCy's English pipelines derive these features from is inferred first, from the
 * universal tag, the word form, the noun's lemma and the words before it in the sentence, and then mapped the way
 * spaCy's English tag map does:
 *
 * <pre>
 *   NN, NNP  Number=Sing                     VBD  VerbForm=Fin  Tense=Past
 *   NNS, NNPS Number=Plur                    VBG  VerbForm=Part Tense=Pres Aspect=Prog
 *   VB   VerbForm=Inf                        VBN  VerbForm=Part Tense=Past Aspect=Perf
 *   VBP  VerbForm=Fin Tense=Pres             VBZ  VerbForm=Fin  Tense=Pres Number=Sing Person=3
 *   MD   VerbForm=Fin
 * </pre>
 *
 * The rules (docs/families.md lists them with their known failures) are in {@link #verbTag}, {@link #nounNumber}
 * and {@link #pronoun}. A value that does not apply is {@link #NA}.
 */
final class EnglishMorphology {
    /** The value of a feature that does not apply to a word (as UD's CoNLL-U writes an empty field). */
    static final String NA = "_";

    private static final Set<String> MODALS = Set.of("can", "could", "may", "might", "must", "shall", "should",
            "will", "would", "ought", "'ll", "'d", "wo", "ca", "sha");
    private static final Map<String, String> FIXED = new HashMap<>();
    private static final Set<String> HAVE = Set.of("have", "has", "had", "having", "'ve", "'d");
    private static final Set<String> BE = Set.of("be", "am", "is", "are", "was", "were", "been", "being", "'s", "'re",
            "'m", "get", "gets", "got", "gotten", "getting");
    private static final Set<String> DO = Set.of("do", "does", "did");
    private static final Set<String> PAST_ONLY = Set.of(("arose ate awoke became began bit blew broke came chose drank"
            + " drove drew fell flew forbade foresaw forgave forgot forsook froze gave grew hid knew mistook overcame"
            + " overtook ran rang rode rose sang sank saw shook shrank slew spoke sprang stole strode strove swam swore"
            + " threw took tore trod undertook underwent went withdrew woke wore wove wrote").split(" "));
    private static final Set<String> PARTICIPLE_ONLY = Set.of(("arisen awoken beaten bitten blown born borne broken"
            + " chosen done drawn driven drunk eaten fallen flown forbidden foreseen forgiven forgotten forsaken frozen"
            + " given gone gotten grown hewn hidden known lain mistaken mown overtaken proven ridden risen rung seen"
            + " sewn shaken shown shrunk slain sown spoken sprung stolen strewn striven sung sunk sworn swum taken"
            + " thrown torn trodden undergone undertaken withdrawn woken worn woven written").split(" "));
    private static final Set<String> PAST_AND_PARTICIPLE = Set.of(("beheld bent bled bound bought bred brought built"
            + " burnt caught clung crept dealt dreamt dug fed felt fled flung fought found got ground had heard held"
            + " hung kept knelt laid leapt learnt led left lent lit lost made meant met mislaid misled overheard paid"
            + " said sat sent shone shot slept slid slung smelt sold sought sped spelt spent spilt spun stood stuck"
            + " struck stung swept swung taught thought told understood upheld wept withheld won wound wrung")
            .split(" "));
    /** Base forms that are also the past participle (and for most also the past). */
    private static final Set<String> SAME_PARTICIPLE = Set.of(("become bet bid broadcast burst cast come cost cut"
            + " forecast hit hurt let overcome put quit read rid run set shed shut slit split spread thrust upset")
            .split(" "));
    private static final Set<String> ED_BASE = Set.of(("bed bleed breed embed exceed feed heed need proceed seed"
            + " shed shred sled speed succeed wed weed").split(" "));
    private static final Set<String> ING_BASE = Set.of(("bring cling ding fling king ping ring sing sling spring"
            + " sting string swing thing wing wring zing").split(" "));
    /** Personal pronouns (and possessives, reflexives): person and number (NA: both numbers). */
    private static final Map<String, String[]> PERSONAL = new HashMap<>();

    static {
        for (String[] f : new String[][] {{"am", "VBP"}, {"'m", "VBP"}, {"are", "VBP"}, {"'re", "VBP"},
                {"is", "VBZ"}, {"'s", "VBZ"}, {"was", "VBD"}, {"were", "VBD"}, {"been", "VBN"}, {"being", "VBG"},
                {"be", "VB"}, {"has", "VBZ"}, {"having", "VBG"}, {"does", "VBZ"}, {"did", "VBD"}, {"done", "VBN"},
                {"doing", "VBG"}}) {
            FIXED.put(f[0], f[1]);
        }
        personal("1", "Sing", "i me my mine myself");
        personal("1", "Plur", "we us our ours ourselves");
        personal("2", NA, "you your yours thou thee thy thine ye");
        personal("2", "Sing", "yourself thyself");
        personal("2", "Plur", "yourselves");
        personal("3", "Sing", "he him his himself she her hers herself it its itself");
        personal("3", "Plur", "they them their theirs themselves");
    }

    private static void personal(String person, String number, String forms) {
        for (String f : forms.split(" ")) {
            PERSONAL.put(f, new String[] {person, number});
        }
    }

    private EnglishMorphology() {
    }

    /** Lower case, typographic apostrophes as ASCII. */
    static String normalise(String form) {
        return form.toLowerCase(Locale.ROOT).replace('\u2019', '\'').replace('\u2018', '\'');
    }

    /** Sets the morphology of every word of one sentence (words in order). */
    static void annotate(List<Word> sentence) {
        for (int i = 0; i < sentence.size(); i++) {
            Word w = sentence.get(i);
            switch (w.upos) {
                case "NOUN", "PROPN" -> w.number = nounNumber(w);
                case "VERB", "AUX" -> apply(w, verbTag(sentence, i));
                case "PRON", "DET" -> pronoun(sentence, i);
                default -> {
                }
            }
        }
    }

    /** Plural when the lemma differs from the form (case aside), except -ing and -ss forms; else singular. */
    static String nounNumber(Word w) {
        String lower = w.lower();
        if (w.lemma == null || lower.endsWith("ing") || lower.endsWith("ss")) {
            return "Sing";
        }
        return normalise(w.lemma).equals(lower) ? "Sing" : "Plur";
    }

    /** The features of a Penn verb tag, as spaCy's English tag map gives them. */
    private static void apply(Word w, String tag) {
        switch (tag) {
            case "VB" -> w.verbForm = "Inf";
            case "VBD" -> set(w, "Fin", "Past", NA);
            case "VBG" -> set(w, "Part", "Pres", "Prog");
            case "VBN" -> set(w, "Part", "Past", "Perf");
            case "VBP" -> set(w, "Fin", "Pres", NA);
            case "VBZ" -> {
                set(w, "Fin", "Pres", NA);
                w.number = "Sing";
                w.person = "3";
            }
            default -> w.verbForm = "Fin"; // MD
        }
        String lower = w.lower();
        if (lower.equals("am") || lower.equals("'m")) {
            w.number = "Sing";
            w.person = "1";
        } else if (lower.equals("was")) {
            w.number = "Sing";
        }
    }

    private static void set(Word w, String verbForm, String tense, String aspect) {
        w.verbForm = verbForm;
        w.tense = tense;
        w.aspect = aspect;
    }

    /**
     * The Penn tag of a verb or auxiliary: MD for modals; fixed forms of be, have and do; -ing forms VBG; irregular
     * past and participle forms from tables; a past-or-participle form (-ed, or the same form for both) is VBN after
     * a form of have, be or get (adverbs, negation and pronouns may stand between), else VBD; -s forms VBZ; a base
     * form is VB after "to", a modal or do, or first in its sentence (imperative), or after a coordinating
     * conjunction when the nearest verb before is VB ("to sail and see"), else VBP.
     */
    static String verbTag(List<Word> sentence, int i) {
        String f = sentence.get(i).lower();
        if (MODALS.contains(f)) {
            return "MD";
        }
        String fixed = FIXED.get(f);
        if (fixed != null) {
            return fixed;
        }
        if (f.length() >= 5 && f.endsWith("ing") && !ING_BASE.contains(f)) {
            return "VBG";
        }
        if (PARTICIPLE_ONLY.contains(f)) {
            return "VBN";
        }
        if (PAST_ONLY.contains(f)) {
            return "VBD";
        }
        Word aux = auxiliaryBefore(sentence, i);
        boolean perfectOrPassive = aux != null && (HAVE.contains(aux.lower()) || BE.contains(aux.lower()));
        if (PAST_AND_PARTICIPLE.contains(f) || (f.length() >= 4 && f.endsWith("ed") && !ED_BASE.contains(f))) {
            return perfectOrPassive ? "VBN" : "VBD";
        }
        if (SAME_PARTICIPLE.contains(f) && perfectOrPassive) {
            return "VBN";
        }
        if (f.length() >= 3 && f.endsWith("s") && !f.endsWith("ss") && !f.endsWith("us") && !f.endsWith("is")) {
            return "VBZ";
        }
        return baseTag(sentence, i);
    }

    private static String baseTag(List<Word> sentence, int i) {
        Word before = null;
        for (int j = i - 1; j >= 0 && before == null; j--) {
            Word w = sentence.get(j);
            if (!w.upos.equals("ADV") && !(w.upos.equals("PART") && !w.lower().equals("to"))) {
                before = w;
            }
        }
        if (before == null) {
            return firstInSentence(sentence, i) ? "VB" : "VBP";
        }
        String b = before.lower();
        boolean doAux = DO.contains(b) && before.upos.equals("AUX");
        if (before.upos.equals("CCONJ")) {
            return infinitiveConjunct(sentence, i) ? "VB" : "VBP";
        }
        return b.equals("to") || MODALS.contains(b) || doAux ? "VB" : "VBP";
    }

    /** The nearest verb before word i (a conjunct: "would sail ... and see") is an infinitive. */
    private static boolean infinitiveConjunct(List<Word> sentence, int i) {
        for (int j = i - 1; j >= 0; j--) {
            Word w = sentence.get(j);
            if (w.upos.equals("VERB")) {
                return w.verbForm.equals("Inf");
            }
        }
        return false;
    }

    /** Only punctuation, interjections and adverbs stand before word i. */
    private static boolean firstInSentence(List<Word> sentence, int i) {
        for (int j = 0; j < i; j++) {
            String u = sentence.get(j).upos;
            if (!u.equals("PUNCT") && !u.equals("INTJ") && !u.equals("ADV")) {
                return false;
            }
        }
        return true;
    }

    /** The nearest word before i that is not an adverb, a negation or other particle (but "to"), or a pronoun. */
    private static Word auxiliaryBefore(List<Word> sentence, int i) {
        for (int j = i - 1; j >= 0; j--) {
            Word w = sentence.get(j);
            boolean skip = w.upos.equals("ADV") || w.upos.equals("PRON")
                    || (w.upos.equals("PART") && !w.lower().equals("to"));
            if (!skip) {
                return w;
            }
        }
        return null;
    }

    /**
     * Pronoun type, person and number of a pronoun or determiner: a, an, the are Art; this, that (Sing), these,
     * those (Plur) are Dem, except a pronoun "that" right after a noun, which is Rel; personal, possessive and
     * reflexive pronouns are Prs with their person and number; who, whom, whose, which, what (and -ever forms) are
     * Rel right after a noun, pronoun, number or comma, else Int.
     */
    static void pronoun(List<Word> sentence, int i) {
        Word w = sentence.get(i);
        String f = w.lower();
        String prev = i > 0 ? sentence.get(i - 1).upos : "";
        boolean afterNominal = prev.equals("NOUN") || prev.equals("PROPN") || prev.equals("NUM");
        String[] personal = PERSONAL.get(f);
        if (personal != null) {
            w.pronType = "Prs";
            w.person = personal[0];
            w.number = personal[1];
        } else if (f.equals("a") || f.equals("an") || f.equals("the")) {
            w.pronType = "Art";
        } else if (f.equals("that") && w.upos.equals("PRON") && afterNominal) {
            w.pronType = "Rel";
        } else if (f.equals("this") || f.equals("that") || f.equals("these") || f.equals("those")) {
            w.pronType = "Dem";
            w.number = f.equals("this") || f.equals("that") ? "Sing" : "Plur";
        } else if (f.matches("who|whom|whose|which|what|whoever|whomever|whichever|whatever")) {
            boolean rel = afterNominal || prev.equals("PRON") || (i > 0 && sentence.get(i - 1).form.equals(","));
            w.pronType = rel ? "Rel" : "Int";
        }
    }
}
