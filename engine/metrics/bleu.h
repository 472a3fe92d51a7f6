// BLEU as sacrebleu computes it by default (13a tokenizer, n-grams up to 4, 'exp' smoothing),
// corpus-level and sentence-level, so that translation-style task scores match the ones papers
// report with sacrebleu. The 13a tokenizer is shared with SARI, which normalises text with it.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sy {

constexpr int kBleuMaxOrder = 4;

struct BleuScore {
  double score = 0.0;                              // 0-100
  std::array<double, kBleuMaxOrder> precisions{};  // n-gram precisions, 0-100, n = 1..4
  std::array<int64_t, kBleuMaxOrder> counts{};     // matched n-grams (clipped)
  std::array<int64_t, kBleuMaxOrder> totals{};     // n-grams in the hypotheses
  double brevity_penalty = 0.0;
  int64_t sys_len = 0;  // hypothesis tokens
  int64_t ref_len = 0;  // closest reference length, summed over segments
};

// Python's str.lower() on UTF-8 text, as SARI's normaliser (and sacrebleu's lowercase option)
// applies it: Python 3.11's Unicode 14 case mappings, U+0130 -> "i" + U+0307, and the Greek final
// sigma rule (with the common case-ignorable characters; exotic ones may differ from Python).
std::string python_lower(std::string_view text);

// The mteval-v13a tokenizer: strips "<skipped>", joins "-\n" hyphenations, unescapes
// &quot; &amp; &lt; &gt;, splits off punctuation (periods and commas only when not between
// digits, dashes after a digit), and returns the tokens joined by single spaces.
std::string tokenize_13a(std::string_view line);

// Corpus BLEU: statistics summed over segments, then one score (sacrebleu's corpus_score with
// effective_order false). references[i] holds the references of hypothesis i (at least one;
// their number may vary; an empty string is a zero-length reference, as in sacrebleu): the
// brevity penalty uses the reference length closest to the hypothesis length (the shorter on
// ties) and n-gram counts are clipped by their largest count in any one reference.
// Throws sy::Error if the sizes differ or an item has no reference.
BleuScore corpus_bleu(const std::vector<std::string>& hypotheses,
                      const std::vector<std::vector<std::string>>& references);

// Sentence BLEU with sacrebleu's sentence defaults ('exp' smoothing, effective order: orders
// beyond the longest n-gram the hypothesis has are left out).
BleuScore sentence_bleu(std::string_view hypothesis, const std::vector<std::string>& references);

}  // namespace sy
