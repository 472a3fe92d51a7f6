// The rank-r products of a LoRA layer on raw FP32 rows, with the adapter's dropout mask hashed in
// the forward (dropout_hash.h) and read back as bits: the arithmetic behind fused_lora.cpp. BLAS
// runs these [tokens x 128..512] x [.. x r] products far below its speed on square ones, and
// written with LibTorch ops each layer also materialises dropout(x), its backward mask product
// and a gradient sum, all [tokens, in] wide; each kernel here is one pass over its big operand.
// Free of LibTorch; lora_kernels_impl.h is built generic, for AVX2 + FMA and for AVX-512, picked
// at run time.
// Threads: each call takes a [first, last) range of rows (or columns) so the caller splits work.
#pragma once

#include <cstdint>

#include "engine/model/dropout_hash.h"

namespace sy::lora {

// The largest rank the kernels take (their accumulators live in registers). Row lengths (in and
// out features) must be multiples of kWidthMultiple.
constexpr int64_t kMaxRank = 16;
constexpr int64_t kWidthMultiple = 8;

// A dropout mask over a [rows, cols] matrix, whose element (n, c) is number n * cols + c. The
// forward hashes it (`down`, from a MaskKey) and records it as one bit per element, set where
// kept (bit i of byte i / 8), so that the backward reads bits instead of hashing twice more.
struct MaskBits {
  const uint8_t* bits = nullptr;  // null: no dropout
  float keep = 1.0f;              // the kept value, 1 / (1 - p)
};
// Bytes of bits for a [rows, cols] matrix.
inline int64_t mask_bytes(int64_t rows, int64_t cols) {
  return rows * cols / 8;
}

// t[n, j] = sum_c x[n, c] * mask(n, c) * a[j, c] for rows n in [first, last); x is [N, cols],
// a [r, cols], t [N, r]. key null: no dropout; otherwise the mask is written to `record`.
void down(const float* x, const dropout::MaskKey* key, uint8_t* record, const float* a, float* t,
          int64_t cols, int64_t r, int64_t first, int64_t last);

// y[n, c] = bias[c] + scale * mask(n, c) * sum_j t[n, j] * bt[j, c] for rows n in [first, last);
// y is [N, cols], t [N, r], bt [r, cols], bias [cols] or null. Written, not added: the frozen
// product is added on top by BLAS (beta = 1), which then skips its own pass zeroing y.
void up(const float* t, const float* bt, MaskBits mask, const float* bias, float* y, int64_t cols,
        int64_t r, float scale, int64_t first, int64_t last);

// out[j, c] = scale * sum_n t[n, j] * g[n, c] * mask(n, c) for columns c in [first, last)
// (multiples of kWidthMultiple), over all rows; g is [rows, cols], t [rows, r], out [r, cols].
void outer(const float* g, MaskBits mask, const float* t, float* out, int64_t cols, int64_t r,
           int64_t rows, float scale, int64_t first, int64_t last);

// The generic build, callable directly so that tests compare it with the dispatched one.
namespace generic {
void down(const float* x, const dropout::MaskKey* key, uint8_t* record, const float* a, float* t,
          int64_t cols, int64_t r, int64_t first, int64_t last);
void up(const float* t, const float* bt, MaskBits mask, const float* bias, float* y, int64_t cols,
        int64_t r, float scale, int64_t first, int64_t last);
void outer(const float* g, MaskBits mask, const float* t, float* out, int64_t cols, int64_t r,
           int64_t rows, float scale, int64_t first, int64_t last);
}  // namespace generic

}  // namespace sy::lora
