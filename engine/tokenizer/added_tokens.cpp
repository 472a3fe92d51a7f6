// Finding added tokens in text: a byte trie gives the longest token at each position, scanned
// left to right without overlaps (aho-corasick's leftmost-longest, as the library uses).
#include "engine/tokenizer/added_tokens.h"

#include <algorithm>

#include "engine/tokenizer/json_node.h"
#include "engine/tokenizer/normalizer.h"
#include "engine/tokenizer/regex.h"

namespace sy {

namespace {

// The library's word and space tests for single_word / lstrip / rstrip (regex \w and \s).
bool ends_with_word(std::string_view text) {
  static const Regex re(R"(\w\z)");
  size_t s = 0, e = 0;
  return re.search(text, 0, &s, &e);
}

bool starts_with_word(std::string_view text) {
  static const Regex re(R"(\A\w)");
  size_t s = 0, e = 0;
  return re.search(text, 0, &s, &e);
}

// Where the whitespace at the end of `text` begins (text.size() when there is none).
size_t trailing_space_start(std::string_view text) {
  static const Regex re(R"(\s*\z)");
  size_t s = 0, e = 0;
  return re.search(text, 0, &s, &e) ? s : text.size();
}

// How many bytes of whitespace `text` starts with.
size_t leading_space_length(std::string_view text) {
  static const Regex re(R"(\A\s*)");
  size_t s = 0, e = 0;
  return re.search(text, 0, &s, &e) ? e : 0;
}

}  // namespace

void AddedVocabulary::Trie::insert(std::string_view pattern, int32_t token_index) {
  size_t node = 0;
  for (char ch : pattern) {
    const auto c = static_cast<unsigned char>(ch);
    int32_t next = -1;
    for (const auto& [byte, child] : nodes_[node].children) {
      if (byte == c) next = child;
    }
    if (next < 0) {
      next = static_cast<int32_t>(nodes_.size());
      nodes_[node].children.emplace_back(c, next);
      nodes_.emplace_back();
    }
    node = static_cast<size_t>(next);
  }
  // The same content twice: the first one listed wins, as with aho-corasick's pattern order.
  if (nodes_[node].token_index < 0) nodes_[node].token_index = token_index;
  first_byte_[static_cast<unsigned char>(pattern[0])] = true;
}

size_t AddedVocabulary::Trie::longest_at(std::string_view text, size_t pos,
                                         int32_t* token_index) const {
  if (!first_byte_[static_cast<unsigned char>(text[pos])]) return 0;
  size_t node = 0, best = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    int32_t next = -1;
    for (const auto& [byte, child] : nodes_[node].children) {
      if (byte == c) next = child;
    }
    if (next < 0) break;
    node = static_cast<size_t>(next);
    if (nodes_[node].token_index >= 0) {
      best = i + 1 - pos;
      *token_index = nodes_[node].token_index;
    }
  }
  return best;
}

AddedVocabulary::AddedVocabulary(const JsonNode& list, const Normalizer* normalizer) {
  for (const JsonNode& item : list.items("a list of added tokens")) {
    AddedToken t;
    t.id = item.at("id", "a token id").token_id();
    t.content = item.at("content", "a string").text();
    t.single_word = item.boolean("single_word", false);
    t.lstrip = item.boolean("lstrip", false);
    t.rstrip = item.boolean("rstrip", false);
    t.normalized = item.boolean("normalized", true);
    t.special = item.boolean("special", false);
    if (t.content.empty()) continue;  // the library ignores empty added tokens
    index_by_id_[t.id] = tokens_.size();
    index_by_content_.emplace(t.content, tokens_.size());
    tokens_.push_back(std::move(t));
  }
  // Special tokens are matched before the others of the same content, as the library lists them.
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < tokens_.size(); ++i) {
      const AddedToken& t = tokens_[i];
      if (t.special != (pass == 0)) continue;
      if (!t.normalized) {
        raw_trie_.insert(t.content, static_cast<int32_t>(i));
        continue;
      }
      const std::string pattern = normalizer ? normalizer->normalize(t.content) : t.content;
      if (!pattern.empty()) normalized_trie_.insert(pattern, static_cast<int32_t>(i));
    }
  }
}

const AddedToken* AddedVocabulary::by_id(int64_t id) const {
  const auto it = index_by_id_.find(id);
  return it == index_by_id_.end() ? nullptr : &tokens_[it->second];
}

const AddedToken* AddedVocabulary::by_content(std::string_view content) const {
  const auto it = index_by_content_.find(std::string(content));
  return it == index_by_content_.end() ? nullptr : &tokens_[it->second];
}

void AddedVocabulary::split_raw(const std::string& text, std::vector<TextPiece>& out) const {
  split_with(raw_trie_, text, out);
}

void AddedVocabulary::split_normalized(const std::string& text, std::vector<TextPiece>& out) const {
  split_with(normalized_trie_, text, out);
}

void AddedVocabulary::split_with(const Trie& trie, const std::string& text,
                                 std::vector<TextPiece>& out) const {
  const auto emit_text = [&](size_t start, size_t end) {
    if (end > start) out.push_back({text.substr(start, end - start), -1});
  };
  if (trie.empty()) {
    emit_text(0, text.size());
    return;
  }
  size_t done = 0;  // everything before this offset is already in `out`
  for (size_t pos = 0; pos < text.size();) {
    int32_t index = -1;
    const size_t length = trie.longest_at(text, pos, &index);
    if (length == 0) {
      ++pos;
      continue;
    }
    const AddedToken& token = tokens_[static_cast<size_t>(index)];
    size_t start = pos, stop = pos + length;
    // The next search starts after the match itself, even when the match is discarded or rstrip
    // widens it (the library's aho-corasick iterator does not see either).
    pos = stop;
    if (token.single_word) {
      const std::string_view view(text);
      const bool space_before = start == 0 || !ends_with_word(view.substr(0, start));
      const bool space_after = stop == text.size() || !starts_with_word(view.substr(stop));
      if (!space_before || !space_after) continue;
    }
    if (token.lstrip) {
      // Whitespace before the token joins it, but never whitespace an earlier token took.
      start = std::max(trailing_space_start(std::string_view(text).substr(0, start)), done);
    }
    if (token.rstrip) stop += leading_space_length(std::string_view(text).substr(stop));
    emit_text(done, start);
    out.push_back({text.substr(start, stop - start), token.id});
    done = stop;
  }
  emit_text(done, text.size());
}

}  // namespace sy
