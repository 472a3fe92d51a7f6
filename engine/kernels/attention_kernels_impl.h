// The attention kernels' body, included once per instruction set by attention_kernels.cpp
// (generic) and attention_kernels_avx2.cpp (-mavx2 -mfma), each inside its own namespace given
// as SY_ATTENTION_ISA, with SY_ATTENTION_WIDTH floats per vector (4 or 8). GCC's vector
// extensions let the compiler pick the instructions; the tiles are sized for 16 vector registers.
//
// Every product is one of two shapes, both with a per-row causal range:
//  - wide:   C[i, j] = sum_d A[i, d] Bt[d, j], j over the keys row i sees (q k^T and dout v^T);
//  - narrow: C[i, :] = alpha sum_k A[i, k] B[k, :], k over a causal range (p v, ds k, ds^T q,
//            p^T dout), with B's rows D floats wide.
// Buffers of scores are [T, Tp] and zero outside the causal triangle, so that a tile may run
// over its rows' union range.
#include <algorithm>
#include <cmath>
#include <cstring>

#ifdef __AVX__
#include <immintrin.h>
#endif

#include "engine/kernels/attention_kernels.h"

#ifndef SY_ATTENTION_ISA
#error "define SY_ATTENTION_ISA and SY_ATTENTION_WIDTH before including this file"
#endif

namespace sy::attention::SY_ATTENTION_ISA {

constexpr int W = SY_ATTENTION_WIDTH;
#include "engine/kernels/kernel_simd.h"

// R rows x NV vectors of C = A Bt over d in [0, D).
template <int R, int NV>
[[gnu::always_inline]] inline void wide_tile(const float* A, int64_t lda, const float* Bt,
                                             int64_t ldb, float* C, int64_t ldc, int64_t D) {
  vec acc[R][NV] = {};
  for (int64_t d = 0; d < D; ++d) {
    vec b[NV];
    for (int v = 0; v < NV; ++v) b[v] = load(Bt + d * ldb + v * W);
    for (int r = 0; r < R; ++r) {
      const vec a = splat(A[r * lda + d]);
      for (int v = 0; v < NV; ++v) acc[r][v] += a * b[v];
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int v = 0; v < NV; ++v) store(C + r * ldc + v * W, acc[r][v]);
  }
}

template <int R>
inline void wide_rows(const float* A, int64_t lda, const float* Bt, int64_t ldb, float* C,
                      int64_t ldc, int64_t D, int64_t columns) {
  int64_t j = 0;
  for (; j + 2 * W <= columns; j += 2 * W) wide_tile<R, 2>(A, lda, Bt + j, ldb, C + j, ldc, D);
  for (; j < columns; j += W) wide_tile<R, 1>(A, lda, Bt + j, ldb, C + j, ldc, D);
}

// C[i, 0 .. ceil_W(i + 1)) = A[i, :] Bt for the T rows; later columns are left alone.
inline void wide_causal(const float* A, int64_t lda, const float* Bt, int64_t ldb, float* C,
                        int64_t ldc, int64_t T, int64_t D) {
  constexpr int R = 4;
  int64_t i = 0;
  for (; i + R <= T; i += R) {
    const int64_t columns = (i + R + W - 1) / W * W;
    wide_rows<R>(A + i * lda, lda, Bt, ldb, C + i * ldc, ldc, D, columns);
  }
  for (; i < T; ++i) {
    const int64_t columns = (i + 1 + W - 1) / W * W;
    wide_rows<1>(A + i * lda, lda, Bt, ldb, C + i * ldc, ldc, D, columns);
  }
}

// R rows x 4 vectors of C (= or +=) alpha * sum_{k in [k0, k1)} A[r, k] B[k, :].
template <int R>
[[gnu::always_inline]] inline void narrow_tile(const float* A, int64_t lda, int64_t k0, int64_t k1,
                                               const float* B, int64_t ldb, float* C, int64_t ldc,
                                               float alpha, bool accumulate) {
  vec acc[R][4] = {};
  for (int64_t k = k0; k < k1; ++k) {
    vec b[4];
    for (int v = 0; v < 4; ++v) b[v] = load(B + k * ldb + v * W);
    for (int r = 0; r < R; ++r) {
      const vec a = splat(A[r * lda + k]);
      for (int v = 0; v < 4; ++v) acc[r][v] += a * b[v];
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int v = 0; v < 4; ++v) {
      vec c = acc[r][v] * alpha;
      if (accumulate) c += load(C + r * ldc + v * W);
      store(C + r * ldc + v * W, c);
    }
  }
}

// Row i of C over k in [0, i + 1) (lower) or [i, T) (upper); A is zero outside that range.
template <bool Lower>
inline void narrow_causal(const float* A, int64_t lda, const float* B, int64_t ldb, float* C,
                          int64_t ldc, int64_t T, int64_t D, float alpha, bool accumulate) {
  constexpr int R = 2;
  for (int64_t d = 0; d < D; d += 4 * W) {
    int64_t i = 0;
    for (; i + R <= T; i += R) {
      const int64_t k0 = Lower ? 0 : i, k1 = Lower ? i + R : T;
      narrow_tile<R>(A + i * lda, lda, k0, k1, B + d, ldb, C + i * ldc + d, ldc, alpha, accumulate);
    }
    for (; i < T; ++i) {
      const int64_t k0 = Lower ? 0 : i, k1 = Lower ? i + 1 : T;
      narrow_tile<1>(A + i * lda, lda, k0, k1, B + d, ldb, C + i * ldc + d, ldc, alpha, accumulate);
    }
  }
}

#ifdef __AVX__
// The 8 x 8 block whose rows are in[0..7] (rows lds floats apart), transposed into out's rows
// (ldo floats apart): unpack pairs of rows, shuffle pairs of pairs, swap 128-bit halves.
inline void transpose_8x8(const float* in, int64_t lds, float* out, int64_t ldo) {
  __m256 r[8], t[8];
  for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(in + i * lds);
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    r[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
    r[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
    r[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    r[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int i = 0; i < 4; ++i) {
    _mm256_storeu_ps(out + i * ldo, _mm256_permute2f128_ps(r[i], r[i + 4], 0x20));
    _mm256_storeu_ps(out + (i + 4) * ldo, _mm256_permute2f128_ps(r[i], r[i + 4], 0x31));
  }
}
#endif

// dst[c, r] = src[r, c] for r < rows, c < cols; dst's rows are ldd floats, the rest zeroed.
// With AVX, full 8 x 8 blocks go through registers: element by element, the stores down dst's
// columns cost more than the products that read the result. The rest goes element by element,
// src read row by row: it is usually cold.
inline void transpose(const float* src, int64_t lds, int64_t rows, int64_t cols, float* dst,
                      int64_t ldd) {
  int64_t full_rows = 0, full_cols = 0;
#ifdef __AVX__
  full_rows = rows / 8 * 8, full_cols = cols / 8 * 8;
  for (int64_t r = 0; r < full_rows; r += 8) {
    for (int64_t c = 0; c < full_cols; c += 8) {
      transpose_8x8(src + r * lds + c, lds, dst + c * ldd + r, ldd);
    }
  }
#endif
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = src + r * lds;
    for (int64_t c = r < full_rows ? full_cols : 0; c < cols; ++c) dst[c * ldd + r] = in[c];
  }
  for (int64_t c = 0; c < cols; ++c) std::fill(dst + c * ldd + rows, dst + (c + 1) * ldd, 0.0f);
}

// Row i of probs from its raw scores: softmax over the visible keys, zero elsewhere up to Tp.
// The last vector's lanes past `visible` are masked like padding, so every step is a vector one.
inline void softmax_row(float* row, int64_t visible, int64_t Tp, const HeadView& h) {
  const int64_t end = (visible + W - 1) / W * W;
  // Padding keys get -1e30 added: (keep - 1) * 1e30 is 0 or -1e30.
  const vec scale = splat(h.scale), big = splat(1e30f), one = splat(1.0f);
  for (int64_t j = 0; j < end; j += W) {
    store(row + j, load(row + j) * scale + (load(h.key_keep + j) - one) * big);
  }
  for (int64_t j = visible; j < end; ++j) row[j] = -1e30f;
  vec vmax = splat(-INFINITY);
  for (int64_t j = 0; j < end; j += W) {
    const vec s = load(row + j);
    vmax = vmax > s ? vmax : s;
  }
  const float m = hmax(vmax);
  vec vsum = vec{};
  for (int64_t j = 0; j < end; j += W) {
    vec e = exp_nonpositive(load(row + j) - m) * load(h.key_keep + j);
    store(row + j, e);
    if (j + W > visible) {  // the last vector: its lanes past `visible` are future keys
      std::fill(row + visible, row + j + W, 0.0f);
      e = load(row + j);
    }
    vsum += e;
  }
  const float sum = hsum(vsum);
  const vec inv = splat(sum > 0 ? 1.0f / sum : 0.0f);  // no visible key: a row of zeros
  for (int64_t j = 0; j < end; j += W) store(row + j, load(row + j) * inv);
  std::fill(row + end, row + Tp, 0.0f);
}

void forward(const HeadView& h, float* probs, float* out, int64_t out_stride, float* scratch) {
  const int64_t T = h.T, D = h.D, Tp = padded_length(T);
  float* kt = scratch;  // [D, Tp]: forward_scratch_floats
  transpose(h.k, h.k_stride, T, D, kt, Tp);
  wide_causal(h.q, h.q_stride, kt, Tp, probs, Tp, T, D);
  for (int64_t i = 0; i < T; ++i) softmax_row(probs + i * Tp, i + 1, Tp, h);
  narrow_causal<true>(probs, Tp, h.v, h.v_stride, out, out_stride, T, D, 1.0f, false);
}

void backward(const HeadView& h, const float* probs, const float* out, int64_t out_stride,
              const float* dout, int64_t dout_stride, float* dq, int64_t dq_stride, float* dk,
              float* dv, int64_t dkv_stride, float* scratch) {
  const int64_t T = h.T, D = h.D, Tp = padded_length(T);
  float* vt = scratch;        // [D, Tp]
  float* ds = vt + D * Tp;    // [T, Tp]
  float* ds_t = ds + T * Tp;  // [T, Tp]
  transpose(h.v, h.v_stride, T, D, vt, Tp);
  wide_causal(dout, dout_stride, vt, Tp, ds, Tp, T, D);  // dP = dout v^T
  for (int64_t i = 0; i < T; ++i) {
    // softmax's backward: ds = p * (dp - sum_j p dp), and sum_j p dp = dout_i . out_i.
    float delta = 0;
    for (int64_t d = 0; d < D; ++d) delta += dout[i * dout_stride + d] * out[i * out_stride + d];
    const float* p = probs + i * Tp;
    float* row = ds + i * Tp;
    const int64_t visible = (i + 1 + W - 1) / W * W;
    for (int64_t j = 0; j < visible; j += W) {
      store(row + j, load(p + j) * (load(row + j) - delta));
    }
    std::fill(row + visible, row + Tp, 0.0f);
  }
  narrow_causal<true>(ds, Tp, h.k, h.k_stride, dq, dq_stride, T, D, h.scale, false);
  transpose(ds, Tp, T, T, ds_t, Tp);
  narrow_causal<false>(ds_t, Tp, h.q, h.q_stride, dk, dkv_stride, T, D, h.scale, true);
  transpose(probs, Tp, T, T, ds_t, Tp);
  narrow_causal<false>(ds_t, Tp, dout, dout_stride, dv, dkv_stride, T, D, 1.0f, true);
}

}  // namespace sy::attention::SY_ATTENTION_ISA
