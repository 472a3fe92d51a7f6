// ByteLevel, Split and Sequence pre-tokenizers, splitting as the library's PreTokenizedString does
// (Metaspace is in metaspace.cpp, with its decoder).
#include "engine/tokenizer/pre_tokenizer.h"

#include "engine/tokenizer/byte_level.h"
#include "engine/tokenizer/json_node.h"
#include "engine/tokenizer/metaspace.h"
#include "engine/tokenizer/pattern.h"

namespace sy {

namespace {

// GPT-2's word regex: contractions, letters, numbers, other symbols, each with at most one
// leading space, and whitespace runs that leave the last space to the next word.
const char* const kGpt2Regex =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

class ByteLevelPreTokenizer : public PreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex)
      : add_prefix_space_(add_prefix_space) {
    if (use_regex) {
      static const Pattern gpt2 = Pattern::regex(kGpt2Regex);
      regex_ = &gpt2;
    }
  }

  void pre_tokenize(std::vector<Word>& words) const override {
    std::vector<Word> out;
    for (Word& word : words) {
      std::string& text = word.text;
      // The library checks for a space character only, not any whitespace.
      if (add_prefix_space_ && text.rfind(' ', 0) != 0) text.insert(0, " ");
      if (regex_) {
        for (SplitPiece& piece :
             split_by(text, regex_->find_matches(text), SplitBehavior::Isolated)) {
          out.push_back({byte_level::encode(piece.text), word.starts_text && piece.start == 0});
        }
      } else if (!text.empty()) {
        out.push_back({byte_level::encode(text), word.starts_text});
      }
    }
    words = std::move(out);
  }
  bool byte_level() const override { return true; }
  bool inserts_characters() const override { return add_prefix_space_; }

 private:
  bool add_prefix_space_;
  const Pattern* regex_ = nullptr;
};

class SplitPreTokenizer : public PreTokenizer {
 public:
  SplitPreTokenizer(Pattern pattern, SplitBehavior behavior, bool invert)
      : pattern_(std::move(pattern)), behavior_(behavior), invert_(invert) {}

  void pre_tokenize(std::vector<Word>& words) const override {
    std::vector<Word> out;
    for (const Word& word : words) {
      std::vector<PatternSpan> spans = pattern_.find_matches(word.text);
      if (invert_) {
        for (PatternSpan& s : spans) s.is_match = !s.is_match;
      }
      for (SplitPiece& piece : split_by(word.text, std::move(spans), behavior_)) {
        out.push_back({std::move(piece.text), word.starts_text && piece.start == 0});
      }
    }
    words = std::move(out);
  }

 private:
  Pattern pattern_;
  SplitBehavior behavior_;
  bool invert_;
};

class SequencePreTokenizer : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<const PreTokenizer>> steps)
      : steps_(std::move(steps)) {}
  void pre_tokenize(std::vector<Word>& words) const override {
    for (const auto& step : steps_) step->pre_tokenize(words);
  }
  bool byte_level() const override {
    for (const auto& step : steps_) {
      if (step->byte_level()) return true;
    }
    return false;
  }
  bool inserts_characters() const override {
    for (const auto& step : steps_) {
      if (step->inserts_characters()) return true;
    }
    return false;
  }

 private:
  std::vector<std::unique_ptr<const PreTokenizer>> steps_;
};

}  // namespace

std::unique_ptr<const PreTokenizer> make_pre_tokenizer(const JsonNode& node,
                                                       bool text_is_original) {
  const std::string type = node.type({"ByteLevel", "Split", "Sequence", "Metaspace"});
  if (type == "ByteLevel") {
    // Missing options take the library's defaults (all true).
    return std::make_unique<ByteLevelPreTokenizer>(node.boolean("add_prefix_space", true),
                                                   node.boolean("use_regex", true));
  }
  if (type == "Split") {
    const JsonNode behavior = node.at(
        "behavior", "one of Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous");
    return std::make_unique<SplitPreTokenizer>(
        Pattern::from_json(node.at("pattern", "{\"String\": TEXT} or {\"Regex\": PATTERN}")),
        split_behavior_from_json(behavior), node.boolean("invert", false));
  }
  if (type == "Metaspace") return make_metaspace_pre_tokenizer(node, text_is_original);
  std::vector<std::unique_ptr<const PreTokenizer>> steps;
  for (const JsonNode& item : node.list("pretokenizers", "a list of pre-tokenizers")) {
    steps.push_back(make_pre_tokenizer(item, text_is_original));
    // Characters a step put in front of a word shift where the next steps' words begin.
    if (steps.back()->inserts_characters()) text_is_original = false;
  }
  return std::make_unique<SequencePreTokenizer>(std::move(steps));
}

}  // namespace sy
