// The BPE model of tokenizer.json: a word becomes its characters' ids, then the lowest-ranked
// adjacent pair is merged until no known merge is left (the library's merge_all), with byte
// fallback (<0xNN> tokens), unknown-token fusing and ignore_merges as Llama 2/3 need them.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sy {

class JsonNode;

class BpeModel {
 public:
  // The "model" object (type BPE); errors name the field.
  explicit BpeModel(const JsonNode& node);

  // Appends the ids of one word.
  void tokenize(std::string_view word, std::vector<int64_t>& ids) const;

  // -1 when the token is not in the vocabulary.
  int64_t token_to_id(std::string_view token) const;
  // nullptr when no token has this id.
  const std::string* id_to_token(int64_t id) const;
  // One more than the largest id.
  int64_t id_end() const { return static_cast<int64_t>(tokens_.size()); }

 private:
  struct Merge {
    int32_t rank;
    int32_t new_id;
  };
  static uint64_t pair_key(int32_t a, int32_t b) {
    return (uint64_t(uint32_t(a)) << 32) | uint32_t(b);
  }
  void merge_word(std::string_view word, std::vector<int32_t>& out) const;
  // token_to_id without a copy of the key, for the many look-ups of loading.
  int64_t find_id(const std::string& token) const;

  std::unordered_map<std::string, int32_t> vocab_;
  std::vector<std::string> tokens_;  // by id
  std::vector<bool> has_token_;      // ids may leave gaps
  std::unordered_map<uint64_t, Merge> merges_;
  std::optional<int32_t> unk_id_;
  std::string continuing_subword_prefix_;
  std::string end_of_word_suffix_;
  bool fuse_unk_ = false;
  bool byte_fallback_ = false;
  bool ignore_merges_ = false;
  int32_t byte_ids_[256];  // <0xNN> ids for byte fallback, -1 where missing

  // Words seen before: encoding is const and may run on several threads, hence the mutex.
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<int32_t>> cache_;
};

}  // namespace sy
