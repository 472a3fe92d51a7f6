// Each mask value is a hash of (seed, index) (dropout_kernels.h): parallel chunks need no shared
// state, and the mask depends only on the seed and the tensor's size, not on the thread count.
#include "engine/kernels/dropout_mask.h"

#include <algorithm>
#include <limits>

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/torch.h>

#include "engine/kernels/dropout_hash.h"
#include "engine/kernels/dropout_kernels.h"

namespace sy {
namespace {

// Elements per thread chunk: the hash costs about a nanosecond per element.
constexpr int64_t kGrain = 1 << 14;

// This thread's data-parallel shard (DropoutShardScope); 0 and 0 outside one.
thread_local int64_t t_first_row = 0;
thread_local int64_t t_first_selected_row = 0;

torch::Tensor mask_from_seed(c10::IntArrayRef sizes, uint64_t seed, double p) {
  auto mask = torch::empty(sizes, torch::TensorOptions().dtype(torch::kFloat));
  float* out = mask.data_ptr<float>();
  at::parallel_for(0, mask.numel(), kGrain, [&](int64_t first, int64_t last) {
    dropout::apply_mask(nullptr, out, first, last, seed, p);
  });
  return mask;
}

// t * mask(seed): the product written directly for FP32 CPU tensors.
torch::Tensor masked(const torch::Tensor& t, uint64_t seed, double p) {
  if (t.device().is_cpu() && t.scalar_type() == torch::kFloat) {
    const auto in = t.contiguous();
    auto out = torch::empty_like(in);
    const float* src = in.data_ptr<float>();
    float* dst = out.data_ptr<float>();
    at::parallel_for(0, in.numel(), kGrain, [&](int64_t first, int64_t last) {
      dropout::apply_mask(src, dst, first, last, seed, p);
    });
    return out;
  }
  return t * mask_from_seed(t.sizes(), seed, p).to(t.options());
}

struct HashedDropout : torch::autograd::Function<HashedDropout> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               int64_t seed, double p) {
    ctx->saved_data["seed"] = seed;
    ctx->saved_data["p"] = p;
    return masked(x, static_cast<uint64_t>(seed), p);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto seed = static_cast<uint64_t>(ctx->saved_data["seed"].toInt());
    return {masked(grads[0], seed, ctx->saved_data["p"].toDouble()), torch::Tensor(),
            torch::Tensor()};
  }
};

}  // namespace

DropoutShardScope::DropoutShardScope(int64_t first_row, int64_t first_selected_row)
    : saved_row_(t_first_row), saved_selected_(t_first_selected_row) {
  t_first_row = first_row;
  t_first_selected_row = first_selected_row;
}

DropoutShardScope::~DropoutShardScope() {
  t_first_row = saved_row_;
  t_first_selected_row = saved_selected_;
}

uint64_t shard_dropout_seed(uint64_t seed, const torch::Tensor& x) {
  if ((t_first_row == 0 && t_first_selected_row == 0) || x.dim() < 2) return seed;
  // Elements of x's rows (all but its first dimension, or the gathered rows' width).
  const int64_t row = x.dim() >= 3 ? x.numel() / std::max<int64_t>(1, x.size(0)) : x.size(-1);
  const int64_t first = x.dim() >= 3 ? t_first_row : t_first_selected_row;
  return dropout::seed_at_offset(seed, static_cast<uint64_t>(first * row));
}

uint64_t draw_dropout_seed() {
  return static_cast<uint64_t>(
      torch::randint(std::numeric_limits<int64_t>::max(), {1}, torch::kLong).item<int64_t>());
}

torch::Tensor dropout_mask(const torch::Tensor& like, double p) {
  return mask_from_seed(like.sizes(), shard_dropout_seed(draw_dropout_seed(), like), p)
      .to(like.options());
}

torch::Tensor hashed_dropout(const torch::Tensor& x, double p) {
  const uint64_t seed = shard_dropout_seed(draw_dropout_seed(), x);
  if (!torch::GradMode::is_enabled() || !x.requires_grad()) return masked(x, seed, p);
  return HashedDropout::apply(x, static_cast<int64_t>(seed), p);
}

}  // namespace sy
