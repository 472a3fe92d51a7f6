// ROUGE-N, ROUGE-L and ROUGE-Lsum as Google's rouge-score package computes them (its default
// tokenizer, optional Porter stemming, score_multi for several references), so that scores of
// summarisation-style tasks can be compared with published ones.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sy {

struct RougeScore {
  double precision = 0.0;
  double recall = 0.0;
  double fmeasure = 0.0;
};

// rougeN: n-gram overlap; rougeL: longest common subsequence over the whole text; rougeLsum:
// summary-level LCS, with sentences separated by newlines ("\n").
struct RougeType {
  enum class Kind { kNgram, kLcs, kLcsSummary };
  Kind kind = Kind::kNgram;
  int n = 1;  // the n of rougeN
};

// "rouge1" .. "rouge9", "rougeL" or "rougeLsum"; throws sy::Error naming the accepted names.
RougeType rouge_type_from_name(const std::string& name);

// rouge-score's default tokenizer: lowercase, every character outside [a-z0-9] becomes a space,
// split on spaces; with `stem`, tokens longer than 3 characters go through porter_stem.
std::vector<std::string> rouge_tokenize(std::string_view text, bool stem);

// One prediction against one reference (rouge-score's score()).
RougeScore rouge_score(const RougeType& type, std::string_view reference,
                       std::string_view prediction, bool stem);

// Against several references: the score of the reference with the highest F-measure, the first
// one on ties (rouge-score's score_multi()). Throws sy::Error when `references` is empty.
RougeScore rouge_score_multi(const RougeType& type, const std::vector<std::string>& references,
                             std::string_view prediction, bool stem);

// The mean precision, recall and F-measure over items (each item scored with
// rouge_score_multi). Throws sy::Error if the sizes differ or there are no items.
RougeScore rouge_mean(const RougeType& type, const std::vector<std::string>& predictions,
                      const std::vector<std::vector<std::string>>& references, bool stem);

}  // namespace sy
