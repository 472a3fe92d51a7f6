// Fused causal self-attention for FP32 on the CPU: softmax(q k^T * scale + causal and padding
// mask) v with its own backward, skipping the future half of every score matrix. Written out as
// batched products, a training step of the built-in model spent ~40 % of its time here: BLAS runs
// 146 x 146 x 32 products far below its large-matrix speed and the masked half is computed in
// full. The transformer falls back to that written-out form wherever this one does not apply.
#pragma once

#include <torch/types.h>

namespace sy {

// Whether the transformer uses causal_attention (and cached_attention.h) where they apply: on
// unless the environment sets SY_FUSED_ATTENTION=0. Tests and benchmarks switch it to compare
// with the written-out form.
bool fused_attention_enabled();
void set_fused_attention_enabled(bool enabled);

// True when q [B, H, T, D], k and v [B, Hkv, S, D] are FP32 CPU tensors whose kv heads divide
// the query heads: what both fused attentions (this one and cached_attention.h) need.
bool fused_attention_operands(const torch::Tensor& q, const torch::Tensor& k,
                              const torch::Tensor& v);

// True when causal_attention can take these: FP32 CPU tensors with head_dim a multiple of 32,
// query and key length equal (no KV cache) and kv heads dividing the query heads.
bool causal_attention_applies(const torch::Tensor& q, const torch::Tensor& k,
                              const torch::Tensor& v);

// q [B, H, T, D], k and v [B, Hkv, T, D] (any strides with contiguous rows), key_mask [B, T]
// (non-zero for a real token). Returns [B, T, H * D], heads side by side as o_proj expects.
// Query t sees the real keys among 0..t; a query that sees none gets zeros.
torch::Tensor causal_attention(const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v, const torch::Tensor& key_mask, double scale);

}  // namespace sy
