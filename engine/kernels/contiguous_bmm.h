// Batched matrix product whose backward pass hands BLAS contiguous operands. LibTorch 1.13's CPU
// bmm falls back to a per-matrix loop when an operand is a transposed view (measured 4.6x slower
// on attention's shapes), and autograd's own bmm backward passes exactly such views.
#pragma once

#include <torch/types.h>

namespace sy {

// a [N, M, K] x b [N, K, P] -> [N, M, P], differentiable in both operands.
torch::Tensor contiguous_bmm(const torch::Tensor& a, const torch::Tensor& b);

}  // namespace sy
