// The GELU kernels' body, included once per instruction set by gelu_kernels.cpp (generic),
// gelu_kernels_avx2.cpp (-mavx2 -mfma) and gelu_kernels_avx512.cpp (-mavx512f -mfma), inside
// the namespace SY_GELU_ISA with SY_GELU_WIDTH floats per vector. A tail shorter than a vector
// goes through a padded vector, so every element is computed by the same instructions.
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "engine/kernels/gelu_kernels.h"

#ifndef SY_GELU_ISA
#error "define SY_GELU_ISA and SY_GELU_WIDTH before including this file"
#endif

namespace sy::gelu::SY_GELU_ISA {

constexpr int W = SY_GELU_WIDTH;
#include "engine/kernels/kernel_simd.h"

// Phi(x) = 0.5 erfc(-x / sqrt 2), erfc from Abramowitz and Stegun 7.1.26; also exp(-x^2 / 2),
// which the density needs.
inline vec normal_cdf(vec x, vec* gauss) {
  const vec z = (x >= 0 ? x : -x) * 0.70710678f;
  const vec t = 1.0f / (1.0f + 0.3275911f * z);
  vec poly = splat(1.061405429f);
  poly = poly * t - 1.453152027f;
  poly = poly * t + 1.421413741f;
  poly = poly * t - 0.284496736f;
  poly = poly * t + 0.254829592f;
  poly = poly * t;
  *gauss = exp_nonpositive(-(z * z));
  const vec half_erfc = 0.5f * poly * *gauss;  // 0.5 erfc(|x| / sqrt 2)
  return x >= 0 ? 1.0f - half_erfc : half_erfc;
}

inline vec gelu(vec x, vec) {
  vec gauss;
  return x * normal_cdf(x, &gauss);
}

inline vec gelu_grad(vec x, vec dy) {
  vec gauss;
  const vec cdf = normal_cdf(x, &gauss);
  return dy * (cdf + x * gauss * 0.39894228f);  // 1 / sqrt(2 pi)
}

// out[i] = f(x[i], dy[i]) for i in [first, last); dy may be null.
template <vec (*F)(vec, vec)>
void map(const float* x, const float* dy, float* out, int64_t first, int64_t last) {
  int64_t i = first;
  for (; i + W <= last; i += W) store(out + i, F(load(x + i), dy ? load(dy + i) : vec{}));
  if (i == last) return;
  float xs[W] = {}, gs[W] = {}, ys[W];
  const auto n = static_cast<size_t>(last - i);
  std::memcpy(xs, x + i, n * sizeof(float));
  if (dy) std::memcpy(gs, dy + i, n * sizeof(float));
  store(ys, F(load(xs), load(gs)));
  std::memcpy(out + i, ys, n * sizeof(float));
}

void forward(const float* x, float* y, int64_t first, int64_t last) {
  map<gelu>(x, nullptr, y, first, last);
}

void backward(const float* x, const float* dy, float* dx, int64_t first, int64_t last) {
  map<gelu_grad>(x, dy, dx, first, last);
}

}  // namespace sy::gelu::SY_GELU_ISA
