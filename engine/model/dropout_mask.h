// Inverted dropout made fast: LibTorch 1.13's CPU bernoulli_ draws one number at a time
// (measured 1.3 ms for 300k values, a sixth of a LoRA training step); a counter-based hash fills
// the same mask in parallel in a fraction of that, and stays deterministic under
// torch::manual_seed. Because the mask is a function of (seed, index), dropout itself need not
// store it: it is recomputed in the backward pass.
#pragma once

#include <torch/types.h>

namespace sy {

// A tensor shaped and typed like `like` holding 0 (probability p) or 1 / (1 - p). The stream's
// seed is drawn from LibTorch's default generator, so masks follow torch::manual_seed.
torch::Tensor dropout_mask(const torch::Tensor& like, double p);

// The seed of one mask, drawn from LibTorch's default generator: what dropout_mask and
// hashed_dropout draw, for kernels that hash the mask themselves (dropout_hash.h).
uint64_t draw_dropout_seed();

// x * dropout_mask(x, p), with the same seed draw and bit for bit the same values and gradient,
// but in one pass over x and with no mask kept for backward (FP32 CPU tensors; elsewhere it
// multiplies by the mask tensor).
torch::Tensor hashed_dropout(const torch::Tensor& x, double p);

}  // namespace sy
