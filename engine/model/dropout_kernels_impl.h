// The dropout mask's body, included once per instruction set by dropout_kernels.cpp (generic)
// and dropout_kernels_avx2.cpp (-mavx2 -mfma), inside the namespace SY_DROPOUT_ISA with
// SY_DROPOUT_WIDTH lanes per vector.
#include <cmath>
#include <cstring>

#include "engine/model/dropout_kernels.h"

#ifndef SY_DROPOUT_ISA
#error "define SY_DROPOUT_ISA and SY_DROPOUT_WIDTH before including this file"
#endif

namespace sy::dropout::SY_DROPOUT_ISA {

constexpr int W = SY_DROPOUT_WIDTH;
using vec = float __attribute__((vector_size(W * sizeof(float))));
using uvec = uint32_t __attribute__((vector_size(W * sizeof(uint32_t))));

// MurmurHash3's finaliser: every input bit reaches every output bit. Written once for scalars
// and vectors alike.
template <typename T>
inline T fmix(T h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

template <typename T>
inline T hash(T index, uint32_t k0, uint32_t k1) {
  return fmix(fmix(index * 0x9e3779b1u + k0) ^ k1);
}

void apply_mask(const float* x, float* out, int64_t first, int64_t last, uint64_t seed, double p) {
  const auto k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  // Dropped when the hash is below p * 2^32.
  const double scaled = std::round(p * 4294967296.0);
  const auto threshold = static_cast<uint32_t>(scaled >= 4294967295.0 ? 4294967295.0 : scaled);
  const float keep = static_cast<float>(1.0 / (1.0 - p));
  uvec lane;
  vec keep_v, one_v;
  for (int i = 0; i < W; ++i) lane[i] = static_cast<uint32_t>(i), keep_v[i] = keep, one_v[i] = 1;
  int64_t i = first;
  for (; i + W <= last; i += W) {
    const uvec h = hash(lane + static_cast<uint32_t>(i), k0, k1);
    const uvec kept = h >= threshold;  // all ones or all zeros per lane
    uvec bits;
    std::memcpy(&bits, &keep_v, sizeof bits);
    bits &= kept;
    vec factor;
    std::memcpy(&factor, &bits, sizeof factor);
    vec value = one_v;
    if (x) std::memcpy(&value, x + i, sizeof value);
    value *= factor;
    std::memcpy(out + i, &value, sizeof value);
  }
  for (; i < last; ++i) {
    const uint32_t h = hash(static_cast<uint32_t>(i), k0, k1);
    const float factor = h >= threshold ? keep : 0.0f;
    out[i] = (x ? x[i] : 1.0f) * factor;
  }
}

}  // namespace sy::dropout::SY_DROPOUT_ISA
