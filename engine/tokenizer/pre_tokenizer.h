// Pre-tokenizers of tokenizer.json: how a normalized text is cut into words before BPE runs on
// each word (ByteLevel with GPT-2's regex, Split with a model's own regex, Sequence of both).
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace sy {

class JsonNode;

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Replaces the words by their pieces, in order; never leaves an empty word.
  virtual void pre_tokenize(std::vector<std::string>& words) const = 0;
  // True when words come out as byte-level characters (a ByteLevel step is in it).
  virtual bool byte_level() const { return false; }
};

// The "pre_tokenizer" object: ByteLevel, Split or Sequence; anything else is an error naming the
// field.
std::unique_ptr<const PreTokenizer> make_pre_tokenizer(const JsonNode& node);

}  // namespace sy
