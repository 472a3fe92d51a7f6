// BPE as the library's models/bpe does it: the word's characters (or their <0xNN> bytes, or the
// unknown token) become symbols in a linked list, and a min-heap of (rank, position) merges the
// best-ranked adjacent pair first, leftmost on ties, skipping entries a merge made stale.
#include "engine/tokenizer/bpe_model.h"

#include <algorithm>
#include <cstdio>
#include <queue>

#include "engine/tokenizer/json_node.h"
#include "engine/tokenizer/utf8.h"
#include "engine/util/json_file.h"

namespace sy {

namespace {

// Cached words at most: enough for a long document's vocabulary, bounded for a server.
constexpr size_t kCacheCapacity = 100000;

// A merge to one side of two tokens: "a b" in older files, ["a", "b"] in newer ones.
bool parse_merge(const JsonNode& entry, std::string* a, std::string* b) {
  const auto& v = entry.value();
  if (v.is_string()) {
    const std::string line = v.get<std::string>();
    const size_t space = line.find(' ');
    if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos) return false;
    *a = line.substr(0, space);
    *b = line.substr(space + 1);
    return true;
  }
  if (v.is_array() && v.size() == 2 && v[0].is_string() && v[1].is_string()) {
    *a = v[0].get<std::string>();
    *b = v[1].get<std::string>();
    return true;
  }
  return false;
}

}  // namespace

BpeModel::BpeModel(const JsonNode& node) {
  const JsonNode vocab = node.at("vocab", "an object of token: id");
  if (!vocab.value().is_object()) vocab.fail("an object of token: id");
  vocab_.reserve(vocab.value().size());
  int32_t max_id = -1;
  for (const auto& [token, id] : vocab.value().items()) {
    const auto value =
        static_cast<int32_t>(JsonNode(id, node.file(), vocab.child_path(token)).token_id());
    vocab_[token] = value;
    max_id = std::max(max_id, value);
  }
  tokens_.assign(static_cast<size_t>(max_id + 1), std::string());
  has_token_.assign(tokens_.size(), false);
  for (const auto& [token, id] : vocab_) {
    tokens_[static_cast<size_t>(id)] = token;
    has_token_[static_cast<size_t>(id)] = true;
  }

  continuing_subword_prefix_ = node.text("continuing_subword_prefix", "");
  end_of_word_suffix_ = node.text("end_of_word_suffix", "");
  fuse_unk_ = node.boolean("fuse_unk", false);
  byte_fallback_ = node.boolean("byte_fallback", false);
  ignore_merges_ = node.boolean("ignore_merges", false);
  if (node.has("unk_token")) {
    const JsonNode unk = node.at("unk_token", "a token of model.vocab");
    const int64_t id = find_id(unk.text());
    if (id < 0) unk.fail("a token of model.vocab");
    unk_id_ = static_cast<int32_t>(id);
  }
  if (node.has("dropout")) {
    const JsonNode dropout = node.at("dropout", "null");
    // Dropout randomly skips merges, a training-time regularisation: encoding would not be
    // deterministic, so it is refused rather than ignored.
    if (!dropout.value().is_number() || dropout.value().get<double>() != 0.0) {
      dropout.fail("null or 0 (BPE dropout is not supported)");
    }
  }
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    byte_ids_[b] = static_cast<int32_t>(find_id(name));
  }

  const std::string merge_expectation =
      "a merge: \"A B\" or [\"A\", \"B\"], two tokens of model.vocab whose concatenation is one";
  const std::vector<JsonNode> merges = node.list("merges", "a list of merges");
  merges_.reserve(merges.size());
  int32_t rank = 0;
  for (const JsonNode& entry : merges) {
    // Old merges.txt-style lists may start with a "#version" line; it is not a merge.
    if (entry.value().is_string() && entry.value().get<std::string>().rfind("#version", 0) == 0)
      continue;
    std::string a, b;
    if (!parse_merge(entry, &a, &b)) entry.fail(merge_expectation);
    const int64_t a_id = find_id(a), b_id = find_id(b);
    if (a_id < 0)
      entry.fail(merge_expectation + " (\"" + quoted_excerpt(a) + "\" is not in model.vocab)");
    if (b_id < 0)
      entry.fail(merge_expectation + " (\"" + quoted_excerpt(b) + "\" is not in model.vocab)");
    std::string merged = a;
    const bool prefixed =
        !continuing_subword_prefix_.empty() && b.rfind(continuing_subword_prefix_, 0) == 0;
    merged += prefixed ? b.substr(continuing_subword_prefix_.size()) : b;
    const int64_t new_id = find_id(merged);
    if (new_id < 0)
      entry.fail(merge_expectation + " (\"" + quoted_excerpt(merged) + "\" is not in model.vocab)");
    // A repeated pair keeps the later rank, as the library's map insertion does.
    merges_[pair_key(static_cast<int32_t>(a_id), static_cast<int32_t>(b_id))] =
        Merge{rank, static_cast<int32_t>(new_id)};
    ++rank;
  }
}

int64_t BpeModel::token_to_id(std::string_view token) const {
  return find_id(std::string(token));
}

int64_t BpeModel::find_id(const std::string& token) const {
  const auto it = vocab_.find(token);
  return it == vocab_.end() ? -1 : it->second;
}

const std::string* BpeModel::id_to_token(int64_t id) const {
  if (id < 0 || id >= id_end() || !has_token_[static_cast<size_t>(id)]) return nullptr;
  return &tokens_[static_cast<size_t>(id)];
}

void BpeModel::merge_word(std::string_view word, std::vector<int32_t>& out) const {
  struct Symbol {
    int32_t id;
    int32_t prev, next;  // -1: none
    size_t length;       // bytes; 0 marks a symbol merged into its left neighbour
  };
  std::vector<Symbol> symbols;
  symbols.reserve(word.size());
  const auto add = [&](int32_t id, size_t length) {
    const auto n = static_cast<int32_t>(symbols.size());
    if (!symbols.empty()) symbols.back().next = n;
    symbols.push_back({id, n - 1, -1, length});
  };

  // The unknown token waiting to be added; consecutive unknown characters fuse into one when
  // fuse_unk is set. A byte-fallback character does not flush it (as in the library).
  bool unk_pending = false;
  size_t unk_length = 0;
  std::string piece;
  for (size_t pos = 0; pos < word.size();) {
    const size_t n = utf8::char_length(word, pos);
    piece.clear();
    if (pos > 0) piece += continuing_subword_prefix_;
    piece.append(word.substr(pos, n));
    if (pos + n >= word.size()) piece += end_of_word_suffix_;
    pos += n;

    const auto it = vocab_.find(piece);
    if (it != vocab_.end()) {
      if (unk_pending) add(*unk_id_, unk_length);
      unk_pending = false;
      add(it->second, n);
      continue;
    }
    if (byte_fallback_ && std::all_of(piece.begin(), piece.end(), [&](char c) {
          return byte_ids_[static_cast<unsigned char>(c)] >= 0;
        })) {
      for (char c : piece) add(byte_ids_[static_cast<unsigned char>(c)], 1);
      continue;
    }
    if (!unk_id_) continue;  // no unknown token: the character is dropped, as in the library
    if (unk_pending && fuse_unk_) {
      unk_length += n;
    } else {
      if (unk_pending) add(*unk_id_, unk_length);
      unk_pending = true;
      unk_length = n;
    }
  }
  if (unk_pending) add(*unk_id_, unk_length);

  // Lowest rank first; among equal ranks the leftmost position.
  struct Candidate {
    int32_t rank;
    int32_t pos;
    int32_t new_id;
    bool operator<(const Candidate& o) const {
      return rank != o.rank ? rank > o.rank : pos > o.pos;
    }
  };
  std::priority_queue<Candidate> queue;
  const auto candidate = [&](int32_t pos) {
    const Symbol& left = symbols[static_cast<size_t>(pos)];
    if (left.next < 0) return;
    const auto it = merges_.find(pair_key(left.id, symbols[static_cast<size_t>(left.next)].id));
    if (it != merges_.end()) queue.push({it->second.rank, pos, it->second.new_id});
  };
  for (size_t i = 0; i + 1 < symbols.size(); ++i) candidate(static_cast<int32_t>(i));

  while (!queue.empty()) {
    const Candidate top = queue.top();
    queue.pop();
    Symbol& left = symbols[static_cast<size_t>(top.pos)];
    if (left.length == 0 || left.next < 0) continue;
    Symbol& right = symbols[static_cast<size_t>(left.next)];
    // Stale entry: the pair at this position changed since it was queued.
    const auto it = merges_.find(pair_key(left.id, right.id));
    if (it == merges_.end() || it->second.new_id != top.new_id) continue;

    left.id = top.new_id;
    left.length += right.length;
    left.next = right.next;
    right.length = 0;
    if (left.next >= 0) symbols[static_cast<size_t>(left.next)].prev = top.pos;
    if (left.prev >= 0) candidate(left.prev);
    candidate(top.pos);
  }
  for (const Symbol& s : symbols) {
    if (s.length != 0) out.push_back(s.id);
  }
}

void BpeModel::tokenize(std::string_view word, std::vector<int64_t>& ids) const {
  if (word.empty()) return;
  if (ignore_merges_) {
    const int64_t id = token_to_id(word);
    if (id >= 0) {
      ids.push_back(id);
      return;
    }
  }
  const std::string key(word);
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    const auto it = cache_.find(key);
    if (it != cache_.end()) {
      ids.insert(ids.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<int32_t> merged;
  merge_word(word, merged);
  ids.insert(ids.end(), merged.begin(), merged.end());
  std::lock_guard<std::mutex> lock(cache_mutex_);
  if (cache_.size() < kCacheCapacity) cache_.emplace(key, std::move(merged));
}

}  // namespace sy
