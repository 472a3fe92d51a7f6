// Loading tokenizer.json and running its pipeline in the library's order: added tokens out of the
// raw text, normalizer, added tokens out of the normalized text, pre-tokenizer, BPE per word;
// the post-processor only for encode_with_special; decoding through the decoder chain.
#include "engine/tokenizer/hf_tokenizer.h"

#include <algorithm>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "engine/tokenizer/decoder.h"
#include "engine/tokenizer/json_node.h"
#include "engine/tokenizer/normalizer.h"
#include "engine/tokenizer/post_processor.h"
#include "engine/tokenizer/pre_tokenizer.h"
#include "engine/tokenizer/utf8.h"
#include "engine/util/error.h"
#include "engine/util/json_file.h"

namespace sy {

namespace fs = std::filesystem;

HfTokenizer::HfTokenizer(const nlohmann::json& tokenizer_json, const std::string& file)
    : file_(file) {
  const JsonNode root(tokenizer_json, file_, "");
  if (!tokenizer_json.is_object()) root.fail("an object (a Hugging Face tokenizer.json)");
  if (root.has("normalizer")) normalizer_ = make_normalizer(root.at("normalizer", ""));
  if (root.has("pre_tokenizer")) {
    pre_tokenizer_ = make_pre_tokenizer(root.at("pre_tokenizer", ""), normalizer_ == nullptr);
  }

  const JsonNode model = root.at("model", "a BPE model object");
  if (!model.value().is_object()) model.fail("a BPE model object");
  // Files older than the "type" field hold a BPE model when they have merges.
  if (model.has("type") || !model.has("merges")) model.type({"BPE"});
  model_ = std::make_unique<BpeModel>(model);

  if (root.has("added_tokens")) {
    added_ = AddedVocabulary(root.at("added_tokens", ""), normalizer_.get());
  }
  if (root.has("post_processor")) {
    post_processor_ = make_post_processor(root.at("post_processor", ""));
  }
  if (root.has("decoder")) decoder_ = make_decoder(root.at("decoder", ""));
}

HfTokenizer::~HfTokenizer() = default;

TokenIds HfTokenizer::encode(std::string_view text) const {
  TokenIds ids;
  if (text.empty()) return ids;
  std::vector<TextPiece> raw, pieces;
  // The library only takes valid UTF-8 (a Rust &str), and Oniguruma assumes it: broken bytes
  // become U+FFFD first, as Python's "replace" decoding would give.
  added_.split_raw(utf8::is_valid(text) ? std::string(text) : utf8::from_bytes_lossy(text), raw);
  // The piece that begins the text, if no added token comes first (Metaspace's "first" scheme
  // prepends only there); npos when there is none.
  size_t text_start = std::string::npos;
  for (size_t r = 0; r < raw.size(); ++r) {
    TextPiece& piece = raw[r];
    if (piece.id >= 0) {
      pieces.push_back(std::move(piece));
      continue;
    }
    const std::string normalized =
        normalizer_ ? normalizer_->normalize(std::move(piece.text)) : std::move(piece.text);
    const size_t first = pieces.size();
    if (!normalized.empty()) added_.split_normalized(normalized, pieces);
    if (r == 0 && pieces.size() > first && pieces[first].id < 0) text_start = first;
  }
  std::vector<Word> words;
  for (size_t p = 0; p < pieces.size(); ++p) {
    const TextPiece& piece = pieces[p];
    if (piece.id >= 0) {
      ids.push_back(piece.id);
      continue;
    }
    words.assign(1, Word{piece.text, p == text_start});
    if (pre_tokenizer_) pre_tokenizer_->pre_tokenize(words);
    for (const Word& word : words) model_->tokenize(word.text, ids);
  }
  return ids;
}

TokenIds HfTokenizer::encode_with_special(std::string_view text) const {
  TokenIds ids = encode(text);
  return post_processor_ ? post_processor_->process(std::move(ids)) : ids;
}

std::string HfTokenizer::decode(const TokenIds& ids, bool skip_special) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int64_t id : ids) {
    const std::string* token = find_token(id);
    if (!token) continue;
    // The library asks whether the token's text is a special token's, whatever its id.
    if (skip_special) {
      const AddedToken* added = added_.by_content(*token);
      if (added && added->special) continue;
    }
    tokens.push_back(*token);
  }
  std::vector<std::string> parts;
  std::string separator;
  if (decoder_) {
    parts = decoder_->decode_chain(std::move(tokens));
  } else {
    parts = std::move(tokens);
    separator = " ";  // no decoder: the library joins the tokens with spaces
  }
  std::string text;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) text += separator;
    text += parts[i];
  }
  return text;
}

int64_t HfTokenizer::vocab_size() const {
  int64_t end = model_->id_end();
  for (const AddedToken& t : added_.tokens()) end = std::max(end, t.id + 1);
  return end;
}

int64_t HfTokenizer::token_to_id(std::string_view token) const {
  if (const AddedToken* added = added_.by_content(token)) return added->id;
  return model_->token_to_id(token);
}

const std::string* HfTokenizer::find_token(int64_t id) const {
  if (const AddedToken* added = added_.by_id(id)) return &added->content;
  return model_->id_to_token(id);
}

std::string HfTokenizer::id_to_token(int64_t id) const {
  const std::string* token = find_token(id);
  return token ? *token : std::string();
}

std::string HfTokenizer::normalize(std::string_view text) const {
  return normalizer_ ? normalizer_->normalize(std::string(text)) : std::string(text);
}

bool HfTokenizer::byte_level() const {
  return pre_tokenizer_ && pre_tokenizer_->byte_level();
}

void HfTokenizer::set_special_ids(int64_t bos, int64_t eos, int64_t pad) {
  bos_id_ = bos;
  eos_id_ = eos;
  pad_id_ = pad;
}

namespace {

// tokenizer_config.json's "bos_token" etc.: a string, an object with "content", or null.
int64_t special_from_config(const HfTokenizer& tokenizer, const JsonNode& config,
                            const std::string& key) {
  if (!config.has(key)) return -1;
  const JsonNode field = config.at(key, "");
  const std::string content =
      field.value().is_object() ? field.at("content", "the token's text").text() : field.text();
  // transformers adds a missing special token at load time; here it simply has no id.
  return tokenizer.token_to_id(content);
}

// Without tokenizer_config.json: the first of the usual names the vocabulary has.
int64_t guess_special(const HfTokenizer& tokenizer, const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    const int64_t id = tokenizer.token_to_id(name);
    if (id >= 0) return id;
  }
  return -1;
}

}  // namespace

std::shared_ptr<const HfTokenizer> load_hf_tokenizer(const std::string& file_or_dir) {
  std::error_code ec;
  fs::path file = file_or_dir;
  if (fs::is_directory(file, ec)) {
    file /= "tokenizer.json";
    if (!fs::exists(file, ec)) {
      throw Error(file_or_dir +
                  ": no tokenizer.json in this folder; expected a Hugging Face tokenizer folder");
    }
  } else if (!fs::exists(file, ec)) {
    throw Error(file_or_dir +
                " does not exist; expected a tokenizer.json file or a folder holding one");
  }
  const std::string path = file.string();
  auto tokenizer = std::make_shared<HfTokenizer>(read_json_file(path), path);

  const fs::path config_path = file.parent_path() / "tokenizer_config.json";
  if (fs::exists(config_path, ec)) {
    const std::string config_file = config_path.string();
    const nlohmann::json config_json = read_json_file(config_file);
    const JsonNode config(config_json, config_file, "");
    if (!config_json.is_object()) config.fail("an object (a Hugging Face tokenizer_config.json)");
    tokenizer->set_special_ids(special_from_config(*tokenizer, config, "bos_token"),
                               special_from_config(*tokenizer, config, "eos_token"),
                               special_from_config(*tokenizer, config, "pad_token"));
  } else {
    tokenizer->set_special_ids(
        guess_special(*tokenizer, {"<s>", "<|begin_of_text|>", "<bos>", "<|endoftext|>"}),
        guess_special(*tokenizer, {"</s>", "<|end_of_text|>", "<|endoftext|>", "<eos>"}),
        guess_special(*tokenizer, {"<pad>", "<|pad|>"}));
  }
  return tokenizer;
}

}  // namespace sy
