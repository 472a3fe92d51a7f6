// Each mask value takes 16 bits of SplitMix64(seed, i / 4): parallel chunks need no shared state,
// and the mask depends only on the seed and the tensor's size, not on the thread count.
#include "engine/model/dropout_mask.h"

#include <cmath>
#include <limits>

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/torch.h>

namespace sy {
namespace {

uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t draw_seed() {
  return static_cast<uint64_t>(
      torch::randint(std::numeric_limits<int64_t>::max(), {1}, torch::kLong).item<int64_t>());
}

// Calls keep(i, factor) for every index i of [0, n), factor being 0 or 1 / (1 - p).
template <typename Apply>
void for_each_mask_value(int64_t n, uint64_t seed, double p, const Apply& apply) {
  const auto threshold = static_cast<uint32_t>(std::lround(p * 65536.0));
  const float keep = static_cast<float>(1.0 / (1.0 - p));
  const int64_t words = (n + 3) / 4;
  at::parallel_for(0, words, 4096, [&](int64_t begin, int64_t end) {
    for (int64_t w = begin; w < end; ++w) {
      uint64_t bits = mix(seed + static_cast<uint64_t>(w + 1) * 0x9E3779B97F4A7C15ULL);
      const int64_t first = w * 4, last = std::min(n, first + 4);
      for (int64_t i = first; i < last; ++i, bits >>= 16) {
        apply(i, (bits & 0xFFFFu) < threshold ? 0.0f : keep);
      }
    }
  });
}

torch::Tensor mask_from_seed(c10::IntArrayRef sizes, uint64_t seed, double p) {
  auto mask = torch::empty(sizes, torch::TensorOptions().dtype(torch::kFloat));
  float* out = mask.data_ptr<float>();
  for_each_mask_value(mask.numel(), seed, p, [out](int64_t i, float factor) { out[i] = factor; });
  return mask;
}

// t * mask(seed): the product written directly for FP32 CPU tensors.
torch::Tensor masked(const torch::Tensor& t, uint64_t seed, double p) {
  if (t.device().is_cpu() && t.scalar_type() == torch::kFloat) {
    const auto in = t.contiguous();
    auto out = torch::empty_like(in);
    const float* src = in.data_ptr<float>();
    float* dst = out.data_ptr<float>();
    for_each_mask_value(in.numel(), seed, p,
                        [src, dst](int64_t i, float factor) { dst[i] = src[i] * factor; });
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

torch::Tensor dropout_mask(const torch::Tensor& like, double p) {
  return mask_from_seed(like.sizes(), draw_seed(), p).to(like.options());
}

torch::Tensor hashed_dropout(const torch::Tensor& x, double p) {
  const uint64_t seed = draw_seed();
  if (!torch::GradMode::is_enabled() || !x.requires_grad()) return masked(x, seed, p);
  return HashedDropout::apply(x, static_cast<int64_t>(seed), p);
}

}  // namespace sy
