// Added tokens (special tokens like <|endoftext|> and extra vocabulary): found in the text and
// split out before the model runs, as the library's AddedVocabulary does: the longest token at the
// leftmost place wins, non-normalized tokens are looked for in the raw text and normalized ones in
// the normalized text, and single_word / lstrip / rstrip are honoured.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sy {

class JsonNode;
class Normalizer;

struct AddedToken {
  int64_t id = -1;
  std::string content;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = true;
  bool special = false;
};

// A piece of the text being encoded: either still text (id -1) or one added token.
struct TextPiece {
  std::string text;
  int64_t id = -1;
};

class AddedVocabulary {
 public:
  AddedVocabulary() = default;
  // The "added_tokens" list. `normalizer` (may be null) normalizes the contents of the tokens
  // marked normalized, which are then looked for in normalized text.
  AddedVocabulary(const JsonNode& list, const Normalizer* normalizer);

  // Splits a text piece on the added tokens matched against raw text (normalized == false).
  void split_raw(const std::string& text, std::vector<TextPiece>& out) const;
  // Splits an already normalized piece on the tokens marked normalized.
  void split_normalized(const std::string& text, std::vector<TextPiece>& out) const;

  const AddedToken* by_id(int64_t id) const;
  const AddedToken* by_content(std::string_view content) const;
  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  // A byte trie of token contents: the longest content starting at a position.
  class Trie {
   public:
    void insert(std::string_view pattern, int32_t token_index);
    bool empty() const { return nodes_.size() <= 1; }
    // The longest pattern at text[pos]: its length, or 0 when none starts there.
    size_t longest_at(std::string_view text, size_t pos, int32_t* token_index) const;

   private:
    struct Node {
      std::vector<std::pair<unsigned char, int32_t>> children;
      int32_t token_index = -1;
    };
    std::vector<Node> nodes_{Node{}};
    bool first_byte_[256] = {};
  };

  void split_with(const Trie& trie, const std::string& text, std::vector<TextPiece>& out) const;

  std::vector<AddedToken> tokens_;
  std::unordered_map<int64_t, size_t> index_by_id_;
  std::unordered_map<std::string, size_t> index_by_content_;
  Trie raw_trie_;
  Trie normalized_trie_;
};

}  // namespace sy
