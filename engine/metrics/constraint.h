// Headline-constraint accuracy: for tasks whose instruction asks for a headline that starts with,
// contains or ends with given words, the "reference" is that constraint and a prediction scores
// when it obeys it. There is no single right answer to compare with, so the rule is the check.
//
// Constraint format (keywords case-insensitive, spaces around them free):
//   starts with: WORDS      the prediction's first words are WORDS
//   contains: WORDS         WORDS occur in the prediction as consecutive words
//   ends with: WORDS        the prediction's last words are WORDS
// Several clauses separated by ';' or newlines must all hold, e.g.
//   "starts with: rain; ends with: today".
// Words are runs of letters and digits (ASCII letters and digits, and any non-ASCII character),
// compared without regard to ASCII case; punctuation between them is ignored, so
// "\"Rain, again\" - Today!" starts with "rain again" and ends with "today".
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sy {

struct HeadlineConstraint {
  enum class Kind { kStartsWith, kContains, kEndsWith };
  Kind kind = Kind::kContains;
  std::vector<std::string> words;  // lowercased
};

// The words of a text as the constraints see them (lowercased).
std::vector<std::string> constraint_words(std::string_view text);

// The clauses of a constraint text; throws sy::Error naming the clause and the accepted forms when
// a clause has no known keyword or no word.
std::vector<HeadlineConstraint> parse_constraints(std::string_view text);

// True when the prediction obeys every clause of `constraint`.
bool satisfies_constraints(std::string_view prediction, std::string_view constraint);

// Fraction of predictions that obey their constraint; an item with several constraints (alternative
// references) counts when any one of them is obeyed. Throws sy::Error if the sizes differ, an item
// has no constraint, or a constraint is malformed (naming the item).
double constraint_score(const std::vector<std::string>& predictions,
                        const std::vector<std::vector<std::string>>& constraints);

}  // namespace sy
