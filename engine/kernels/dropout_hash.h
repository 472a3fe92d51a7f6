// The dropout mask's arithmetic, shared by every kernel that applies it (dropout_kernels_impl.h,
// lora_kernels_impl.h): element i of a mask with seed s is dropped when a 32-bit hash of (i, s)
// falls below p * 2^32, and kept as 1 / (1 - p) otherwise. Two rounds of MurmurHash3's finaliser,
// written once for scalars and GCC vectors alike, so every build gives bit for bit the same mask.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace sy::dropout {

// MurmurHash3's finaliser: every input bit reaches every output bit.
template <typename T>
inline T fmix(T h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

constexpr uint32_t kIndexMultiplier = 0x9e3779b1u;

template <typename T>
inline T hash(T index, uint32_t k0, uint32_t k1) {
  return fmix(fmix(index * kIndexMultiplier + k0) ^ k1);
}

// The seed whose mask is the mask of `seed` read from element `offset` on: in 32-bit arithmetic
// (index + offset) * m + k0 = index * m + (offset * m + k0), so shifting the index is shifting
// the seed's low half. A data-parallel rank (engine/dist) thus hashes its rows of a batch as the
// whole batch would, with no change to any kernel.
inline uint64_t seed_at_offset(uint64_t seed, uint64_t offset) {
  const uint32_t k0 =
      static_cast<uint32_t>(seed) + static_cast<uint32_t>(offset) * kIndexMultiplier;
  return (seed & 0xffffffff00000000ull) | k0;
}

// One mask's constants: the seed's two halves, the drop threshold and the kept value.
struct MaskKey {
  uint32_t k0 = 0, k1 = 0;
  uint32_t threshold = 0;  // dropped when hash < threshold
  float keep = 1.0f;

  MaskKey(uint64_t seed, double p)
      : k0(static_cast<uint32_t>(seed)), k1(static_cast<uint32_t>(seed >> 32)) {
    const double scaled = std::round(p * 4294967296.0);
    threshold = static_cast<uint32_t>(scaled >= 4294967295.0 ? 4294967295.0 : scaled);
    keep = static_cast<float>(1.0 / (1.0 - p));
  }
  float factor(uint32_t index) const { return hash(index, k0, k1) >= threshold ? keep : 0.0f; }
};

// For a GCC vector of indices (U: uint32 lanes), all ones in the lanes that are kept.
template <typename U>
inline U kept_lanes(const MaskKey& key, U index) {
  return hash(index, key.k0, key.k1) >= key.threshold;
}

// `keep` in the lanes of `kept` that are all ones, 0 elsewhere: F a float vector, U its twin.
template <typename F, typename U>
inline F select_keep(U kept, float keep) {
  uint32_t keep_bits;
  std::memcpy(&keep_bits, &keep, sizeof keep_bits);
  const U bits = kept & keep_bits;
  F f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// The factors of a vector of indices.
template <typename F, typename U>
inline F factors(const MaskKey& key, U index) {
  return select_keep<F>(kept_lanes(key, index), key.keep);
}

}  // namespace sy::dropout
