// The answer cache.
#include "engine/cl/answer_cache.h"

namespace sy {

std::optional<std::string> AnswerCache::find(const std::string& weights, size_t task,
                                             size_t index) const {
  auto it = answers_.find({weights, {task, index}});
  if (it == answers_.end()) return std::nullopt;
  return it->second;
}

void AnswerCache::store(const std::string& weights, size_t task, size_t index, std::string answer) {
  answers_[{weights, {task, index}}] = std::move(answer);
}

}  // namespace sy
