// NFD = full canonical decomposition + canonical ordering; NFC = NFD + canonical composition
// (UAX #15), with the generated tables of unicode_tables.cpp and Hangul done by arithmetic.
#include "engine/tokenizer/unicode_normalization.h"

#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "engine/tokenizer/unicode_tables.h"
#include "engine/tokenizer/utf8.h"

namespace sy {

namespace {

namespace tables = unicode_tables;

// Hangul syllables (UAX #15 / Unicode ch. 3.12): S = SBase + (L * VCount + V) * TCount + T.
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28;
constexpr char32_t kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;

uint8_t combining_class(char32_t cp) {
  if (cp < 0x300) return 0;  // nothing below U+0300 combines
  const auto* begin = tables::kCombiningClasses;
  const auto* end = begin + tables::kCombiningClassCount;
  const auto* it = std::upper_bound(
      begin, end, cp, [](char32_t c, const tables::CombiningClassRange& r) { return c < r.first; });
  if (it == begin) return 0;
  --it;
  return cp <= it->last ? it->ccc : 0;
}

const tables::Decomposition* find_decomposition(char32_t cp) {
  if (cp < 0xC0) return nullptr;  // the first canonical decomposition is U+00C0
  const auto* begin = tables::kDecompositions;
  const auto* end = begin + tables::kDecompositionCount;
  const auto* it = std::lower_bound(
      begin, end, cp, [](const tables::Decomposition& d, char32_t c) { return d.code_point < c; });
  return it != end && it->code_point == cp ? it : nullptr;
}

void decompose(char32_t cp, std::vector<char32_t>& out) {
  if (cp >= kSBase && cp < kSBase + kSCount) {
    const char32_t s = cp - kSBase;
    out.push_back(kLBase + s / kNCount);
    out.push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount) out.push_back(kTBase + s % kTCount);
    return;
  }
  const tables::Decomposition* d = find_decomposition(cp);
  if (!d) {
    out.push_back(cp);
    return;
  }
  // The table holds one level; the parts may decompose further (U+1E09 -> U+00E7 U+0301 -> ...).
  decompose(d->first, out);
  if (d->second) decompose(d->second, out);
}

// Every run of non-starters sorted by combining class, stably (the canonical ordering).
void canonical_order(std::vector<char32_t>& cps) {
  for (size_t i = 0; i < cps.size();) {
    if (combining_class(cps[i]) == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < cps.size() && combining_class(cps[j]) != 0) ++j;
    std::stable_sort(cps.begin() + i, cps.begin() + j, [](char32_t a, char32_t b) {
      return combining_class(a) < combining_class(b);
    });
    i = j;
  }
}

// first << 32 | second -> the primary composite.
const std::unordered_map<uint64_t, char32_t>& composition_pairs() {
  static const std::unordered_map<uint64_t, char32_t> pairs = [] {
    std::unordered_map<uint64_t, char32_t> map;
    for (size_t i = 0; i < tables::kDecompositionCount; ++i) {
      const auto& d = tables::kDecompositions[i];
      if (d.recomposes) map[(uint64_t(d.first) << 32) | d.second] = d.code_point;
    }
    return map;
  }();
  return pairs;
}

// The primary composite of a + b, or 0 when there is none.
char32_t compose_pair(char32_t a, char32_t b) {
  if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount)
    return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
  if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase &&
      b < kTBase + kTCount)
    return a + (b - kTBase);
  const auto& pairs = composition_pairs();
  const auto it = pairs.find((uint64_t(a) << 32) | b);
  return it == pairs.end() ? 0 : it->second;
}

// Canonical composition of decomposed, ordered text. A character C composes with the last
// starter L unless something between them blocks it: a character of class 0 or of a class >= C's.
// After canonical ordering the classes between L and C only rise, so the last one decides.
std::vector<char32_t> compose(const std::vector<char32_t>& cps) {
  std::vector<char32_t> out;
  out.reserve(cps.size());
  constexpr size_t kNone = static_cast<size_t>(-1);
  size_t starter = kNone;
  int last_class = 0;
  for (char32_t cp : cps) {
    const int cls = combining_class(cp);
    if (starter != kNone) {
      const bool adjacent = out.size() - 1 == starter;
      if (adjacent || (last_class != 0 && last_class < cls)) {
        if (const char32_t composite = compose_pair(out[starter], cp)) {
          out[starter] = composite;
          continue;
        }
      }
    }
    if (cls == 0) starter = out.size();
    last_class = cls;
    out.push_back(cp);
  }
  return out;
}

bool is_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::vector<char32_t> decomposed(std::string_view text) {
  std::vector<char32_t> cps;
  cps.reserve(text.size());
  for (char32_t cp : utf8::to_code_points(text)) decompose(cp, cps);
  canonical_order(cps);
  return cps;
}

}  // namespace

std::string to_nfd(std::string_view text) {
  if (is_ascii(text)) return std::string(text);  // ASCII is already in every normal form
  return utf8::from_code_points(decomposed(text));
}

std::string to_nfc(std::string_view text) {
  if (is_ascii(text)) return std::string(text);
  return utf8::from_code_points(compose(decomposed(text)));
}

}  // namespace sy
