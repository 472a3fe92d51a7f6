// The normalizers, each doing to a plain string what the library does to its NormalizedString
// (the offsets it also tracks are not needed for ids).
#include "engine/tokenizer/normalizer.h"

#include <vector>

#include "engine/tokenizer/json_node.h"
#include "engine/tokenizer/pattern.h"
#include "engine/tokenizer/unicode_normalization.h"

namespace sy {

namespace {

class NfcNormalizer : public Normalizer {
 public:
  std::string normalize(std::string text) const override { return to_nfc(text); }
};

class NfdNormalizer : public Normalizer {
 public:
  std::string normalize(std::string text) const override { return to_nfd(text); }
};

class SequenceNormalizer : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<const Normalizer>> steps)
      : steps_(std::move(steps)) {}
  std::string normalize(std::string text) const override {
    for (const auto& step : steps_) text = step->normalize(std::move(text));
    return text;
  }

 private:
  std::vector<std::unique_ptr<const Normalizer>> steps_;
};

// Prepends only to a non-empty text: an empty piece stays empty and yields no token.
class PrependNormalizer : public Normalizer {
 public:
  explicit PrependNormalizer(std::string prefix) : prefix_(std::move(prefix)) {}
  std::string normalize(std::string text) const override {
    return text.empty() ? text : prefix_ + text;
  }

 private:
  std::string prefix_;
};

class ReplaceNormalizer : public Normalizer {
 public:
  ReplaceNormalizer(Pattern pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  std::string normalize(std::string text) const override {
    return pattern_.replace_all(text, content_);
  }

 private:
  Pattern pattern_;
  std::string content_;
};

}  // namespace

std::unique_ptr<const Normalizer> make_normalizer(const JsonNode& node) {
  const std::string type = node.type({"NFC", "NFD", "Sequence", "Prepend", "Replace"});
  if (type == "NFC") return std::make_unique<NfcNormalizer>();
  if (type == "NFD") return std::make_unique<NfdNormalizer>();
  if (type == "Prepend") {
    return std::make_unique<PrependNormalizer>(node.at("prepend", "a string").text());
  }
  if (type == "Replace") {
    return std::make_unique<ReplaceNormalizer>(
        Pattern::from_json(node.at("pattern", "{\"String\": TEXT} or {\"Regex\": PATTERN}")),
        node.at("content", "a string").text());
  }
  std::vector<std::unique_ptr<const Normalizer>> steps;
  for (const JsonNode& item : node.list("normalizers", "a list of normalizers")) {
    steps.push_back(make_normalizer(item));
  }
  return std::make_unique<SequenceNormalizer>(std::move(steps));
}

}  // namespace sy
