// Oniguruma regular expressions, as the Hugging Face library compiles and runs them (its Rust
// `onig` binding: UTF-8, Oniguruma's default syntax, no options), so \p{L}, look-ahead and the
// pre-tokenizer patterns of GPT-2, Llama 3 and Qwen match exactly the same spans.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Oniguruma's regex_t, without its header here.
struct re_pattern_buffer;

namespace sy {

class Regex {
 public:
  // Throws std::invalid_argument with Oniguruma's message for a pattern it does not accept.
  explicit Regex(const std::string& pattern);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Every match, left to right, as [start, end) byte offsets. Like the Rust binding's find_iter,
  // an empty match right where the previous match ended is skipped, so the loop always advances.
  std::vector<std::pair<size_t, size_t>> find_all(std::string_view text) const;
  // The first match at or after `from`; false when there is none.
  bool search(std::string_view text, size_t from, size_t* start, size_t* end) const;
  const std::string& pattern() const { return pattern_; }

 private:
  std::string pattern_;
  re_pattern_buffer* regex_ = nullptr;
};

}  // namespace sy
