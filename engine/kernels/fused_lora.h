// A LoRA layer's whole product, y = x W^T + b + scale * dropout(x) A^T B^T, as one autograd node
// for FP32 on the CPU. Written with LibTorch ops, the adapter's path cost a LoRA training step
// about as much as a full fine-tuning step though it has a third fewer FLOPs: six skinny
// products, the dropped-out copy of x, the mask product of its gradient and the sum of the two
// paths' input gradients, each a pass over a [tokens, in] matrix. Here the skinny products are
// lora_kernels.h's one-pass kernels, the mask is hashed where it is used, and the adapter's input
// gradient is added straight into the frozen weight's. Same mask, same seed draw and the same
// values (to rounding) as lora.cpp's written-out path, which stays for everything else.
#pragma once

#include <torch/types.h>

namespace sy {

// Whether LoraLinear takes this path where it applies: on unless the environment sets
// SY_FUSED_LORA=0. Tests and benchmarks switch it to compare with the written-out path.
bool fused_lora_enabled();
void set_fused_lora_enabled(bool enabled);

// True for FP32 CPU operands outside autocast, in and out features multiples of 8 and a rank of
// at most 16: x [..., in], weight [out, in], a [r, in], b [out, r].
bool fused_lora_applies(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& a,
                        const torch::Tensor& b);

// The layer's output [..., out]; bias may be undefined. With dropout > 0 the mask's seed is drawn
// as hashed_dropout draws it. Gradients flow to x, a and b (and weight and bias where they
// require them).
torch::Tensor fused_lora_linear(const torch::Tensor& x, const torch::Tensor& weight,
                                const torch::Tensor& bias, const torch::Tensor& a,
                                const torch::Tensor& b, double scale, double dropout);

}  // namespace sy
