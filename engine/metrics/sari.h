// SARI (Xu et al. 2016), the text-simplification metric, as the Hugging Face `evaluate` library's
// "sari" metric computes it, so that simplification-task scores compare with published ones.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sy {

// SARI of one prediction in [0, 1]: the mean over n = 1..4 of keep F1, deletion precision and
// addition F1, averaged. Texts are normalised first (python_lower, then tokenize_13a) and split
// on single spaces. Throws sy::Error when `references` is empty.
double sari_sentence(std::string_view source, std::string_view prediction,
                     const std::vector<std::string>& references);

// The mean of sari_sentence over items, times 100 (evaluate's {"sari": ...}). Throws sy::Error if
// the three lists differ in size or are empty.
double sari_score(const std::vector<std::string>& sources,
                  const std::vector<std::string>& predictions,
                  const std::vector<std::vector<std::string>>& references);

}  // namespace sy
