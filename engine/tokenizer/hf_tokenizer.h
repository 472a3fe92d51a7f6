// Hugging Face tokenizers read from tokenizer.json (+ tokenizer_config.json): byte-level BPE
// (GPT-2, BLOOM, OPT, Llama 3, Qwen2/3) and SentencePiece-style BPE (Llama 2, Mistral; "▁" put
// in by the normalizer or by the Metaspace pre-tokenizer), giving the same
// ids and text as the Rust `tokenizers` library. Torch-free: the library switchyard_tokenizer.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "engine/tokenizer/added_tokens.h"
#include "engine/tokenizer/bpe_model.h"
#include "engine/tokenizer/tokenizer.h"

namespace sy {

class Decoder;
class Normalizer;
class PostProcessor;
class PreTokenizer;

class HfTokenizer : public Tokenizer {
 public:
  // Use load_hf_tokenizer(); `file` names the tokenizer.json in error messages.
  HfTokenizer(const nlohmann::json& tokenizer_json, const std::string& file);
  ~HfTokenizer() override;

  // Text that is not valid UTF-8 is encoded as if each broken sequence were U+FFFD.
  TokenIds encode(std::string_view text) const override;
  TokenIds encode_with_special(std::string_view text) const override;
  // As the library: ids it does not know are skipped; with skip_special, so are special tokens.
  std::string decode(const TokenIds& ids, bool skip_special = true) const override;

  // One more than the largest id of the model's vocabulary and the added tokens.
  int64_t vocab_size() const override;
  int64_t bos_id() const override { return bos_id_; }
  int64_t eos_id() const override { return eos_id_; }
  int64_t pad_id() const override { return pad_id_; }
  int64_t token_to_id(std::string_view token) const override;
  // The token's text ("Ġthe", "<0x0A>", "<|im_end|>"); empty for an unknown id.
  std::string id_to_token(int64_t id) const;

  // The normalizer alone (identity when there is none): what encode sees of `text`.
  std::string normalize(std::string_view text) const;
  // Whether the pre-tokenizer maps text to bytes (GPT-2-style), so any text round-trips.
  bool byte_level() const;

  // Special tokens named by tokenizer_config.json ("bos_token": "<s>", ...); -1 clears one.
  void set_special_ids(int64_t bos, int64_t eos, int64_t pad);

 private:
  // The added token's or else the model's text of an id; nullptr when neither knows it.
  const std::string* find_token(int64_t id) const;

  std::string file_;
  std::unique_ptr<const Normalizer> normalizer_;
  std::unique_ptr<const PreTokenizer> pre_tokenizer_;
  std::unique_ptr<BpeModel> model_;
  std::unique_ptr<const PostProcessor> post_processor_;
  std::unique_ptr<const Decoder> decoder_;
  AddedVocabulary added_;
  int64_t bos_id_ = -1, eos_id_ = -1, pad_id_ = -1;
};

// Reads a tokenizer: FILE_OR_DIR is a tokenizer.json, or a folder holding one. A
// tokenizer_config.json beside it, when present, names the BOS/EOS/pad tokens; without one they
// are guessed from the usual names (<s>, </s>, <|endoftext|>, ...). Throws sy::Error naming the
// file, the field and what was expected.
std::shared_ptr<const HfTokenizer> load_hf_tokenizer(const std::string& file_or_dir);

}  // namespace sy
