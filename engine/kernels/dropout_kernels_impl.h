// The dropout mask's body, included once per instruction set by dropout_kernels.cpp (generic)
// and dropout_kernels_avx2.cpp (-mavx2 -mfma), inside the namespace SY_DROPOUT_ISA with
// SY_DROPOUT_WIDTH lanes per vector.
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "engine/kernels/dropout_hash.h"
#include "engine/kernels/dropout_kernels.h"

#ifndef SY_DROPOUT_ISA
#error "define SY_DROPOUT_ISA and SY_DROPOUT_WIDTH before including this file"
#endif

namespace sy::dropout::SY_DROPOUT_ISA {

constexpr int W = SY_DROPOUT_WIDTH;
#include "engine/kernels/kernel_simd.h"

void apply_mask(const float* x, float* out, int64_t first, int64_t last, uint64_t seed, double p) {
  const MaskKey key(seed, p);
  int64_t i = first;
  for (; i + W <= last; i += W) {
    const vec value = x ? load(x + i) : splat(1.0f);
    store(out + i, value * factors<vec>(key, lanes() + static_cast<uint32_t>(i)));
  }
  for (; i < last; ++i) {
    out[i] = (x ? x[i] : 1.0f) * key.factor(static_cast<uint32_t>(i));
  }
}

}  // namespace sy::dropout::SY_DROPOUT_ISA
