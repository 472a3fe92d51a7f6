// Each mask value takes 16 bits of SplitMix64(seed, i / 4): parallel chunks need no shared state,
// and the mask depends only on the seed and the tensor's size, not on the thread count.
#include "engine/model/dropout_mask.h"

#include <cmath>
#include <limits>

#include <ATen/Parallel.h>
#include <torch/torch.h>

namespace sy {
namespace {

uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

torch::Tensor dropout_mask(const torch::Tensor& like, double p) {
  const auto seed = static_cast<uint64_t>(
      torch::randint(std::numeric_limits<int64_t>::max(), {1}, torch::kLong).item<int64_t>());
  auto mask = torch::empty(like.sizes(), torch::TensorOptions().dtype(torch::kFloat));
  float* out = mask.data_ptr<float>();
  const int64_t n = mask.numel();
  const auto threshold = static_cast<uint32_t>(std::lround(p * 65536.0));
  const float keep = static_cast<float>(1.0 / (1.0 - p));
  const int64_t words = (n + 3) / 4;
  at::parallel_for(0, words, 4096, [&](int64_t begin, int64_t end) {
    for (int64_t w = begin; w < end; ++w) {
      uint64_t bits = mix(seed + static_cast<uint64_t>(w + 1) * 0x9E3779B97F4A7C15ULL);
      const int64_t first = w * 4, last = std::min(n, first + 4);
      for (int64_t i = first; i < last; ++i, bits >>= 16) {
        out[i] = (bits & 0xFFFFu) < threshold ? 0.0f : keep;
      }
    }
  });
  return mask.to(like.options());
}

}  // namespace sy
