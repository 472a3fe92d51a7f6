// ROUGE with rouge-score's exact conventions: which characters separate tokens, which LCS the
// backtrack picks (it decides the union-LCS of rougeLsum), how repeated tokens are clipped, and
// that empty texts score 0 rather than failing.
#include "engine/metrics/rouge.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "engine/metrics/porter_stemmer.h"
#include "engine/util/error.h"

namespace sy {

namespace {

using Ids = std::vector<int>;

bool is_token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// F = 2PR / (P + R), and 0 when P + R = 0.
RougeScore make_score(double precision, double recall) {
  RougeScore s;
  s.precision = precision;
  s.recall = recall;
  s.fmeasure = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
  return s;
}

// Tokens as small integers, so that LCS tables compare ints rather than strings.
class Vocabulary {
 public:
  Ids ids(const std::vector<std::string>& tokens) {
    Ids out;
    out.reserve(tokens.size());
    for (const std::string& t : tokens) {
      out.push_back(ids_.emplace(t, static_cast<int>(ids_.size())).first->second);
    }
    return out;
  }

 private:
  std::unordered_map<std::string, int> ids_;
};

// table[i][j] = length of the LCS of ref[0..i) and can[0..j), stored row-major.
struct LcsTable {
  size_t cols;
  std::vector<int> cells;
  int at(size_t i, size_t j) const { return cells[i * (cols + 1) + j]; }
};

LcsTable lcs_table(const Ids& ref, const Ids& can) {
  LcsTable t{can.size(), std::vector<int>((ref.size() + 1) * (can.size() + 1), 0)};
  const size_t w = can.size() + 1;
  for (size_t i = 1; i <= ref.size(); ++i) {
    for (size_t j = 1; j <= can.size(); ++j) {
      t.cells[i * w + j] = ref[i - 1] == can[j - 1]
                               ? t.cells[(i - 1) * w + j - 1] + 1
                               : std::max(t.cells[(i - 1) * w + j], t.cells[i * w + j - 1]);
    }
  }
  return t;
}

// The positions in `ref` of one LCS, read back from the table's corner: a match is taken, else
// the walk moves left only when that keeps a strictly longer LCS, otherwise up. This tie-break is
// rouge-score's, and rougeLsum's union depends on it.
std::vector<size_t> lcs_positions(const Ids& ref, const Ids& can) {
  const LcsTable t = lcs_table(ref, can);
  std::vector<size_t> positions;
  size_t i = ref.size();
  size_t j = can.size();
  while (i > 0 && j > 0) {
    if (ref[i - 1] == can[j - 1]) {
      positions.push_back(i - 1);
      --i;
      --j;
    } else if (t.at(i, j - 1) > t.at(i - 1, j)) {
      --j;
    } else {
      --i;
    }
  }
  std::reverse(positions.begin(), positions.end());
  return positions;
}

// ROUGE-N: clipped n-gram matches over the n-grams of each side (at least 1 in the divisor).
RougeScore score_ngrams(const Ids& ref, const Ids& pred, int n) {
  auto count = [n](const Ids& tokens) {
    std::map<Ids, int> counts;
    for (size_t i = 0; i + n <= tokens.size(); ++i) {
      ++counts[Ids(tokens.begin() + i, tokens.begin() + i + n)];
    }
    return counts;
  };
  const auto ref_counts = count(ref);
  const auto pred_counts = count(pred);
  int overlap = 0;
  for (const auto& [gram, c] : ref_counts) {
    auto it = pred_counts.find(gram);
    if (it != pred_counts.end()) overlap += std::min(c, it->second);
  }
  const auto total = [](const std::map<Ids, int>& counts) {
    int sum = 0;
    for (const auto& entry : counts) sum += entry.second;
    return std::max(sum, 1);
  };
  return make_score(static_cast<double>(overlap) / total(pred_counts),
                    static_cast<double>(overlap) / total(ref_counts));
}

// ROUGE-L: P = LCS / |prediction|, R = LCS / |reference|.
RougeScore score_lcs(const Ids& ref, const Ids& pred) {
  if (ref.empty() || pred.empty()) return {};
  const int lcs = lcs_table(ref, pred).at(ref.size(), pred.size());
  return make_score(static_cast<double>(lcs) / pred.size(), static_cast<double>(lcs) / ref.size());
}

// ROUGE-Lsum (Lin 2004, section 3.2, as ROUGE-1.5.5 implements it): for each reference sentence,
// the union of its LCS positions with every predicted sentence; each token of that union is a hit
// while both texts still have an unused copy of it. P = hits / prediction tokens, R = hits /
// reference tokens.
RougeScore score_lcs_summary(const std::vector<Ids>& ref_sents,
                             const std::vector<Ids>& pred_sents) {
  if (ref_sents.empty() || pred_sents.empty()) return {};
  size_t m = 0;
  size_t n = 0;
  std::unordered_map<int, int> ref_left;
  std::unordered_map<int, int> pred_left;
  for (const Ids& s : ref_sents) {
    m += s.size();
    for (int t : s) ++ref_left[t];
  }
  for (const Ids& s : pred_sents) {
    n += s.size();
    for (int t : s) ++pred_left[t];
  }
  if (m == 0 || n == 0) return {};
  int hits = 0;
  for (const Ids& ref : ref_sents) {
    std::set<size_t> in_union;
    for (const Ids& pred : pred_sents) {
      for (size_t p : lcs_positions(ref, pred)) in_union.insert(p);
    }
    for (size_t p : in_union) {
      const int token = ref[p];
      if (pred_left[token] > 0 && ref_left[token] > 0) {
        ++hits;
        --pred_left[token];
        --ref_left[token];
      }
    }
  }
  return make_score(static_cast<double>(hits) / n, static_cast<double>(hits) / m);
}

// rougeLsum's sentences: the text split on "\n", empty pieces dropped.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

}  // namespace

RougeType rouge_type_from_name(const std::string& name) {
  RougeType type;
  if (name == "rougeL") {
    type.kind = RougeType::Kind::kLcs;
  } else if (name == "rougeLsum") {
    type.kind = RougeType::Kind::kLcsSummary;
  } else if (name.size() == 6 && name.compare(0, 5, "rouge") == 0 && name[5] >= '1' &&
             name[5] <= '9') {
    type.kind = RougeType::Kind::kNgram;
    type.n = name[5] - '0';
  } else {
    throw Error("ROUGE type \"" + name + "\" is unknown; expected rouge1 .. rouge9, rougeL or " +
                "rougeLsum.");
  }
  return type;
}

std::vector<std::string> rouge_tokenize(std::string_view text, bool stem) {
  // Python's str.lower() turns only two non-ASCII characters into ASCII letters: U+0130 (İ,
  // lowered to "i" plus a combining dot, which then separates) and U+212A (Kelvin sign, "k").
  // Every other non-ASCII character ends up a separator.
  std::string clean;
  clean.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= 'A' && c <= 'Z') {
      clean.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (is_token_char(c)) {
      clean.push_back(c);
    } else if (text.compare(i, 2, "\xC4\xB0") == 0) {
      clean += "i ";
      i += 1;
    } else if (text.compare(i, 3, "\xE2\x84\xAA") == 0) {
      clean.push_back('k');
      i += 2;
    } else {
      clean.push_back(' ');
    }
  }
  std::vector<std::string> tokens;
  size_t start = 0;
  while (start < clean.size()) {
    while (start < clean.size() && clean[start] == ' ') ++start;
    size_t end = start;
    while (end < clean.size() && clean[end] != ' ') ++end;
    if (end > start) {
      std::string token = clean.substr(start, end - start);
      tokens.push_back(stem && token.size() > 3 ? porter_stem(token) : token);
    }
    start = end;
  }
  return tokens;
}

RougeScore rouge_score(const RougeType& type, std::string_view reference,
                       std::string_view prediction, bool stem) {
  Vocabulary vocab;
  if (type.kind == RougeType::Kind::kLcsSummary) {
    auto sentences = [&](std::string_view text) {
      std::vector<Ids> out;
      for (std::string_view line : split_lines(text)) {
        out.push_back(vocab.ids(rouge_tokenize(line, stem)));
      }
      return out;
    };
    const std::vector<Ids> ref_sents = sentences(reference);
    const std::vector<Ids> pred_sents = sentences(prediction);
    return score_lcs_summary(ref_sents, pred_sents);
  }
  const Ids ref = vocab.ids(rouge_tokenize(reference, stem));
  const Ids pred = vocab.ids(rouge_tokenize(prediction, stem));
  if (type.kind == RougeType::Kind::kLcs) return score_lcs(ref, pred);
  return score_ngrams(ref, pred, type.n);
}

RougeScore rouge_score_multi(const RougeType& type, const std::vector<std::string>& references,
                             std::string_view prediction, bool stem) {
  if (references.empty()) {
    throw Error("rouge_score_multi: no reference given; expected at least one per prediction.");
  }
  RougeScore best = rouge_score(type, references.front(), prediction, stem);
  for (size_t i = 1; i < references.size(); ++i) {
    const RougeScore s = rouge_score(type, references[i], prediction, stem);
    if (s.fmeasure > best.fmeasure) best = s;
  }
  return best;
}

RougeScore rouge_mean(const RougeType& type, const std::vector<std::string>& predictions,
                      const std::vector<std::vector<std::string>>& references, bool stem) {
  if (predictions.size() != references.size() || predictions.empty()) {
    throw Error("rouge_mean: got " + std::to_string(predictions.size()) + " predictions for " +
                std::to_string(references.size()) +
                " reference sets; expected one prediction per reference set, at least one.");
  }
  RougeScore sum;
  for (size_t i = 0; i < predictions.size(); ++i) {
    const RougeScore s = rouge_score_multi(type, references[i], predictions[i], stem);
    sum.precision += s.precision;
    sum.recall += s.recall;
    sum.fmeasure += s.fmeasure;
  }
  const double count = static_cast<double>(predictions.size());
  return {sum.precision / count, sum.recall / count, sum.fmeasure / count};
}

}  // namespace sy
