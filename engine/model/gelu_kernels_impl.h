// The GELU kernels' body, included once per instruction set by gelu_kernels.cpp (generic) and
// gelu_kernels_avx2.cpp (-mavx2 -mfma), inside the namespace SY_GELU_ISA with SY_GELU_WIDTH
// floats per vector. Written once for a vector type V (the W-lane vector, or plain float for the
// tail), so the tail computes exactly what the lanes do.
#include <cstring>

#include "engine/model/gelu_kernels.h"

#ifndef SY_GELU_ISA
#error "define SY_GELU_ISA and SY_GELU_WIDTH before including this file"
#endif

namespace sy::gelu::SY_GELU_ISA {

constexpr int W = SY_GELU_WIDTH;
using vec = float __attribute__((vector_size(W * sizeof(float))));
using ivec = int32_t __attribute__((vector_size(W * sizeof(int32_t))));

inline vec splat(float x) {
  vec r;
  for (int i = 0; i < W; ++i) r[i] = x;
  return r;
}

// Lane-wise helpers with one form for vec and one for float.
inline vec select_ge0(vec x, vec if_ge, vec if_lt) {
  return x >= 0 ? if_ge : if_lt;
}
inline float select_ge0(float x, float if_ge, float if_lt) {
  return x >= 0 ? if_ge : if_lt;
}
inline vec vmax(vec a, float b) {
  return a > b ? a : splat(b);
}
inline float vmax(float a, float b) {
  return a > b ? a : b;
}
inline vec vabs(vec x) {
  return x >= 0 ? x : -x;
}
inline float vabs(float x) {
  return x >= 0 ? x : -x;
}
// 2^k for integral k in [-126, 127], through the exponent bits.
inline vec pow2(vec k) {
  const ivec bits = (__builtin_convertvector(k, ivec) + 127) << 23;
  vec r;
  std::memcpy(&r, &bits, sizeof r);
  return r;
}
inline float pow2(float k) {
  const int32_t bits = (static_cast<int32_t>(k) + 127) << 23;
  float r;
  std::memcpy(&r, &bits, sizeof r);
  return r;
}
inline vec truncate(vec x) {
  return __builtin_convertvector(__builtin_convertvector(x, ivec), vec);
}
inline float truncate(float x) {
  return static_cast<float>(static_cast<int32_t>(x));
}

// exp(y) for y <= 0 (relative error ~2e-7); y below -87 gives exp(-87).
template <typename V>
inline V exp_nonpositive(V y) {
  y = vmax(y, -87.0f);
  const V k = truncate(y * 1.44269504f - 0.5f);             // round to nearest, as y <= 0
  const V r = (y - k * 0.693359375f) + k * 2.12194440e-4f;  // y - k ln 2, in two parts
  V p = V{} + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  return p * pow2(k);
}

// Phi(x) = 0.5 erfc(-x / sqrt 2), and exp(-x^2 / 2) for the density.
template <typename V>
inline V normal_cdf(V x, V* gauss) {
  const V z = vabs(x) * 0.70710678f;
  const V t = 1.0f / (1.0f + 0.3275911f * z);
  V poly = V{} + 1.061405429f;
  poly = poly * t - 1.453152027f;
  poly = poly * t + 1.421413741f;
  poly = poly * t - 0.284496736f;
  poly = poly * t + 0.254829592f;
  poly = poly * t;
  *gauss = exp_nonpositive(-(z * z));
  const V half_erfc = 0.5f * poly * *gauss;  // 0.5 erfc(|x| / sqrt 2)
  return select_ge0(x, 1.0f - half_erfc, half_erfc);
}

template <typename V>
inline V gelu(V x) {
  V gauss;
  return x * normal_cdf(x, &gauss);
}

template <typename V>
inline V gelu_grad(V x, V dy) {
  V gauss;
  const V cdf = normal_cdf(x, &gauss);
  return dy * (cdf + x * gauss * 0.39894228f);  // 1 / sqrt(2 pi)
}

void forward(const float* x, float* y, int64_t first, int64_t last) {
  int64_t i = first;
  for (; i + W <= last; i += W) {
    vec v;
    std::memcpy(&v, x + i, sizeof v);
    v = gelu(v);
    std::memcpy(y + i, &v, sizeof v);
  }
  for (; i < last; ++i) y[i] = gelu(x[i]);
}

void backward(const float* x, const float* dy, float* dx, int64_t first, int64_t last) {
  int64_t i = first;
  for (; i + W <= last; i += W) {
    vec v, g;
    std::memcpy(&v, x + i, sizeof v);
    std::memcpy(&g, dy + i, sizeof g);
    v = gelu_grad(v, g);
    std::memcpy(dx + i, &v, sizeof v);
  }
  for (; i < last; ++i) dx[i] = gelu_grad(x[i], dy[i]);
}

}  // namespace sy::gelu::SY_GELU_ISA
