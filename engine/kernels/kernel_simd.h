// The vector types and helpers every family of CPU kernels builds on (attention, dropout, GELU,
// LoRA): GCC vector extensions, W floats wide, so that one source is compiled once generic (W 4)
// and once with -mavx2 -mfma (W 8). Included by each *_kernels_impl.h inside its own per-ISA
// namespace, right after `constexpr int W`, so it has no include guard and includes nothing
// itself: <algorithm>, <cstdint> and <cstring> come first, at file scope.

using vec = float __attribute__((vector_size(W * sizeof(float))));
using ivec = int32_t __attribute__((vector_size(W * sizeof(int32_t))));
using uvec = uint32_t __attribute__((vector_size(W * sizeof(uint32_t))));

inline vec load(const float* p) {
  vec r;
  std::memcpy(&r, p, sizeof r);
  return r;
}
inline void store(float* p, vec x) {
  std::memcpy(p, &x, sizeof x);
}
// x - 0 is x for every x (-0 included), so GCC drops the subtraction and keeps one broadcast
// (vbroadcastss). Filling the lanes one by one, GCC 12 built the vector from seven inserts and
// shuffles, inside every kernel's inner loop; vec{} + x would have to keep the addition (x = -0).
inline vec splat(float x) {
  return x - vec{};
}
inline float hsum(vec x) {
  float s = 0;
  for (int i = 0; i < W; ++i) s += x[i];
  return s;
}
inline float hmax(vec x) {
  float m = x[0];
  for (int i = 1; i < W; ++i) m = std::max(m, x[i]);
  return m;
}
// 0, 1, ..., W - 1.
inline uvec lanes() {
  uvec r;
  for (int i = 0; i < W; ++i) r[i] = static_cast<uint32_t>(i);
  return r;
}

// exp(x) for x <= 0, to ~2 ulp: 2^n * e^r with r = x - n ln 2 in [-ln2/2, ln2/2] and a degree-6
// polynomial for e^r. Below -87 it returns 0's neighbourhood (~1e-38).
inline vec exp_nonpositive(vec x) {
  x = x < splat(-87.0f) ? splat(-87.0f) : x;
  const vec n = __builtin_convertvector(
      __builtin_convertvector(x * 1.44269504088896341f + splat(-0.5f), ivec), vec);
  // Truncating z - 1/2 (z = x / ln 2 <= 0) rounds it up, so |z - n| <= 1/2: r's range is all
  // the polynomial needs.
  vec r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  vec p = splat(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const ivec bits = (__builtin_convertvector(n, ivec) + 127) << 23;
  vec scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}
