// The Unicode data behind NFC/NFD (unicode_normalization.cpp): canonical combining classes and
// canonical decompositions, generated into unicode_tables.cpp by make_unicode_tables.py.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sy::unicode_tables {

// Code points first..last all have combining class ccc (non-zero); sorted, not overlapping.
struct CombiningClassRange {
  uint32_t first;
  uint32_t last;
  uint8_t ccc;
};

// One level of canonical decomposition: code_point -> first [second]; second is 0 for a
// singleton. recomposes: 1 when NFC composes first + second back into code_point (0 for the
// composition exclusions and non-starter decompositions). Sorted by code_point; Hangul
// syllables are left to the algorithm.
struct Decomposition {
  uint32_t code_point;
  uint32_t first;
  uint32_t second;
  uint8_t recomposes;  // 0 or 1
};

extern const char* const kUnicodeVersion;
extern const CombiningClassRange kCombiningClasses[];
extern const size_t kCombiningClassCount;
extern const Decomposition kDecompositions[];
extern const size_t kDecompositionCount;

}  // namespace sy::unicode_tables
