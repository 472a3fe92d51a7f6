// Learns a byte-level BPE vocabulary from a corpus and writes it as a Hugging Face tokenizer.json,
// so our own models can read subwords instead of bytes and any HF-compatible tool reads the file.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace sy {

// Ids 0..255 are the bytes (as GPT-2's byte-level characters), the special tokens come next in
// the order given, and the merged tokens after them, in the order they were learned.
struct BpeVocabulary {
  std::vector<std::string> tokens;                          // by id; specials as given
  std::vector<std::pair<std::string, std::string>> merges;  // in priority order
  std::vector<std::string> specials;
  static constexpr int64_t kFirstSpecialId = 256;  // right after the bytes
};

// Cuts every document into pieces (each space, each word's first letter, the rest of the word,
// single digits, punctuation with one trailing space: bpe_trainer.cpp says why) and merges the
// most frequent adjacent pair inside a piece until the vocabulary has `vocab_size` entries
// (bytes and specials included) or no pair occurs twice. Ties go to the pair of smaller ids, so
// the result depends only on the documents. Throws sy::Error when vocab_size cannot hold the 256
// bytes and the specials.
BpeVocabulary train_byte_level_bpe(const std::vector<std::string>& documents, int64_t vocab_size,
                                   const std::vector<std::string>& specials);

// The vocabulary as a tokenizer.json: that cut (a Split, then ByteLevel without its regex), a BPE
// model, the ByteLevel decoder, the specials as added tokens (and in the model's vocabulary).
nlohmann::json bpe_tokenizer_json(const BpeVocabulary& vocabulary);

}  // namespace sy
