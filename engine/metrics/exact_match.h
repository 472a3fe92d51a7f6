// Exact match, the metric of the built-in tasks: a generated answer counts only if it is the
// reference, up to whitespace (models often add a trailing space or newline before EOS).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sy {

// Leading and trailing whitespace removed, each inner whitespace run replaced by one space.
std::string normalize_answer(std::string_view text);

// True when both texts are equal after normalize_answer.
bool exact_match(std::string_view prediction, std::string_view reference);

// Fraction of pairs that match, in [0, 1]; 0 for empty lists. Throws sy::Error if the sizes differ.
double exact_match_score(const std::vector<std::string>& predictions,
                         const std::vector<std::string>& references);

}  // namespace sy
