// Headline constraints are checked on words, not characters, so that "contains: rain" is not met
// by "Rainfall" and quotes or punctuation around a headline do not decide its score.
#include "engine/metrics/constraint.h"

#include <algorithm>

#include "engine/util/error.h"

namespace sy {

namespace {

bool is_word_byte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         static_cast<unsigned char>(c) >= 0x80;
}

std::string_view trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// True when `text` starts with `keyword`, ignoring ASCII case; the rest goes to `rest`.
bool take_keyword(std::string_view text, std::string_view keyword, std::string_view& rest) {
  if (text.size() < keyword.size()) return false;
  for (size_t i = 0; i < keyword.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != keyword[i]) return false;
  }
  rest = text.substr(keyword.size());
  return true;
}

bool words_at(const std::vector<std::string>& words, size_t at,
              const std::vector<std::string>& wanted) {
  return at + wanted.size() <= words.size() &&
         std::equal(wanted.begin(), wanted.end(), words.begin() + at);
}

bool obeys(const std::vector<std::string>& words, const HeadlineConstraint& c) {
  if (c.words.size() > words.size()) return false;
  switch (c.kind) {
    case HeadlineConstraint::Kind::kStartsWith:
      return words_at(words, 0, c.words);
    case HeadlineConstraint::Kind::kEndsWith:
      return words_at(words, words.size() - c.words.size(), c.words);
    case HeadlineConstraint::Kind::kContains:
      for (size_t at = 0; at + c.words.size() <= words.size(); ++at) {
        if (words_at(words, at, c.words)) return true;
      }
      return false;
  }
  return false;
}

}  // namespace

std::vector<std::string> constraint_words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (is_word_byte(c)) {
      word.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

std::vector<HeadlineConstraint> parse_constraints(std::string_view text) {
  static const std::pair<std::string_view, HeadlineConstraint::Kind> kKeywords[] = {
      {"starts with", HeadlineConstraint::Kind::kStartsWith},
      {"contains", HeadlineConstraint::Kind::kContains},
      {"ends with", HeadlineConstraint::Kind::kEndsWith},
  };
  std::vector<HeadlineConstraint> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find_first_of(";\n", start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view clause = trim(text.substr(start, end - start));
    start = end + 1;
    if (clause.empty()) continue;
    bool known = false;
    for (const auto& [keyword, kind] : kKeywords) {
      std::string_view rest;
      if (!take_keyword(clause, keyword, rest)) continue;
      rest = trim(rest);
      if (rest.empty() || rest.front() != ':') continue;
      HeadlineConstraint c;
      c.kind = kind;
      c.words = constraint_words(rest.substr(1));
      if (c.words.empty()) {
        throw Error("constraint \"" + std::string(clause) +
                    "\" names no word; expected a word after the colon.");
      }
      out.push_back(std::move(c));
      known = true;
      break;
    }
    if (!known) {
      throw Error("constraint \"" + std::string(clause) +
                  "\" is not of the form \"starts with: WORD\", \"contains: WORD\" or "
                  "\"ends with: WORD\".");
    }
  }
  if (out.empty()) {
    throw Error("constraint \"" + std::string(text) +
                "\" is empty; expected \"starts with: WORD\", \"contains: WORD\" or "
                "\"ends with: WORD\".");
  }
  return out;
}

bool satisfies_constraints(std::string_view prediction, std::string_view constraint) {
  const std::vector<std::string> words = constraint_words(prediction);
  for (const HeadlineConstraint& c : parse_constraints(constraint)) {
    if (!obeys(words, c)) return false;
  }
  return true;
}

double constraint_score(const std::vector<std::string>& predictions,
                        const std::vector<std::vector<std::string>>& constraints) {
  if (predictions.size() != constraints.size() || predictions.empty()) {
    throw Error("constraint_score: got " + std::to_string(predictions.size()) +
                " predictions for " + std::to_string(constraints.size()) +
                " constraints; expected one prediction per constraint, at least one.");
  }
  size_t hits = 0;
  for (size_t i = 0; i < predictions.size(); ++i) {
    if (constraints[i].empty()) {
      throw Error("constraint item " + std::to_string(i + 1) +
                  " has no constraint; expected at least one.");
    }
    bool hit = false;
    for (const std::string& constraint : constraints[i]) {
      try {
        hit = satisfies_constraints(predictions[i], constraint) || hit;
      } catch (const Error& e) {
        throw Error("item " + std::to_string(i + 1) + ": " + e.what());
      }
    }
    if (hit) ++hits;
  }
  return static_cast<double>(hits) / static_cast<double>(predictions.size());
}

}  // namespace sy
