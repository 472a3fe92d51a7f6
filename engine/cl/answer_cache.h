// Greedy answers are a pure function of (weights, prompt), so answers of weights that never change
// — the frozen base and trained per-task experts — are computed once and reused across stages,
// strategies and seeds.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sy {

class AnswerCache {
 public:
  // `weights` names fixed weights ("base", or an expert's key); `task` and `index` the example.
  std::optional<std::string> find(const std::string& weights, size_t task, size_t index) const;
  void store(const std::string& weights, size_t task, size_t index, std::string answer);

 private:
  std::map<std::pair<std::string, std::pair<size_t, size_t>>, std::string> answers_;
};

}  // namespace sy
