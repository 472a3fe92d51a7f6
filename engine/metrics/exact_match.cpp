// Whitespace-tolerant exact match; case and punctuation still count, as the tasks ask for them.
#include "engine/metrics/exact_match.h"

#include "engine/util/error.h"

namespace sy {

namespace {

// The C locale's whitespace, spelled out so that the result never depends on the global locale.
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

}  // namespace

std::string normalize_answer(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (char c : text) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

bool exact_match(std::string_view prediction, std::string_view reference) {
  return normalize_answer(prediction) == normalize_answer(reference);
}

double exact_match_score(const std::vector<std::string>& predictions,
                         const std::vector<std::string>& references) {
  if (predictions.size() != references.size()) {
    throw Error("exact_match_score: got " + std::to_string(predictions.size()) +
                " predictions for " + std::to_string(references.size()) +
                " references; expected one prediction per reference.");
  }
  if (predictions.empty()) return 0.0;
  size_t hits = 0;
  for (size_t i = 0; i < predictions.size(); ++i) {
    if (exact_match(predictions[i], references[i])) ++hits;
  }
  return static_cast<double>(hits) / static_cast<double>(predictions.size());
}

}  // namespace sy
