// The tokenizer of the built-in base model: one id per byte, so any text (any language, any
// broken UTF-8) round-trips exactly and the model needs no vocabulary file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/tokenizer/tokenizer.h"

namespace sy {

class ByteTokenizer : public Tokenizer {
 public:
  // Ids 0..255 are the raw bytes; the three specials follow them.
  static constexpr int64_t kPad = 256;
  static constexpr int64_t kBos = 257;
  static constexpr int64_t kEos = 258;
  static constexpr int64_t kVocab = 259;

  TokenIds encode(std::string_view text) const override;
  // Ids outside [0, kVocab) are a caller bug and throw std::out_of_range.
  std::string decode(const TokenIds& ids, bool skip_special = true) const override;

  int64_t vocab_size() const override { return kVocab; }
  int64_t bos_id() const override { return kBos; }
  int64_t eos_id() const override { return kEos; }
  int64_t pad_id() const override { return kPad; }
  // "<pad>", "<bos>" and "<eos>", the names decode() writes for the specials.
  int64_t token_to_id(std::string_view token) const override;
};

}  // namespace sy
