// The patterns of tokenizer.json ({"String": "..."} or {"Regex": "..."}) used by the Split
// pre-tokenizer and the Replace normalizer and decoder, and the ways a text is split on their
// matches (the library's SplitDelimiterBehavior).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/tokenizer/regex.h"

namespace sy {

class JsonNode;

// A stretch of a text: a match of the pattern or the text between two matches.
struct PatternSpan {
  size_t start = 0;
  size_t end = 0;
  bool is_match = false;
};

class Pattern {
 public:
  static Pattern literal(std::string text);
  // Throws std::invalid_argument for a pattern Oniguruma rejects.
  static Pattern regex(const std::string& pattern);
  // {"String": s} or {"Regex": r}; errors name the field.
  static Pattern from_json(const JsonNode& node);

  // Spans that cover the whole text in order (one empty non-match for an empty text), as the
  // library's Pattern::find_matches.
  std::vector<PatternSpan> find_matches(std::string_view text) const;
  // Every match replaced by `content`.
  std::string replace_all(std::string_view text, std::string_view content) const;

 private:
  std::string literal_;
  std::shared_ptr<const Regex> regex_;  // null for a literal
};

enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

// "Removed", "Isolated", ... as tokenizer.json spells them; errors name the field.
SplitBehavior split_behavior_from_json(const JsonNode& node);

// A piece of a split text and the byte offset in that text where it begins.
struct SplitPiece {
  std::string text;
  size_t start = 0;
};

// The pieces of `text` cut at the spans' edges as the behaviour says; empty pieces are dropped,
// as the library drops them.
std::vector<SplitPiece> split_by(std::string_view text, std::vector<PatternSpan> spans,
                                 SplitBehavior behavior);

}  // namespace sy
