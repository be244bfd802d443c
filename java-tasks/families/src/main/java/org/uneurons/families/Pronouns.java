package org.uneurons.families;

import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/** The paper's 19 pronoun classes (vocab_df.py PRONOUN_FEATURES): the lower-cased, stripped token in a word set. */
final class Pronouns {
    private Pronouns() {
    }

    private static final String[][] CLASSES = {
        {"is_male_pronoun", "he him his himself"},
        {"is_female_pronoun", "she her hers herself"},
        {"is_neutral_pronoun", "they them their theirs themself themselves"},
        {"is_first_person_pronoun", "i me my mine myself we us our ours ourselves"},
        {"is_second_person_pronoun", "you your yours yourself yourselves"},
        {"is_third_person_pronoun", "he him his himself she her hers herself they them their theirs themself themselves"},
        {"is_plural_pronoun", "we us our ours ourselves they them their theirs themself themselves"},
        {"is_singular_pronoun", "i me my mine myself you your yours yourself yourselves he him his himself she her hers"
            + " herself"},
        {"is_subject_pronoun", "i we you he she it they"},
        {"is_object_pronoun", "me us you him her it them"},
        {"is_possessive_pronoun", "my mine our ours your yours his her hers its their theirs"},
        {"is_reflexive_pronoun", "myself ourselves yourself yourselves himself herself itself themselves"},
        {"is_personal_pronoun", "i me my mine myself we us our ours ourselves you your yours yourself yourselves he him"
            + " his himself she her hers herself they them their theirs themself themselves"},
        {"is_indefinite_pronoun", "anybody anyone anything each either everybody everyone everything neither nobody"
            + " no_one nothing one somebody someone something both few many several all any most none some such"},
        {"is_demonstrative_pronoun", "this that these those"},
        {"is_interrogative_pronoun", "who whom whose which what"},
        {"is_relative_pronoun", "who whom whose which that"},
        {"is_intensive_pronoun", "myself yourself himself herself itself ourselves yourselves themselves"},
        {"is_nonreflexive_pronoun", "i me we us you he him she her it they them"},
    };

    static void add(Map<String, Predicate<String>> m) {
        for (String[] c : CLASSES) {
            Set<String> words = new java.util.HashSet<>();
            for (String w : c[1].split(" ")) {
                words.add(w.replace('_', ' ')); // "no one"
            }
            m.put(c[0], x -> words.contains(PyStr.lower(PyStr.strip(x))));
        }
    }
}
