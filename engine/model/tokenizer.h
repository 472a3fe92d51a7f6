// The tokenizer interface every model family uses: the byte-level tokenizer of the built-in model
// implements it now, the Hugging Face BPE tokenizers (tokenizer.json) later.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sy {

using TokenIds = std::vector<int64_t>;

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Text to ids, without any special tokens (no BOS/EOS added).
  virtual TokenIds encode(std::string_view text) const = 0;
  // Ids to text. Special tokens are dropped when skip_special is true.
  virtual std::string decode(const TokenIds& ids, bool skip_special = true) const = 0;

  virtual int64_t vocab_size() const = 0;
  // -1 where the tokenizer has no such token.
  virtual int64_t bos_id() const = 0;
  virtual int64_t eos_id() const = 0;
  virtual int64_t pad_id() const = 0;
};

}  // namespace sy
