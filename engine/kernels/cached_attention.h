// Attention of a few new queries over a KV cache, for generation on the CPU. Written out as
// batched products, each decoded token ran a [1, D] x [D, S] product per head and sequence, which
// LibTorch's bmm dispatches one matrix at a time: with 50 prompts that is 200 tiny products per
// layer and step, and they cost more than the rest of the step. Here each (sequence, head, query)
// is one loop over its visible keys. Inference only: there is no backward.
#pragma once

#include <torch/types.h>

namespace sy {

// True when cached_attention can take these: FP32 CPU tensors, no gradient wanted, fewer queries
// than keys (the keys hold a cache), kv heads dividing the query heads.
bool cached_attention_applies(const torch::Tensor& q, const torch::Tensor& k,
                              const torch::Tensor& v);

// q [B, H, T, D]; k and v [B, Hkv, S, D], S >= T, whose last T keys belong to the queries (any
// strides with contiguous rows, as a cache's narrowed buffers have); key_mask [B, S] (non-zero
// for a real token). Query t sees the real keys among 0..S - T + t; one that sees none gets
// zeros. Returns [B, T, H * D], heads side by side as o_proj expects.
torch::Tensor cached_attention(const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v, const torch::Tensor& key_mask, double scale);

}  // namespace sy
