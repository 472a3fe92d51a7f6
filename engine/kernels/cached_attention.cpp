// One (sequence, head) per task: its queries' scores over the visible keys, a softmax and the
// weighted sum of values, in a scratch row per thread. Memory-bound (each key and value is read
// once per query), which is what decoding is.
#include "engine/kernels/cached_attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "engine/kernels/causal_attention.h"
#include "engine/kernels/tensor_rows.h"

namespace sy {
namespace {

// The attention of one query over keys 0..last (those with keep[s] set).
void attend_one(const float* q, const float* k, int64_t k_stride, const float* v, int64_t v_stride,
                const uint8_t* keep, int64_t last, int64_t D, float scale, float* scores,
                float* out) {
  float max_score = -std::numeric_limits<float>::infinity();
  for (int64_t s = 0; s <= last; ++s) {
    if (!keep[s]) continue;
    const float* key = k + s * k_stride;
    float dot = 0;
    for (int64_t d = 0; d < D; ++d) dot += q[d] * key[d];
    scores[s] = dot * scale;
    max_score = std::max(max_score, scores[s]);
  }
  std::fill(out, out + D, 0.0f);
  if (max_score == -std::numeric_limits<float>::infinity()) return;  // no visible key
  float total = 0;
  for (int64_t s = 0; s <= last; ++s) {
    if (!keep[s]) continue;
    const float p = std::exp(scores[s] - max_score);
    total += p;
    const float* value = v + s * v_stride;
    for (int64_t d = 0; d < D; ++d) out[d] += p * value[d];
  }
  const float inverse = 1.0f / total;
  for (int64_t d = 0; d < D; ++d) out[d] *= inverse;
}

}  // namespace

bool cached_attention_applies(const torch::Tensor& q, const torch::Tensor& k,
                              const torch::Tensor& v) {
  if (!fused_attention_operands(q, k, v)) return false;
  const bool grad = torch::GradMode::is_enabled() &&
                    (q.requires_grad() || k.requires_grad() || v.requires_grad());
  return !grad && q.size(2) < k.size(2);
}

torch::Tensor cached_attention(const torch::Tensor& q_in, const torch::Tensor& k_in,
                               const torch::Tensor& v_in, const torch::Tensor& key_mask,
                               double scale) {
  const auto q = with_contiguous_rows(q_in), k = with_contiguous_rows(k_in),
             v = with_contiguous_rows(v_in);
  const int64_t B = q.size(0), H = q.size(1), T = q.size(2), D = q.size(3);
  const int64_t Hkv = k.size(1), S = k.size(2), group = H / Hkv;
  const auto keep = key_mask.ne(0).to(torch::kUInt8).contiguous();
  auto out = torch::empty({B, T, H * D});
  const float* q_data = q.data_ptr<float>();
  const float* k_data = k.data_ptr<float>();
  const float* v_data = v.data_ptr<float>();
  const uint8_t* keep_data = keep.data_ptr<uint8_t>();
  float* out_data = out.data_ptr<float>();
  const auto scale_f = static_cast<float>(scale);
  at::parallel_for(0, B * H, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> scores(static_cast<size_t>(S));
    for (int64_t bh = begin; bh < end; ++bh) {
      const int64_t b = bh / H, h = bh % H, g = h / group;
      const float* k_head = k_data + b * k.stride(0) + g * k.stride(1);
      const float* v_head = v_data + b * v.stride(0) + g * v.stride(1);
      for (int64_t t = 0; t < T; ++t) {
        attend_one(q_data + b * q.stride(0) + h * q.stride(1) + t * q.stride(2), k_head,
                   k.stride(2), v_head, v.stride(2), keep_data + b * S, S - T + t, D, scale_f,
                   scores.data(), out_data + (b * T + t) * H * D + h * D);
      }
    }
  });
  return out;
}

}  // namespace sy
