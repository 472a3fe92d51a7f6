// y = x W^T + b for FP32 on the CPU, with the products (forward, input and weight gradients)
// through cpu_gemm.h: the frozen or fully fine-tuned linear layers and the vocabulary projection.
// Elsewhere (another dtype or device, autocast on) it is LibTorch's linear. Half-precision weights
// meeting FP32 activations are widened for the one product.
#pragma once

#include <torch/types.h>

namespace sy {

// x [..., in], weight [out, in], bias [out] or undefined: [..., out]. Gradients flow to every
// operand that requires one.
torch::Tensor dense_linear(const torch::Tensor& x, const torch::Tensor& weight,
                           const torch::Tensor& bias);

}  // namespace sy
