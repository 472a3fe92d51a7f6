// BLEU with sacrebleu's defaults. Text is handled as UTF-8 where Python's semantics depend on
// characters (whitespace, lowercasing); the 13a punctuation rules only ever look at ASCII, so they
// run on bytes with the same result.
#include "engine/metrics/bleu.h"

#include <cmath>
#include <cstdlib>
#include <unordered_map>

#include "engine/util/error.h"

namespace sy {

namespace {

// One UTF-8 character: its code point and byte length (an invalid byte reads as itself).
struct Utf8Char {
  uint32_t code;
  size_t length;
};

Utf8Char decode_utf8(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  const auto continuation = [&](size_t k) { return k < s.size() && (byte(k) & 0xC0) == 0x80; };
  if (b0 < 0x80) return {b0, 1};
  if ((b0 & 0xE0) == 0xC0 && continuation(i + 1)) {
    return {(b0 & 0x1Fu) << 6 | (byte(i + 1) & 0x3Fu), 2};
  }
  if ((b0 & 0xF0) == 0xE0 && continuation(i + 1) && continuation(i + 2)) {
    return {(b0 & 0x0Fu) << 12 | (byte(i + 1) & 0x3Fu) << 6 | (byte(i + 2) & 0x3Fu), 3};
  }
  if ((b0 & 0xF8) == 0xF0 && continuation(i + 1) && continuation(i + 2) && continuation(i + 3)) {
    return {(b0 & 0x07u) << 18 | (byte(i + 1) & 0x3Fu) << 12 | (byte(i + 2) & 0x3Fu) << 6 |
                (byte(i + 3) & 0x3Fu),
            4};
  }
  return {b0, 1};
}

void append_utf8(std::string& out, uint32_t code) {
  if (code < 0x80) {
    out.push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code >> 6)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else if (code < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  }
}

// Python's str.isspace(): what str.split() and str.rstrip() cut on.
bool is_python_space(uint32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

// Python's str.split(): the runs of non-whitespace characters.
std::vector<std::string_view> split_python(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t start = std::string_view::npos;
  for (size_t i = 0; i < s.size();) {
    const Utf8Char ch = decode_utf8(s, i);
    if (is_python_space(ch.code)) {
      if (start != std::string_view::npos) parts.push_back(s.substr(start, i - start));
      start = std::string_view::npos;
    } else if (start == std::string_view::npos) {
      start = i;
    }
    i += ch.length;
  }
  if (start != std::string_view::npos) parts.push_back(s.substr(start));
  return parts;
}

// Python's str.rstrip().
std::string_view rstrip_python(std::string_view s) {
  size_t end = 0;
  for (size_t i = 0; i < s.size();) {
    const Utf8Char ch = decode_utf8(s, i);
    i += ch.length;
    if (!is_python_space(ch.code)) end = i;
  }
  return s.substr(0, end);
}

// Lowercase mappings of Unicode 14 (what Python 3.11's str.lower() uses): code points first..last
// stepping by `stride` map to code point + delta.
struct CaseRun {
  uint32_t first;
  uint32_t last;
  int32_t delta;
  uint32_t stride;
};

// clang-format off
const CaseRun kLowerRuns[] = {
    {0x41, 0x5A, 32, 1}, {0xC0, 0xD6, 32, 1}, {0xD8, 0xDE, 32, 1}, {0x100, 0x12E, 1, 2},
    {0x132, 0x136, 1, 2}, {0x139, 0x147, 1, 2}, {0x14A, 0x176, 1, 2}, {0x178, 0x178, -121, 1},
    {0x179, 0x17D, 1, 2}, {0x181, 0x181, 210, 1}, {0x182, 0x184, 1, 2}, {0x186, 0x186, 206, 1},
    {0x187, 0x187, 1, 1}, {0x189, 0x18A, 205, 1}, {0x18B, 0x18B, 1, 1}, {0x18E, 0x18E, 79, 1},
    {0x18F, 0x18F, 202, 1}, {0x190, 0x190, 203, 1}, {0x191, 0x191, 1, 1}, {0x193, 0x193, 205, 1},
    {0x194, 0x194, 207, 1}, {0x196, 0x196, 211, 1}, {0x197, 0x197, 209, 1}, {0x198, 0x198, 1, 1},
    {0x19C, 0x19C, 211, 1}, {0x19D, 0x19D, 213, 1}, {0x19F, 0x19F, 214, 1}, {0x1A0, 0x1A4, 1, 2},
    {0x1A6, 0x1A6, 218, 1}, {0x1A7, 0x1A7, 1, 1}, {0x1A9, 0x1A9, 218, 1}, {0x1AC, 0x1AC, 1, 1},
    {0x1AE, 0x1AE, 218, 1}, {0x1AF, 0x1AF, 1, 1}, {0x1B1, 0x1B2, 217, 1}, {0x1B3, 0x1B5, 1, 2},
    {0x1B7, 0x1B7, 219, 1}, {0x1B8, 0x1B8, 1, 1}, {0x1BC, 0x1BC, 1, 1}, {0x1C4, 0x1C4, 2, 1},
    {0x1C5, 0x1C5, 1, 1}, {0x1C7, 0x1C7, 2, 1}, {0x1C8, 0x1C8, 1, 1}, {0x1CA, 0x1CA, 2, 1},
    {0x1CB, 0x1DB, 1, 2}, {0x1DE, 0x1EE, 1, 2}, {0x1F1, 0x1F1, 2, 1}, {0x1F2, 0x1F4, 1, 2},
    {0x1F6, 0x1F6, -97, 1}, {0x1F7, 0x1F7, -56, 1}, {0x1F8, 0x21E, 1, 2}, {0x220, 0x220, -130, 1},
    {0x222, 0x232, 1, 2}, {0x23A, 0x23A, 10795, 1}, {0x23B, 0x23B, 1, 1}, {0x23D, 0x23D, -163, 1},
    {0x23E, 0x23E, 10792, 1}, {0x241, 0x241, 1, 1}, {0x243, 0x243, -195, 1}, {0x244, 0x244, 69, 1},
    {0x245, 0x245, 71, 1}, {0x246, 0x24E, 1, 2}, {0x370, 0x372, 1, 2}, {0x376, 0x376, 1, 1},
    {0x37F, 0x37F, 116, 1}, {0x386, 0x386, 38, 1}, {0x388, 0x38A, 37, 1}, {0x38C, 0x38C, 64, 1},
    {0x38E, 0x38F, 63, 1}, {0x391, 0x3A1, 32, 1}, {0x3A3, 0x3AB, 32, 1}, {0x3CF, 0x3CF, 8, 1},
    {0x3D8, 0x3EE, 1, 2}, {0x3F4, 0x3F4, -60, 1}, {0x3F7, 0x3F7, 1, 1}, {0x3F9, 0x3F9, -7, 1},
    {0x3FA, 0x3FA, 1, 1}, {0x3FD, 0x3FF, -130, 1}, {0x400, 0x40F, 80, 1}, {0x410, 0x42F, 32, 1},
    {0x460, 0x480, 1, 2}, {0x48A, 0x4BE, 1, 2}, {0x4C0, 0x4C0, 15, 1}, {0x4C1, 0x4CD, 1, 2},
    {0x4D0, 0x52E, 1, 2}, {0x531, 0x556, 48, 1}, {0x10A0, 0x10C5, 7264, 1},
    {0x10C7, 0x10C7, 7264, 1}, {0x10CD, 0x10CD, 7264, 1}, {0x13A0, 0x13EF, 38864, 1},
    {0x13F0, 0x13F5, 8, 1}, {0x1C90, 0x1CBA, -3008, 1}, {0x1CBD, 0x1CBF, -3008, 1},
    {0x1E00, 0x1E94, 1, 2}, {0x1E9E, 0x1E9E, -7615, 1}, {0x1EA0, 0x1EFE, 1, 2},
    {0x1F08, 0x1F0F, -8, 1}, {0x1F18, 0x1F1D, -8, 1}, {0x1F28, 0x1F2F, -8, 1},
    {0x1F38, 0x1F3F, -8, 1}, {0x1F48, 0x1F4D, -8, 1}, {0x1F59, 0x1F5F, -8, 2},
    {0x1F68, 0x1F6F, -8, 1}, {0x1F88, 0x1F8F, -8, 1}, {0x1F98, 0x1F9F, -8, 1},
    {0x1FA8, 0x1FAF, -8, 1}, {0x1FB8, 0x1FB9, -8, 1}, {0x1FBA, 0x1FBB, -74, 1},
    {0x1FBC, 0x1FBC, -9, 1}, {0x1FC8, 0x1FCB, -86, 1}, {0x1FCC, 0x1FCC, -9, 1},
    {0x1FD8, 0x1FD9, -8, 1}, {0x1FDA, 0x1FDB, -100, 1}, {0x1FE8, 0x1FE9, -8, 1},
    {0x1FEA, 0x1FEB, -112, 1}, {0x1FEC, 0x1FEC, -7, 1}, {0x1FF8, 0x1FF9, -128, 1},
    {0x1FFA, 0x1FFB, -126, 1}, {0x1FFC, 0x1FFC, -9, 1}, {0x2126, 0x2126, -7517, 1},
    {0x212A, 0x212A, -8383, 1}, {0x212B, 0x212B, -8262, 1}, {0x2132, 0x2132, 28, 1},
    {0x2160, 0x216F, 16, 1}, {0x2183, 0x2183, 1, 1}, {0x24B6, 0x24CF, 26, 1},
    {0x2C00, 0x2C2F, 48, 1}, {0x2C60, 0x2C60, 1, 1}, {0x2C62, 0x2C62, -10743, 1},
    {0x2C63, 0x2C63, -3814, 1}, {0x2C64, 0x2C64, -10727, 1}, {0x2C67, 0x2C6B, 1, 2},
    {0x2C6D, 0x2C6D, -10780, 1}, {0x2C6E, 0x2C6E, -10749, 1}, {0x2C6F, 0x2C6F, -10783, 1},
    {0x2C70, 0x2C70, -10782, 1}, {0x2C72, 0x2C72, 1, 1}, {0x2C75, 0x2C75, 1, 1},
    {0x2C7E, 0x2C7F, -10815, 1}, {0x2C80, 0x2CE2, 1, 2}, {0x2CEB, 0x2CED, 1, 2},
    {0x2CF2, 0x2CF2, 1, 1}, {0xA640, 0xA66C, 1, 2}, {0xA680, 0xA69A, 1, 2}, {0xA722, 0xA72E, 1, 2},
    {0xA732, 0xA76E, 1, 2}, {0xA779, 0xA77B, 1, 2}, {0xA77D, 0xA77D, -35332, 1},
    {0xA77E, 0xA786, 1, 2}, {0xA78B, 0xA78B, 1, 1}, {0xA78D, 0xA78D, -42280, 1},
    {0xA790, 0xA792, 1, 2}, {0xA796, 0xA7A8, 1, 2}, {0xA7AA, 0xA7AA, -42308, 1},
    {0xA7AB, 0xA7AB, -42319, 1}, {0xA7AC, 0xA7AC, -42315, 1}, {0xA7AD, 0xA7AD, -42305, 1},
    {0xA7AE, 0xA7AE, -42308, 1}, {0xA7B0, 0xA7B0, -42258, 1}, {0xA7B1, 0xA7B1, -42282, 1},
    {0xA7B2, 0xA7B2, -42261, 1}, {0xA7B3, 0xA7B3, 928, 1}, {0xA7B4, 0xA7C2, 1, 2},
    {0xA7C4, 0xA7C4, -48, 1}, {0xA7C5, 0xA7C5, -42307, 1}, {0xA7C6, 0xA7C6, -35384, 1},
    {0xA7C7, 0xA7C9, 1, 2}, {0xA7D0, 0xA7D0, 1, 1}, {0xA7D6, 0xA7D8, 1, 2}, {0xA7F5, 0xA7F5, 1, 1},
    {0xFF21, 0xFF3A, 32, 1}, {0x10400, 0x10427, 40, 1}, {0x104B0, 0x104D3, 40, 1},
    {0x10570, 0x1057A, 39, 1}, {0x1057C, 0x1058A, 39, 1}, {0x1058C, 0x10592, 39, 1},
    {0x10594, 0x10595, 39, 1}, {0x10C80, 0x10CB2, 64, 1}, {0x118A0, 0x118BF, 32, 1},
    {0x16E40, 0x16E5F, 32, 1}, {0x1E900, 0x1E921, 34, 1}
};
// clang-format on

uint32_t lower_code(uint32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  for (const CaseRun& run : kLowerRuns) {
    if (run.first > c) break;
    if (c <= run.last && (c - run.first) % run.stride == 0) {
      return static_cast<uint32_t>(static_cast<int32_t>(c) + run.delta);
    }
  }
  return c;
}

// A letter with case: one that lowercases to something else, or the lowercase of one.
bool is_cased(uint32_t c) {
  if (lower_code(c) != c) return true;
  if (c < 0x80) return c >= 'a' && c <= 'z';
  for (const CaseRun& run : kLowerRuns) {
    const int64_t upper = static_cast<int64_t>(c) - run.delta;
    if (upper >= run.first && upper <= run.last && (upper - run.first) % run.stride == 0) {
      return true;
    }
  }
  return false;
}

// The common case-ignorable characters (apostrophes, periods, colons, combining accents).
bool is_case_ignorable(uint32_t c) {
  return c == '\'' || c == '.' || c == ':' || c == '^' || c == '`' || c == 0xA8 || c == 0xAD ||
         c == 0xAF || c == 0xB4 || c == 0xB7 || c == 0xB8 || (c >= 0x300 && c <= 0x36F) ||
         c == 0x2018 || c == 0x2019 || c == 0x2024 || c == 0x2027;
}

// Python lowers a capital sigma to the final form when a cased letter precedes it and none
// follows it (case-ignorable characters skipped on both sides).
bool is_final_sigma(const std::vector<Utf8Char>& chars, size_t at) {
  size_t j = at;
  while (j > 0 && is_case_ignorable(chars[j - 1].code)) --j;
  if (j == 0 || !is_cased(chars[j - 1].code)) return false;
  j = at + 1;
  while (j < chars.size() && is_case_ignorable(chars[j].code)) ++j;
  return j == chars.size() || !is_cased(chars[j].code);
}

// Every non-overlapping occurrence of `from`, left to right (Python's str.replace()).
std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
  return s;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// The first 13a rule's class: { | } ~ [ \ ] ^ _ ` space ! " # $ % & ( ) * + : ; < = > ? @ /
bool is_13a_symbol(char c) {
  return (c >= '{' && c <= '~') || (c >= '[' && c <= '`') || (c >= ' ' && c <= '&') ||
         (c >= '(' && c <= '+') || (c >= ':' && c <= '@') || c == '/';
}

// One re.sub pass of a two-character pattern: scanning left to right, each pair (a, b) for which
// `match` holds becomes `replace(a, b)` and both characters are consumed, exactly like Python's
// non-overlapping substitution.
template <typename Match, typename Replace>
std::string substitute_pairs(const std::string& line, Match match, Replace replace) {
  std::string out;
  out.reserve(line.size() + line.size() / 2);
  for (size_t i = 0; i < line.size(); ++i) {
    if (i + 1 < line.size() && match(line[i], line[i + 1])) {
      out += replace(line[i], line[i + 1]);
      ++i;
    } else {
      out += line[i];
    }
  }
  return out;
}

bool is_period_or_comma(char c) {
  return c == '.' || c == ',';
}

// The language-dependent 13a rules (sacrebleu's TokenizerRegexp), in their order.
std::string tokenize_13a_rules(const std::string& line) {
  // 1. ([{-~[-` -&(-+:-@/]) -> " \1 "
  std::string out;
  out.reserve(line.size() * 2);
  for (char c : line) {
    if (is_13a_symbol(c)) {
      out += {' ', c, ' '};
    } else {
      out += c;
    }
  }
  // 2. ([^0-9])([.,]) -> "\1 \2 "
  out = substitute_pairs(
      out, [](char a, char b) { return !is_digit(a) && is_period_or_comma(b); },
      [](char a, char b) {
        return std::string{a, ' ', b, ' '};
      });
  // 3. ([.,])([^0-9]) -> " \1 \2"
  out = substitute_pairs(
      out, [](char a, char b) { return is_period_or_comma(a) && !is_digit(b); },
      [](char a, char b) {
        return std::string{' ', a, ' ', b};
      });
  // 4. ([0-9])(-) -> "\1 \2 "
  return substitute_pairs(
      out, [](char a, char b) { return is_digit(a) && b == '-'; },
      [](char a, char) {
        return std::string{a, ' ', '-', ' '};
      });
}

// The sufficient statistics of one segment: lengths, then matched and total n-grams per order.
struct BleuStats {
  int64_t sys_len = 0;
  int64_t ref_len = 0;
  std::array<int64_t, kBleuMaxOrder> counts{};
  std::array<int64_t, kBleuMaxOrder> totals{};

  void add(const BleuStats& o) {
    sys_len += o.sys_len;
    ref_len += o.ref_len;
    for (int n = 0; n < kBleuMaxOrder; ++n) {
      counts[n] += o.counts[n];
      totals[n] += o.totals[n];
    }
  }
};

// All n-grams of orders 1..4 of a tokenized line, keyed by their tokens joined with spaces
// (13a tokens never contain whitespace, so the key is unambiguous).
using NgramCounts = std::unordered_map<std::string, int64_t>;

NgramCounts count_ngrams(const std::vector<std::string_view>& tokens) {
  NgramCounts counts;
  for (size_t n = 1; n <= static_cast<size_t>(kBleuMaxOrder); ++n) {
    for (size_t i = 0; i + n <= tokens.size(); ++i) {
      std::string key(tokens[i]);
      for (size_t k = 1; k < n; ++k) {
        key += ' ';
        key += tokens[i + k];
      }
      ++counts[key];
    }
  }
  return counts;
}

size_t ngram_order(const std::string& key) {
  size_t order = 1;
  for (char c : key) order += c == ' ';
  return order;
}

// What sacrebleu does to every segment before counting: rstrip, then 13a.
std::string preprocess(std::string_view text) {
  return tokenize_13a(rstrip_python(text));
}

BleuStats segment_stats(std::string_view hypothesis, const std::vector<std::string>& references) {
  NgramCounts ref_max;
  std::vector<int64_t> ref_lens;
  for (const std::string& ref : references) {
    const std::string tokenized = preprocess(ref);
    const auto tokens = split_python(tokenized);
    ref_lens.push_back(static_cast<int64_t>(tokens.size()));
    for (const auto& [gram, count] : count_ngrams(tokens)) {
      int64_t& best = ref_max[gram];
      best = std::max(best, count);
    }
  }
  const std::string tokenized = preprocess(hypothesis);
  const auto tokens = split_python(tokenized);
  BleuStats stats;
  stats.sys_len = static_cast<int64_t>(tokens.size());
  // The closest reference length; the shorter one on ties.
  int64_t closest_diff = -1;
  for (int64_t len : ref_lens) {
    const int64_t diff = std::llabs(stats.sys_len - len);
    if (closest_diff == -1 || diff < closest_diff) {
      closest_diff = diff;
      stats.ref_len = len;
    } else if (diff == closest_diff && len < stats.ref_len) {
      stats.ref_len = len;
    }
  }
  for (const auto& [gram, count] : count_ngrams(tokens)) {
    const size_t n = ngram_order(gram) - 1;
    stats.totals[n] += count;
    auto it = ref_max.find(gram);
    if (it != ref_max.end()) stats.counts[n] += std::min(count, it->second);
  }
  return stats;
}

// BLEU = BP * exp(mean over n of log p_n), with BP = exp(1 - r/c) when c < r (0 when c = 0) and
// p_n = 100 * matched_n / total_n. 'exp' smoothing (mteval-v13a): the k-th order with no match
// gets p_n = 100 / (2^k * total_n). Counting stops at the first order with no n-gram at all;
// without effective order the mean still runs over all 4 orders, the missing ones counting as
// log 0 (a score of 0); with it, the mean runs over the orders seen. No match at all: BLEU 0.
BleuScore compute_bleu(const BleuStats& stats, bool effective_order) {
  BleuScore s;
  s.counts = stats.counts;
  s.totals = stats.totals;
  s.sys_len = stats.sys_len;
  s.ref_len = stats.ref_len;
  s.brevity_penalty = 1.0;
  if (stats.sys_len < stats.ref_len) {
    s.brevity_penalty = stats.sys_len > 0 ? std::exp(1.0 - static_cast<double>(stats.ref_len) /
                                                               static_cast<double>(stats.sys_len))
                                          : 0.0;
  }
  bool any_match = false;
  for (int64_t c : stats.counts) any_match = any_match || c != 0;
  if (!any_match) return s;
  double smooth = 1.0;
  int orders = kBleuMaxOrder;
  for (int n = 0; n < kBleuMaxOrder; ++n) {
    if (stats.totals[n] == 0) break;
    if (effective_order) orders = n + 1;
    if (stats.counts[n] == 0) {
      smooth *= 2;
      s.precisions[n] = 100.0 / (smooth * static_cast<double>(stats.totals[n]));
    } else {
      s.precisions[n] =
          100.0 * static_cast<double>(stats.counts[n]) / static_cast<double>(stats.totals[n]);
    }
  }
  // sacrebleu floors log(0) at -9999999999 rather than -inf.
  double log_sum = 0.0;
  for (int n = 0; n < orders; ++n) {
    log_sum += s.precisions[n] == 0.0 ? -9999999999.0 : std::log(s.precisions[n]);
  }
  s.score = s.brevity_penalty * std::exp(log_sum / orders);
  return s;
}

void check_references(const std::vector<std::string>& references, size_t item) {
  if (references.empty()) {
    throw Error("BLEU: item " + std::to_string(item + 1) +
                " has no reference; expected at least one reference per hypothesis.");
  }
}

}  // namespace

std::string python_lower(std::string_view text) {
  std::vector<Utf8Char> chars;
  for (size_t i = 0; i < text.size();) {
    chars.push_back(decode_utf8(text, i));
    i += chars.back().length;
  }
  std::string out;
  out.reserve(text.size());
  size_t offset = 0;
  for (size_t k = 0; k < chars.size(); offset += chars[k].length, ++k) {
    const Utf8Char& ch = chars[k];
    if (ch.code >= 0x80 && ch.length == 1) {
      out.push_back(text[offset]);  // an invalid byte stays as it is
    } else if (ch.code == 0x130) {
      out += "i\xCC\x87";  // U+0130 lowers to two characters: i and a combining dot above
    } else if (ch.code == 0x3A3) {
      append_utf8(out, is_final_sigma(chars, k) ? 0x3C2 : 0x3C3);
    } else {
      append_utf8(out, lower_code(ch.code));
    }
  }
  return out;
}

std::string tokenize_13a(std::string_view line) {
  std::string text = replace_all(std::string(line), "<skipped>", "");
  text = replace_all(std::move(text), "-\n", "");
  text = replace_all(std::move(text), "\n", " ");
  if (text.find('&') != std::string::npos) {
    text = replace_all(std::move(text), "&quot;", "\"");
    text = replace_all(std::move(text), "&amp;", "&");
    text = replace_all(std::move(text), "&lt;", "<");
    text = replace_all(std::move(text), "&gt;", ">");
  }
  const std::string spaced = tokenize_13a_rules(" " + text + " ");
  std::string out;
  for (std::string_view token : split_python(spaced)) {
    if (!out.empty()) out += ' ';
    out += token;
  }
  return out;
}

BleuScore corpus_bleu(const std::vector<std::string>& hypotheses,
                      const std::vector<std::vector<std::string>>& references) {
  if (hypotheses.size() != references.size()) {
    throw Error("corpus_bleu: got " + std::to_string(hypotheses.size()) + " hypotheses for " +
                std::to_string(references.size()) +
                " reference sets; expected one hypothesis per reference set.");
  }
  BleuStats total;
  for (size_t i = 0; i < hypotheses.size(); ++i) {
    check_references(references[i], i);
    total.add(segment_stats(hypotheses[i], references[i]));
  }
  return compute_bleu(total, /*effective_order=*/false);
}

BleuScore sentence_bleu(std::string_view hypothesis, const std::vector<std::string>& references) {
  check_references(references, 0);
  return compute_bleu(segment_stats(hypothesis, references), /*effective_order=*/true);
}

}  // namespace sy
