// Normalizers of tokenizer.json: what happens to the text before it is split into words
// (Unicode NFC for Qwen; Prepend "▁" and Replace " " -> "▁" for SentencePiece-style Llama 2).
#pragma once

#include <memory>
#include <string>

namespace sy {

class JsonNode;

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual std::string normalize(std::string text) const = 0;
};

// The "normalizer" object: NFC, NFD, Sequence, Prepend or Replace; anything else is an error
// naming the field.
std::unique_ptr<const Normalizer> make_normalizer(const JsonNode& node);

}  // namespace sy
