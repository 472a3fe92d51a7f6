// GELU (exact, erf form) for the transformer's MLP: gelu_kernels.h's kernels as one autograd
// node for contiguous FP32 CPU tensors, torch::gelu for everything else.
#pragma once

#include <torch/types.h>

namespace sy {

torch::Tensor gelu_exact(const torch::Tensor& x);

}  // namespace sy
