// String and regex patterns, and splitting a text on their matches the way the library's
// NormalizedString::split does.
#include "engine/tokenizer/pattern.h"

#include <algorithm>
#include <stdexcept>

#include "engine/tokenizer/json_node.h"

namespace sy {

Pattern Pattern::literal(std::string text) {
  Pattern p;
  p.literal_ = std::move(text);
  return p;
}

Pattern Pattern::regex(const std::string& pattern) {
  Pattern p;
  p.regex_ = std::make_shared<const Regex>(pattern);
  return p;
}

Pattern Pattern::from_json(const JsonNode& node) {
  const std::string expectation = "{\"String\": TEXT} or {\"Regex\": PATTERN}";
  if (node.has("String")) {
    const std::string text = node.at("String", "a string").text();
    // An empty literal would match everywhere; the library would loop through every position.
    if (text.empty()) node.at("String", "a string").fail("a non-empty string");
    return literal(text);
  }
  if (node.has("Regex")) {
    const JsonNode field = node.at("Regex", "a regular expression");
    try {
      return regex(field.text());
    } catch (const std::invalid_argument& e) {
      field.fail(std::string("a valid Oniguruma regular expression (") + e.what() + ")");
    }
  }
  node.fail(expectation);
}

std::vector<PatternSpan> Pattern::find_matches(std::string_view text) const {
  std::vector<PatternSpan> spans;
  if (text.empty()) {
    spans.push_back({0, 0, false});
    return spans;
  }
  size_t previous = 0;
  const auto add_match = [&](size_t start, size_t end) {
    if (previous != start) spans.push_back({previous, start, false});
    spans.push_back({start, end, true});
    previous = end;
  };
  if (regex_) {
    for (const auto& [start, end] : regex_->find_all(text)) add_match(start, end);
  } else {
    for (size_t at = text.find(literal_); at != std::string_view::npos;
         at = text.find(literal_, at + literal_.size())) {
      add_match(at, at + literal_.size());
    }
  }
  if (previous != text.size()) spans.push_back({previous, text.size(), false});
  return spans;
}

std::string Pattern::replace_all(std::string_view text, std::string_view content) const {
  std::string out;
  out.reserve(text.size());
  for (const PatternSpan& s : find_matches(text)) {
    if (s.is_match) {
      out += content;
    } else {
      out += text.substr(s.start, s.end - s.start);
    }
  }
  return out;
}

SplitBehavior split_behavior_from_json(const JsonNode& node) {
  const std::vector<std::string> names = {"Removed", "Isolated", "MergedWithPrevious",
                                          "MergedWithNext", "Contiguous"};
  const std::string name = node.text();
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) node.fail(one_of(names));
  return static_cast<SplitBehavior>(it - names.begin());
}

std::vector<SplitPiece> split_by(std::string_view text, std::vector<PatternSpan> spans,
                                 SplitBehavior behavior) {
  // (start, end, remove) pieces, folded from the spans as the library folds them.
  struct Cut {
    size_t start, end;
    bool remove;
  };
  std::vector<Cut> cuts;
  switch (behavior) {
    case SplitBehavior::Isolated:
      for (const auto& s : spans) cuts.push_back({s.start, s.end, false});
      break;
    case SplitBehavior::Removed:
      for (const auto& s : spans) cuts.push_back({s.start, s.end, s.is_match});
      break;
    case SplitBehavior::Contiguous: {
      bool previous_match = false;
      for (const auto& s : spans) {
        if (s.is_match == previous_match && !cuts.empty()) {
          cuts.back().end = s.end;
        } else {
          cuts.push_back({s.start, s.end, false});
        }
        previous_match = s.is_match;
      }
      break;
    }
    case SplitBehavior::MergedWithPrevious: {
      bool previous_match = false;
      for (const auto& s : spans) {
        if (s.is_match && !previous_match && !cuts.empty()) {
          cuts.back().end = s.end;
        } else {
          cuts.push_back({s.start, s.end, false});
        }
        previous_match = s.is_match;
      }
      break;
    }
    case SplitBehavior::MergedWithNext: {
      bool previous_match = false;
      for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
        if (it->is_match && !previous_match && !cuts.empty()) {
          cuts.back().start = it->start;
        } else {
          cuts.push_back({it->start, it->end, false});
        }
        previous_match = it->is_match;
      }
      std::reverse(cuts.begin(), cuts.end());
      break;
    }
  }
  std::vector<SplitPiece> pieces;
  for (const Cut& c : cuts) {
    if (!c.remove && c.end > c.start) {
      pieces.push_back({std::string(text.substr(c.start, c.end - c.start)), c.start});
    }
  }
  return pieces;
}

}  // namespace sy
