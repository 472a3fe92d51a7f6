// The input of `switchyard-engine forward` (IN.json: {"input_ids": [[...]...], "attention_mask":
// [[...]...]}), read and checked against the model before any tensor is made: rows of one length,
// ids inside the vocabulary, a mask of the ids' shape holding 0 and 1, a length within the
// context. Torch-free, so that its fuzz target (tests/fuzz) runs without a model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace sy {

// The most tokens (rows x length) one forward call takes: its logits are that many rows of the
// vocabulary, written out as JSON text.
constexpr int64_t kMaxForwardTokens = int64_t{1} << 16;

struct ForwardInput {
  int64_t rows = 0;
  int64_t length = 0;
  std::vector<int64_t> input_ids;       // rows x length, row-major
  std::vector<int64_t> attention_mask;  // rows x length, or empty when the file has none
};

// Throws sy::Error naming `path`, the field and the expectation. `context` is the model's
// context length (max_seq_len).
ForwardInput forward_input_from_json(const nlohmann::json& in, const std::string& path,
                                     int64_t vocab_size, int64_t context);

}  // namespace sy
