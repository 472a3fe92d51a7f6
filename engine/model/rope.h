// Rotary position embeddings (RoPE, Su et al. 2021) as Hugging Face's Llama computes them: the
// cos / sin tables for given positions, and the rotation of queries and keys. For FP32 CPU
// tensors the rotation is one pass (and one pass back) as its own autograd node: written with
// rotate_half it was eight tensor ops per layer and about as many in the backward, ~13 ms of a
// training step of the built-in model. Elsewhere it is written out as Llama writes it.
#pragma once

#include <cstdint>
#include <utility>

#include <torch/types.h>

namespace sy {

// cos and sin [B, 1, T, dim] for positions [B, T]: angle (position * inv_freq_i), with
// inv_freq_i = 1 / theta^(2i / dim) in the same FP32 steps as HF's Llama (the angles agree to the
// last bit), repeated over the two halves of the head dimension.
std::pair<torch::Tensor, torch::Tensor> rope_tables(const torch::Tensor& positions, int64_t dim,
                                                    double theta);

// x * cos + rotate_half(x) * sin for x [B, H, T, D] (any strides); rotate_half maps the halves
// (x1, x2) to (-x2, x1). The fused node returns [B, H, T, D] with heads' rows side by side in
// memory ([B, T, H, D] underneath), as attention reads them.
torch::Tensor apply_rope(const torch::Tensor& x, const torch::Tensor& cos,
                         const torch::Tensor& sin);

// The written-out form, for tests and for what the fused node does not take.
torch::Tensor apply_rope_written_out(const torch::Tensor& x, const torch::Tensor& cos,
                                     const torch::Tensor& sin);

}  // namespace sy
