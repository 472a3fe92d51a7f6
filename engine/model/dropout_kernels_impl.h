// The dropout mask's body, included once per instruction set by dropout_kernels.cpp (generic)
// and dropout_kernels_avx2.cpp (-mavx2 -mfma), inside the namespace SY_DROPOUT_ISA with
// SY_DROPOUT_WIDTH lanes per vector.
#include <cstring>

#include "engine/model/dropout_hash.h"
#include "engine/model/dropout_kernels.h"

#ifndef SY_DROPOUT_ISA
#error "define SY_DROPOUT_ISA and SY_DROPOUT_WIDTH before including this file"
#endif

namespace sy::dropout::SY_DROPOUT_ISA {

constexpr int W = SY_DROPOUT_WIDTH;
using vec = float __attribute__((vector_size(W * sizeof(float))));
using uvec = uint32_t __attribute__((vector_size(W * sizeof(uint32_t))));

void apply_mask(const float* x, float* out, int64_t first, int64_t last, uint64_t seed, double p) {
  const MaskKey key(seed, p);
  uvec lane;
  vec one_v;
  for (int i = 0; i < W; ++i) lane[i] = static_cast<uint32_t>(i), one_v[i] = 1;
  int64_t i = first;
  for (; i + W <= last; i += W) {
    vec value = one_v;
    if (x) std::memcpy(&value, x + i, sizeof value);
    value *= factors<vec>(key, lane + static_cast<uint32_t>(i));
    std::memcpy(out + i, &value, sizeof value);
  }
  for (; i < last; ++i) {
    out[i] = (x ? x[i] : 1.0f) * key.factor(static_cast<uint32_t>(i));
  }
}

}  // namespace sy::dropout::SY_DROPOUT_ISA
