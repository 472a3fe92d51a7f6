// Porter (1980) suffix stripping with the NLTK extensions: the step order, rule order and the
// "first matching suffix decides, even when its condition fails" behaviour are what make the
// stems agree with NLTK's, so each step below keeps the published rule table in its order.
#include "engine/metrics/porter_stemmer.h"

#include <map>
#include <vector>

namespace sy {

namespace {

bool is_vowel_letter(char c) {
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

bool ends_with(const std::string& word, std::string_view suffix) {
  return word.size() >= suffix.size() &&
         word.compare(word.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string drop(const std::string& word, size_t count) {
  return word.substr(0, word.size() - count);
}

// A consonant is a letter other than a, e, i, o, u, and other than a 'y' that follows a
// consonant. A run of 'y's therefore alternates; walking back over it keeps this linear.
bool is_consonant(const std::string& word, size_t i) {
  bool flip = false;
  while (i > 0 && word[i] == 'y') {
    flip = !flip;
    --i;
  }
  return !is_vowel_letter(word[i]) != flip;
}

// Consonant flags for the whole word in one left-to-right pass (same definition as above).
std::vector<bool> consonant_flags(const std::string& word) {
  std::vector<bool> flags(word.size());
  for (size_t i = 0; i < word.size(); ++i) {
    if (is_vowel_letter(word[i])) {
      flags[i] = false;
    } else if (word[i] == 'y') {
      flags[i] = i == 0 ? true : !flags[i - 1];
    } else {
      flags[i] = true;
    }
  }
  return flags;
}

// The measure m of [C](VC){m}[V]: the number of vowel-to-consonant transitions.
int measure(const std::string& stem) {
  const std::vector<bool> flags = consonant_flags(stem);
  int m = 0;
  for (size_t i = 1; i < flags.size(); ++i) {
    if (!flags[i - 1] && flags[i]) ++m;
  }
  return m;
}

bool contains_vowel(const std::string& stem) {
  for (bool consonant : consonant_flags(stem)) {
    if (!consonant) return true;
  }
  return false;
}

// *d: ends with a double consonant.
bool ends_double_consonant(const std::string& word) {
  const size_t n = word.size();
  return n >= 2 && word[n - 1] == word[n - 2] && is_consonant(word, n - 1);
}

// *o: ends consonant-vowel-consonant, the last not w, x or y; NLTK also counts a two-letter
// vowel-consonant word.
bool ends_cvc(const std::string& word) {
  const size_t n = word.size();
  if (n >= 3 && is_consonant(word, n - 3) && !is_consonant(word, n - 2) &&
      is_consonant(word, n - 1) && word[n - 1] != 'w' && word[n - 1] != 'x' && word[n - 1] != 'y') {
    return true;
  }
  return n == 2 && !is_consonant(word, 0) && is_consonant(word, 1);
}

// One suffix rule: when the word ends with `suffix` and `when` holds for the remaining stem (the
// word itself for some rules, hence both are passed), the suffix becomes `replacement`.
struct Rule {
  std::string_view suffix;
  std::string_view replacement;
  bool (*when)(const std::string& stem, const std::string& word);
};

bool always(const std::string&, const std::string&) {
  return true;
}
bool m_positive(const std::string& stem, const std::string&) {
  return measure(stem) > 0;
}
bool m_above_one(const std::string& stem, const std::string&) {
  return measure(stem) > 1;
}

// The first rule whose suffix matches decides: if its condition fails, no later rule is tried.
std::string apply_first_rule(const std::string& word, const std::vector<Rule>& rules) {
  for (const Rule& rule : rules) {
    if (!ends_with(word, rule.suffix)) continue;
    const std::string stem = drop(word, rule.suffix.size());
    if (!rule.when(stem, word)) return word;
    return stem + std::string(rule.replacement);
  }
  return word;
}

// Step 1a: plurals. NLTK maps a four-letter "-ies" word to "-ie" (dies -> die, ties -> tie).
std::string step1a(const std::string& word) {
  if (word.size() == 4 && ends_with(word, "ies")) return drop(word, 3) + "ie";
  static const std::vector<Rule> rules = {
      {"sses", "ss", always}, {"ies", "i", always}, {"ss", "ss", always}, {"s", "", always}};
  return apply_first_rule(word, rules);
}

// Step 1b: -eed, -ed, -ing, then tidying the stem that -ed / -ing left behind.
std::string step1b(const std::string& word) {
  if (ends_with(word, "ied")) return drop(word, 3) + (word.size() == 4 ? "ie" : "i");
  if (ends_with(word, "eed")) {
    const std::string stem = drop(word, 3);
    return measure(stem) > 0 ? stem + "ee" : word;
  }
  std::string stem;
  bool stripped = false;
  for (std::string_view suffix : {std::string_view("ed"), std::string_view("ing")}) {
    if (ends_with(word, suffix)) {
      stem = drop(word, suffix.size());
      if (contains_vowel(stem)) {
        stripped = true;
        break;
      }
    }
  }
  if (!stripped) return word;
  // at -> ate, bl -> ble, iz -> ize
  for (std::string_view suffix : {"at", "bl", "iz"}) {
    if (ends_with(stem, suffix)) return stem + "e";
  }
  // A double consonant loses one letter unless it is l, s or z (and then nothing else applies).
  if (ends_double_consonant(stem)) {
    const char last = stem.back();
    return (last == 'l' || last == 's' || last == 'z') ? stem : drop(stem, 1);
  }
  // (m = 1 and *o) -> add e
  if (measure(stem) == 1 && ends_cvc(stem)) return stem + "e";
  return stem;
}

// Step 1c: y -> i after a consonant that is not the word's only letter (happy -> happi, but
// enjoy and by stay).
std::string step1c(const std::string& word) {
  if (!ends_with(word, "y")) return word;
  const std::string stem = drop(word, 1);
  if (stem.size() > 1 && is_consonant(stem, stem.size() - 1)) return stem + "i";
  return word;
}

// Step 2: double suffixes to single ones, for m > 0. NLTK tries "-alli" first and, when it
// applies, runs step 2 again on the result.
std::string step2(const std::string& word) {
  if (ends_with(word, "alli") && measure(drop(word, 4)) > 0) return step2(drop(word, 4) + "al");
  static const std::vector<Rule> rules = {
      {"ational", "ate", m_positive},
      {"tional", "tion", m_positive},
      {"enci", "ence", m_positive},
      {"anci", "ance", m_positive},
      {"izer", "ize", m_positive},
      {"bli", "ble", m_positive},
      {"alli", "al", m_positive},
      {"entli", "ent", m_positive},
      {"eli", "e", m_positive},
      {"ousli", "ous", m_positive},
      {"ization", "ize", m_positive},
      {"ation", "ate", m_positive},
      {"ator", "ate", m_positive},
      {"alism", "al", m_positive},
      {"iveness", "ive", m_positive},
      {"fulness", "ful", m_positive},
      {"ousness", "ous", m_positive},
      {"aliti", "al", m_positive},
      {"iviti", "ive", m_positive},
      {"biliti", "ble", m_positive},
      {"fulli", "ful", m_positive},
      // The 'l' of "-logi" stays with the stem for the measure, so geo-logi works like philo-logi.
      {"logi", "log",
       [](const std::string&, const std::string& word) { return measure(drop(word, 3)) > 0; }},
  };
  return apply_first_rule(word, rules);
}

// Step 3: -icate, -ative, -alize, -iciti, -ical, -ful, -ness, for m > 0.
std::string step3(const std::string& word) {
  static const std::vector<Rule> rules = {{"icate", "ic", m_positive}, {"ative", "", m_positive},
                                          {"alize", "al", m_positive}, {"iciti", "ic", m_positive},
                                          {"ical", "ic", m_positive},  {"ful", "", m_positive},
                                          {"ness", "", m_positive}};
  return apply_first_rule(word, rules);
}

// Step 4: strip the remaining suffixes for m > 1 (-ion only after s or t).
std::string step4(const std::string& word) {
  static const std::vector<Rule> rules = {
      {"al", "", m_above_one},
      {"ance", "", m_above_one},
      {"ence", "", m_above_one},
      {"er", "", m_above_one},
      {"ic", "", m_above_one},
      {"able", "", m_above_one},
      {"ible", "", m_above_one},
      {"ant", "", m_above_one},
      {"ement", "", m_above_one},
      {"ment", "", m_above_one},
      {"ent", "", m_above_one},
      {"ion", "",
       [](const std::string& stem, const std::string&) {
         return measure(stem) > 1 && (stem.back() == 's' || stem.back() == 't');
       }},
      {"ou", "", m_above_one},
      {"ism", "", m_above_one},
      {"ate", "", m_above_one},
      {"iti", "", m_above_one},
      {"ous", "", m_above_one},
      {"ive", "", m_above_one},
      {"ize", "", m_above_one},
  };
  return apply_first_rule(word, rules);
}

// Step 5a: a final e goes when m > 1, or when m = 1 and the stem does not end cvc.
std::string step5a(const std::string& word) {
  if (!ends_with(word, "e")) return word;
  const std::string stem = drop(word, 1);
  const int m = measure(stem);
  if (m > 1 || (m == 1 && !ends_cvc(stem))) return stem;
  return word;
}

// Step 5b: -ll -> -l when m > 1 (measured with one l kept).
std::string step5b(const std::string& word) {
  if (ends_with(word, "ll") && measure(drop(word, 1)) > 1) return drop(word, 1);
  return word;
}

// NLTK's table of irregular forms and their stems.
const std::map<std::string, std::string, std::less<>>& irregular_forms() {
  static const std::map<std::string, std::string, std::less<>> forms = {
      {"sky", "sky"},         {"skies", "sky"},        {"dying", "die"},
      {"lying", "lie"},       {"tying", "tie"},        {"news", "news"},
      {"innings", "inning"},  {"inning", "inning"},    {"outings", "outing"},
      {"outing", "outing"},   {"cannings", "canning"}, {"canning", "canning"},
      {"howe", "howe"},       {"proceed", "proceed"},  {"exceed", "exceed"},
      {"succeed", "succeed"},
  };
  return forms;
}

}  // namespace

std::string porter_stem(std::string_view word) {
  std::string stem(word);
  for (char& c : stem) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  const auto& forms = irregular_forms();
  if (auto it = forms.find(stem); it != forms.end()) return it->second;
  if (stem.size() <= 2) return stem;
  stem = step1a(stem);
  stem = step1b(stem);
  stem = step1c(stem);
  stem = step2(stem);
  stem = step3(stem);
  stem = step4(stem);
  stem = step5a(stem);
  stem = step5b(stem);
  return stem;
}

}  // namespace sy
