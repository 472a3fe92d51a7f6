// Byte-level BPE training: word counts first, then merges kept current incrementally (each merge
// revisits only the words that hold its pair), which learns a 1k vocabulary from the built-in
// pretraining corpus in about a second.
#include "engine/tokenizer/bpe_trainer.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "engine/tokenizer/byte_level.h"
#include "engine/tokenizer/json_node.h"
#include "engine/tokenizer/pre_tokenizer.h"
#include "engine/util/error.h"

namespace sy {
namespace {

// A word's first letter is a piece of its own and spaces are pieces of their own, so a word reads
// the same wherever it stands and capitalising or reversing words works on whole tokens, as it
// does on bytes, while the rest of a word still merges ("thunder" -> "t" "hunder"). Digits stay
// single. Punctuation keeps the one space after it, so that "=> red" reads "=> " "r" "ed" both
// as one document and as a prompt ending in "=> " followed by its answer, the way fine-tuning
// tokenizes them.
constexpr const char* kWordPattern = R"((?<!\p{L})\p{L}|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+ ?|\s)";

const nlohmann::json& pre_tokenizer_json() {
  static const nlohmann::json node = {{"type", "Sequence"},
                                      {"pretokenizers",
                                       {{{"type", "Split"},
                                         {"pattern", {{"Regex", kWordPattern}}},
                                         {"behavior", "Isolated"},
                                         {"invert", false}},
                                        {{"type", "ByteLevel"},
                                         {"add_prefix_space", false},
                                         {"trim_offsets", true},
                                         {"use_regex", false}}}}};
  return node;
}

const nlohmann::json& decoder_json() {
  static const nlohmann::json node = {{"type", "ByteLevel"},
                                      {"add_prefix_space", true},
                                      {"trim_offsets", true},
                                      {"use_regex", true}};
  return node;
}

using Pair = std::pair<int32_t, int32_t>;

uint64_t key(Pair p) {
  return (uint64_t(uint32_t(p.first)) << 32) | uint32_t(p.second);
}
Pair unkey(uint64_t k) {
  return {int32_t(k >> 32), int32_t(k & 0xffffffffu)};
}

struct WordCounts {
  std::vector<std::vector<int32_t>> symbols;  // byte ids at first
  std::vector<int64_t> count;
};

// The corpus's pieces as the pre-tokenizer cuts them, with how often each occurs.
WordCounts count_words(const std::vector<std::string>& documents) {
  const JsonNode node(pre_tokenizer_json(), "bpe_trainer", "pre_tokenizer");
  const auto pre_tokenizer = make_pre_tokenizer(node, true);
  std::unordered_map<std::string, int64_t> counts;
  std::vector<Word> words;
  for (const auto& doc : documents) {
    words.assign(1, Word{doc, true});
    pre_tokenizer->pre_tokenize(words);
    for (const auto& w : words) ++counts[w.text];
  }
  // Sorted, so that the learned merges do not depend on the hash map's order.
  std::map<std::string, int64_t> sorted(counts.begin(), counts.end());
  WordCounts out;
  for (const auto& [text, n] : sorted) {
    std::string bytes;
    if (!byte_level::decode(text, bytes)) continue;  // cannot happen: ByteLevel made it
    std::vector<int32_t> ids(bytes.size());
    for (size_t i = 0; i < bytes.size(); ++i) ids[i] = static_cast<unsigned char>(bytes[i]);
    out.symbols.push_back(std::move(ids));
    out.count.push_back(n);
  }
  return out;
}

}  // namespace

BpeVocabulary train_byte_level_bpe(const std::vector<std::string>& documents, int64_t vocab_size,
                                   const std::vector<std::string>& specials) {
  const int64_t fixed = 256 + static_cast<int64_t>(specials.size());
  if (vocab_size < fixed) {
    throw Error("a byte-level BPE vocabulary of " + std::to_string(vocab_size) +
                " tokens cannot hold the 256 bytes and " + std::to_string(specials.size()) +
                " special tokens; expected a size of at least " + std::to_string(fixed));
  }
  BpeVocabulary vocab;
  vocab.specials = specials;
  for (int b = 0; b < 256; ++b) vocab.tokens.push_back(byte_level::encode(std::string(1, char(b))));
  for (const auto& s : specials) vocab.tokens.push_back(s);

  // A merge spelling a special ("<pad>") gets the special's id: text never reaches BPE as one,
  // since specials are matched first, and every token text keeps one id.
  std::unordered_map<std::string, int32_t> id_of;
  for (int32_t id = 0; id < int32_t(vocab.tokens.size()); ++id) {
    id_of.emplace(vocab.tokens[size_t(id)], id);
  }

  WordCounts words = count_words(documents);
  std::unordered_map<uint64_t, int64_t> pair_count;
  std::unordered_map<uint64_t, std::unordered_set<int32_t>> where;
  const auto add_pairs = [&](int32_t w, int64_t sign) {
    const auto& s = words.symbols[size_t(w)];
    for (size_t i = 0; i + 1 < s.size(); ++i) {
      const uint64_t k = key({s[i], s[i + 1]});
      pair_count[k] += sign * words.count[size_t(w)];
      if (sign > 0) where[k].insert(w);
    }
  };
  for (int32_t w = 0; w < int32_t(words.symbols.size()); ++w) add_pairs(w, +1);

  while (int64_t(vocab.tokens.size()) < vocab_size) {
    uint64_t best = 0;
    int64_t best_count = 1;  // a pair seen once is not worth a token
    for (const auto& [k, n] : pair_count) {
      if (n > best_count || (n == best_count && n > 1 && k < best)) {
        best = k;
        best_count = n;
      }
    }
    if (best_count <= 1) break;
    const Pair pair = unkey(best);
    const std::string& left = vocab.tokens[size_t(pair.first)];
    const std::string& right = vocab.tokens[size_t(pair.second)];
    // Two merges may spell the same token ("hu"+"nder", "hun"+"der"): it keeps its first id.
    auto [it, is_new] = id_of.emplace(left + right, int32_t(vocab.tokens.size()));
    const int32_t merged = it->second;
    vocab.merges.emplace_back(left, right);
    if (is_new) vocab.tokens.push_back(it->first);
    // Sorted, so that the pair index's hash order never reaches the counts' arithmetic order.
    std::vector<int32_t> affected(where[best].begin(), where[best].end());
    std::sort(affected.begin(), affected.end());
    for (int32_t w : affected) {
      add_pairs(w, -1);
      auto& s = words.symbols[size_t(w)];
      std::vector<int32_t> next;
      next.reserve(s.size());
      for (size_t i = 0; i < s.size(); ++i) {
        if (i + 1 < s.size() && s[i] == pair.first && s[i + 1] == pair.second) {
          next.push_back(merged);
          ++i;
        } else {
          next.push_back(s[i]);
        }
      }
      s = std::move(next);
      add_pairs(w, +1);
    }
    pair_count.erase(best);
    where.erase(best);
  }
  return vocab;
}

nlohmann::json bpe_tokenizer_json(const BpeVocabulary& vocabulary) {
  nlohmann::json added = nlohmann::json::array();
  nlohmann::json vocab = nlohmann::json::object();
  const int64_t specials_end = BpeVocabulary::kFirstSpecialId + int64_t(vocabulary.specials.size());
  for (int64_t id = 0; id < int64_t(vocabulary.tokens.size()); ++id) {
    const auto& token = vocabulary.tokens[size_t(id)];
    // Specials are in the model's vocabulary too: the Rust library gives an added token the id
    // the vocabulary has for it, and appends those it lacks after the last id, whatever the
    // file says.
    vocab[token] = id;
    if (id >= BpeVocabulary::kFirstSpecialId && id < specials_end) {
      added.push_back({{"id", id},
                       {"content", token},
                       {"single_word", false},
                       {"lstrip", false},
                       {"rstrip", false},
                       {"normalized", false},
                       {"special", true}});
    }
  }
  nlohmann::json merges = nlohmann::json::array();
  for (const auto& [a, b] : vocabulary.merges) merges.push_back(a + " " + b);
  return {{"version", "1.0"},
          {"truncation", nullptr},
          {"padding", nullptr},
          {"added_tokens", added},
          {"normalizer", nullptr},
          {"pre_tokenizer", pre_tokenizer_json()},
          {"post_processor", nullptr},
          {"decoder", decoder_json()},
          {"model",
           {{"type", "BPE"},
            {"dropout", nullptr},
            {"unk_token", nullptr},
            {"continuing_subword_prefix", nullptr},
            {"end_of_word_suffix", nullptr},
            {"fuse_unk", false},
            {"byte_fallback", false},
            {"vocab", vocab},
            {"merges", merges}}}};
}

}  // namespace sy
