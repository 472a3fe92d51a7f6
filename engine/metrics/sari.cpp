// SARI with the conventions of `evaluate`'s implementation (itself after tensor2tensor's): 0/0
// counts as 1 so that a prediction equal to the references scores 100, keep recall divides by
// the clipped reference counts, and deletion is scored by precision only.
#include "engine/metrics/sari.h"

#include <algorithm>
#include <cstdint>
#include <unordered_map>

#include "engine/metrics/bleu.h"
#include "engine/util/error.h"

namespace sy {

namespace {

using Counts = std::unordered_map<std::string, int64_t>;

Counts count(const std::vector<std::string>& grams) {
  Counts counts;
  for (const std::string& g : grams) ++counts[g];
  return counts;
}

int64_t count_of(const Counts& counts, const std::string& gram) {
  auto it = counts.find(gram);
  return it == counts.end() ? 0 : it->second;
}

double f1(double precision, double recall) {
  return precision > 0 || recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
}

struct OperationScores {
  double keep = 0.0;
  double del = 0.0;
  double add = 0.0;
};

// The n-gram counts of source and prediction are multiplied by the number of references R, so
// that they compare with the counts pooled over all references (r):
//   keep:   K = min(sR, cR) over grams in both; good = min(K, r);
//           P = mean over those grams of good / K; R = sum good / sum min(sR, r); F1 of the two.
//   delete: D = sR - cR where positive; good = D - r where positive;
//           P = mean over deleted grams of good / D.
//   add:    grams of the prediction absent from the source; P = share of them found in a
//           reference, R = found / reference grams absent from the source; F1 of the two.
// Every ratio with nothing to count is 1.
OperationScores score_operations(const std::vector<std::string>& source_grams,
                                 const std::vector<std::string>& prediction_grams,
                                 const std::vector<std::vector<std::string>>& reference_grams) {
  const int64_t refs = static_cast<int64_t>(reference_grams.size());
  Counts r;
  for (const auto& grams : reference_grams) {
    for (const std::string& g : grams) ++r[g];
  }
  const Counts s = count(source_grams);
  const Counts c = count(prediction_grams);

  double keep_ratio_sum = 0.0;
  int64_t keep_good_sum = 0;
  int64_t keep_grams = 0;
  int64_t keep_all_sum = 0;
  int64_t keep_all_grams = 0;
  double del_ratio_sum = 0.0;
  int64_t del_grams = 0;
  for (const auto& [gram, s_count] : s) {
    const int64_t s_rep = s_count * refs;
    const int64_t c_rep = count_of(c, gram) * refs;
    const int64_t r_count = count_of(r, gram);
    const int64_t kept = std::min(s_rep, c_rep);
    if (kept > 0) {
      ++keep_grams;
      const int64_t good = std::min(kept, r_count);
      if (good > 0) {
        keep_ratio_sum += static_cast<double>(good) / static_cast<double>(kept);
        keep_good_sum += good;
      }
    }
    const int64_t kept_all = std::min(s_rep, r_count);
    if (kept_all > 0) {
      ++keep_all_grams;
      keep_all_sum += kept_all;
    }
    const int64_t deleted = s_rep - c_rep;
    if (deleted > 0) {
      ++del_grams;
      const int64_t good = deleted - r_count;
      if (good > 0) del_ratio_sum += static_cast<double>(good) / static_cast<double>(deleted);
    }
  }
  OperationScores out;
  const double keep_precision = keep_grams > 0 ? keep_ratio_sum / keep_grams : 1.0;
  const double keep_recall =
      keep_all_grams > 0 ? static_cast<double>(keep_good_sum) / keep_all_sum : 1.0;
  out.keep = f1(keep_precision, keep_recall);
  out.del = del_grams > 0 ? del_ratio_sum / del_grams : 1.0;

  int64_t added = 0;
  int64_t added_good = 0;
  for (const auto& entry : c) {
    if (s.count(entry.first)) continue;
    ++added;
    if (r.count(entry.first)) ++added_good;
  }
  int64_t addable = 0;
  for (const auto& entry : r) {
    if (!s.count(entry.first)) ++addable;
  }
  const double add_precision = added > 0 ? static_cast<double>(added_good) / added : 1.0;
  const double add_recall = addable > 0 ? static_cast<double>(added_good) / addable : 1.0;
  out.add = f1(add_precision, add_recall);
  return out;
}

// The normalised text split on single spaces; an empty text is one empty token, as Python's
// "".split(" ") gives.
std::vector<std::string> sari_tokens(std::string_view text) {
  const std::string normalised = tokenize_13a(python_lower(text));
  std::vector<std::string> tokens;
  size_t start = 0;
  while (true) {
    const size_t end = normalised.find(' ', start);
    tokens.push_back(normalised.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return tokens;
}

std::vector<std::string> ngrams(const std::vector<std::string>& tokens, size_t n) {
  std::vector<std::string> grams;
  for (size_t i = 0; i + n <= tokens.size(); ++i) {
    std::string gram = tokens[i];
    for (size_t k = 1; k < n; ++k) gram += " " + tokens[i + k];
    grams.push_back(std::move(gram));
  }
  return grams;
}

}  // namespace

double sari_sentence(std::string_view source, std::string_view prediction,
                     const std::vector<std::string>& references) {
  if (references.empty()) {
    throw Error("SARI: a prediction has no reference; expected at least one reference per item.");
  }
  const std::vector<std::string> source_tokens = sari_tokens(source);
  const std::vector<std::string> prediction_tokens = sari_tokens(prediction);
  std::vector<std::vector<std::string>> reference_tokens;
  for (const std::string& ref : references) reference_tokens.push_back(sari_tokens(ref));

  double keep = 0.0;
  double del = 0.0;
  double add = 0.0;
  for (size_t n = 1; n <= 4; ++n) {
    std::vector<std::vector<std::string>> reference_grams;
    for (const auto& tokens : reference_tokens) reference_grams.push_back(ngrams(tokens, n));
    const OperationScores s =
        score_operations(ngrams(source_tokens, n), ngrams(prediction_tokens, n), reference_grams);
    keep += s.keep;
    del += s.del;
    add += s.add;
  }
  return (keep / 4 + del / 4 + add / 4) / 3;
}

double sari_score(const std::vector<std::string>& sources,
                  const std::vector<std::string>& predictions,
                  const std::vector<std::vector<std::string>>& references) {
  if (sources.size() != predictions.size() || predictions.size() != references.size() ||
      predictions.empty()) {
    throw Error("SARI: got " + std::to_string(sources.size()) + " sources, " +
                std::to_string(predictions.size()) + " predictions and " +
                std::to_string(references.size()) +
                " reference sets; expected the same number of each, at least one.");
  }
  double sum = 0.0;
  for (size_t i = 0; i < predictions.size(); ++i) {
    sum += sari_sentence(sources[i], predictions[i], references[i]);
  }
  return 100 * (sum / static_cast<double>(predictions.size()));
}

}  // namespace sy
