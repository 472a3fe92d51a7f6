// AdamW with gradient-norm clipping, one pass over each FP32 CPU parameter per step. LibTorch's
// AdamW runs seven tensor ops per parameter and clip_grad_norm_ two more, each with its own
// dispatch and pass: 1.2-1.6 ms of a LoRA step of the built-in model (32 tiny adapter tensors,
// on one thread) and ~4.5 ms of a full fine-tuning step (bench/README.md). The arithmetic is
// torch::optim::AdamW's (decoupled weight decay, bias-corrected moments, eps outside the square
// root) after clip_grad_norm_'s scaling, so both agree to float rounding.
#pragma once

#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

namespace sy {

class FusedAdamW {
 public:
  struct Options {
    double weight_decay = 0.0;
    double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  // AdamWOptions' defaults
  };

  // Whether every parameter is a contiguous FP32 CPU tensor: what the fused pass handles.
  static bool applies(const std::vector<at::Tensor>& params);

  FusedAdamW(std::vector<at::Tensor> params, Options options);

  // Scales the gradients by min(1, max_grad_norm / (norm + 1e-6)), norm being their global L2
  // norm, as clip_grad_norm_ does (max_grad_norm <= 0: no clipping), then takes one AdamW step
  // at learning rate lr. The gradients themselves are read, not rescaled. A parameter without a
  // gradient is left alone, its step count too, as LibTorch's optimizer does.
  void step(double lr, double max_grad_norm);
  // Drops the gradients: the next backward pass hands its own in without adding to zeros.
  void zero_grad();

 private:
  std::vector<at::Tensor> params_, exp_avg_, exp_avg_sq_;
  Options options_;
  std::vector<int64_t> steps_;  // per parameter: the bias corrections' t
};

}  // namespace sy
