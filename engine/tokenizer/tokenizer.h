// The tokenizer interface every model family uses: the byte-level tokenizer of the built-in model
// and the Hugging Face tokenizers read from tokenizer.json (engine/tokenizer/) implement it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sy {

using TokenIds = std::vector<int64_t>;

// Vocabularies end far below this (the largest published: ~256 k); an id read from a file at or
// beyond it is damage, refused before a table of that many entries is allocated.
constexpr int64_t kMaxVocabSize = int64_t{1} << 24;

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Text to ids, without any special tokens (no BOS/EOS added).
  virtual TokenIds encode(std::string_view text) const = 0;
  // Text to ids with the special tokens the tokenizer puts around a text (its post-processor,
  // for example BOS first); the default adds none.
  virtual TokenIds encode_with_special(std::string_view text) const { return encode(text); }
  // Ids to text. Special tokens are dropped when skip_special is true.
  virtual std::string decode(const TokenIds& ids, bool skip_special = true) const = 0;

  virtual int64_t vocab_size() const = 0;
  // -1 where the tokenizer has no such token.
  virtual int64_t bos_id() const = 0;
  virtual int64_t eos_id() const = 0;
  virtual int64_t pad_id() const = 0;
  // The id of a token given by its text ("<|im_end|>"), or -1 when there is none (the default).
  virtual int64_t token_to_id(std::string_view /*token*/) const { return -1; }
};

}  // namespace sy
