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

// Data-parallel training: a rank computes rows [first_row, ...) of each micro-batch, and its masks
// must hold the bits those rows get in the whole batch. While a scope lives on this thread, the
// mask of a [B, T, d] tensor starts at element first_row * T * d of the whole batch's, and the
// mask of a [N, d] tensor — the response rows TransformerLM::hidden_states gathers for the loss —
// at element first_selected_row * d (the batch's gathered rows before the shard's).
class DropoutShardScope {
 public:
  DropoutShardScope(int64_t first_row, int64_t first_selected_row);
  ~DropoutShardScope();
  DropoutShardScope(const DropoutShardScope&) = delete;
  DropoutShardScope& operator=(const DropoutShardScope&) = delete;

 private:
  int64_t saved_row_, saved_selected_;
};

// `seed` moved to where this thread's shard (if any) starts in the mask over `x`, as
// dropout_mask, hashed_dropout and the fused LoRA layer use it.
uint64_t shard_dropout_seed(uint64_t seed, const torch::Tensor& x);

}  // namespace sy
