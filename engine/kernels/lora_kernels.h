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

#include "engine/kernels/dropout_hash.h"

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

// down, up and outer: the dispatched kernels (lora_kernels_signatures.h says what each does).
#include "engine/kernels/lora_kernels_signatures.h"

// The generic build, callable directly so that tests compare it with the dispatched one.
namespace generic {
#include "engine/kernels/lora_kernels_signatures.h"
}  // namespace generic

}  // namespace sy::lora
