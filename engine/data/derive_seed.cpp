// FNV-1a: tiny, well known and fully specified, which is all a seed derivation needs.
#include "engine/data/derive_seed.h"

namespace sy {

uint64_t derive_seed(std::string_view label, uint64_t seed) {
  constexpr uint64_t kOffsetBasis = 0xcbf29ce484222325ull;
  constexpr uint64_t kPrime = 0x100000001b3ull;
  uint64_t hash = kOffsetBasis;
  for (char c : label) {
    hash ^= static_cast<unsigned char>(c);
    hash *= kPrime;
  }
  for (int i = 0; i < 8; ++i) {
    hash ^= (seed >> (8 * i)) & 0xffu;
    hash *= kPrime;
  }
  return hash;
}

}  // namespace sy
