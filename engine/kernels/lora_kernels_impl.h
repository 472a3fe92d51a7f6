// The LoRA kernels' body, included once per instruction set by lora_kernels.cpp (generic),
// lora_kernels_avx2.cpp (-mavx2 -mfma) and lora_kernels_avx512.cpp (-mavx512f -mfma), inside the
// namespace SY_LORA_ISA with SY_LORA_WIDTH floats per vector. The rank is a template parameter so
// that its accumulators stay in registers; every rank up to kMaxRank is instantiated.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>

#if defined(__SSE__)
#include <immintrin.h>
#endif

#include "engine/kernels/lora_kernels.h"

#ifndef SY_LORA_ISA
#error "define SY_LORA_ISA and SY_LORA_WIDTH before including this file"
#endif

namespace sy::lora::SY_LORA_ISA {

constexpr int W = SY_LORA_WIDTH;
#include "engine/kernels/kernel_simd.h"

// Lane i holds 1 << i: the bit of a mask byte that lane reads.
inline uvec lane_bits() {
  uvec r;
  for (int i = 0; i < W; ++i) r[i] = 1u << i;
  return r;
}
// The W mask bits from element `index` on: a multiple of W, or of 8 where W is wider.
inline uint32_t bits_at(const uint8_t* bits, int64_t index) {
  uint32_t word = 0;
  std::memcpy(&word, bits + (index >> 3), W >= 8 ? W / 8 : 1);  // little-endian: bit i is lane i
  return word >> (index & 7);
}
// The mask's factors for the W elements from index `index` on.
inline vec factors_at(MaskBits mask, int64_t index) {
  const uvec kept = (lane_bits() & bits_at(mask.bits, index)) != 0;
  return dropout::select_keep<vec>(kept, mask.keep);
}
// Lane i's top bit as bit i. One movemask where there is one: element by element, GCC 12
// extracted every lane (vpextrd) and or-ed them, ~20 instructions per 8 mask bits. A template
// so that only the branch for U's width is compiled.
template <typename U>
inline uint32_t top_bits(U kept) {
#ifdef __AVX512F__
  if constexpr (sizeof(U) == 64) {
    return static_cast<uint32_t>(_mm512_cmpneq_epi32_mask((__m512i)kept, _mm512_setzero_si512()));
  }
#endif
#ifdef __AVX__
  if constexpr (sizeof(U) == 32) return static_cast<uint32_t>(_mm256_movemask_ps((__m256)kept));
#endif
#ifdef __SSE__
  if constexpr (sizeof(U) == 16) return static_cast<uint32_t>(_mm_movemask_ps((__m128)kept));
#endif
  uint32_t byte = 0;
  for (int i = 0; i < W; ++i) byte |= kept[i] & (1u << i);
  return byte;
}

// Records the kept lanes of the W elements from `index` on as their bits.
inline void record_bits(uint8_t* bits, int64_t index, uvec kept) {
  const uint32_t word = top_bits(kept);
  const int shift = static_cast<int>(index & 7);
  if (shift == 0) {
    std::memcpy(bits + (index >> 3), &word, W >= 8 ? W / 8 : 1);  // little-endian, as bits_at
  } else {  // the second half of a byte (4-lane builds)
    bits[index >> 3] = static_cast<uint8_t>(bits[index >> 3] | (word << shift));
  }
}

template <int R>
void down_r(const float* x, const dropout::MaskKey* key, uint8_t* record, const float* a, float* t,
            int64_t cols, int64_t first, int64_t last) {
  for (int64_t n = first; n < last; ++n) {
    vec acc[R] = {};
    const float* row = x + n * cols;
    for (int64_t c = 0; c < cols; c += W) {
      vec xv = load(row + c);
      if (key) {
        const int64_t index = n * cols + c;
        const uvec kept = dropout::kept_lanes(*key, lanes() + static_cast<uint32_t>(index));
        xv *= dropout::select_keep<vec>(kept, key->keep);
        if (record) record_bits(record, index, kept);
      }
      for (int j = 0; j < R; ++j) acc[j] += xv * load(a + j * cols + c);
    }
    for (int j = 0; j < R; ++j) t[n * R + j] = hsum(acc[j]);
  }
}

template <int R>
void up_r(const float* t, const float* bt, MaskBits mask, const float* bias, float* y, int64_t cols,
          float scale, int64_t first, int64_t last) {
  for (int64_t n = first; n < last; ++n) {
    vec tv[R];
    for (int j = 0; j < R; ++j) tv[j] = splat(scale * t[n * R + j]);
    float* row = y + n * cols;
    for (int64_t c = 0; c < cols; c += W) {
      vec acc = tv[0] * load(bt + c);
      for (int j = 1; j < R; ++j) acc += tv[j] * load(bt + j * cols + c);
      if (mask.bits) acc *= factors_at(mask, n * cols + c);
      if (bias) acc += load(bias + c);
      store(row + c, acc);
    }
  }
}

constexpr int64_t kPrefetchRows = 8;

template <int R>
void outer_r(const float* g, MaskBits mask, const float* t, float* out, int64_t cols, int64_t rows,
             float scale, int64_t first, int64_t last) {
  for (int64_t c = first; c < last; c += W) {
    vec acc[R] = {};
    for (int64_t n = 0; n < rows; ++n) {
      // Rows are cols floats apart, a new cache line (often a new page) each: the hardware's
      // prefetcher does not follow, so fetch a few rows ahead.
      __builtin_prefetch(g + (n + kPrefetchRows) * cols + c);
      vec gv = load(g + n * cols + c);
      if (mask.bits) gv *= factors_at(mask, n * cols + c);
      for (int j = 0; j < R; ++j) acc[j] += splat(t[n * R + j]) * gv;
    }
    for (int j = 0; j < R; ++j) store(out + j * cols + c, acc[j] * scale);
  }
}

// Calls F<R>(args...) for the run-time rank r in [1, kMaxRank].
template <template <int> class F, int R = 1, typename... Args>
void with_rank(int64_t r, Args&&... args) {
  if constexpr (R < kMaxRank) {
    if (r != R) return with_rank<F, R + 1>(r, std::forward<Args>(args)...);
  }
  F<R>::run(std::forward<Args>(args)...);
}

template <int R>
struct Down {
  template <typename... Args>
  static void run(Args... args) {
    down_r<R>(args...);
  }
};
template <int R>
struct Up {
  template <typename... Args>
  static void run(Args... args) {
    up_r<R>(args...);
  }
};
template <int R>
struct Outer {
  template <typename... Args>
  static void run(Args... args) {
    outer_r<R>(args...);
  }
};

void down(const float* x, const dropout::MaskKey* key, uint8_t* record, const float* a, float* t,
          int64_t cols, int64_t r, int64_t first, int64_t last) {
  with_rank<Down>(r, x, key, record, a, t, cols, first, last);
}

void up(const float* t, const float* bt, MaskBits mask, const float* bias, float* y, int64_t cols,
        int64_t r, float scale, int64_t first, int64_t last) {
  with_rank<Up>(r, t, bt, mask, bias, y, cols, scale, first, last);
}

void outer(const float* g, MaskBits mask, const float* t, float* out, int64_t cols, int64_t r,
           int64_t rows, float scale, int64_t first, int64_t last) {
  with_rank<Outer>(r, g, mask, t, out, cols, rows, scale, first, last);
}

}  // namespace sy::lora::SY_LORA_ISA
