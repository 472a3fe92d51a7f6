// The tensors, autograd and threads around attention_kernels.h: heads run in parallel, one
// scratch buffer per thread; the backward runs one thread per key/value head, so that the query
// heads sharing it add into its gradients one after another.
#include "engine/kernels/causal_attention.h"

#include <vector>

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/torch.h>

#include "engine/kernels/attention_kernels.h"
#include "engine/kernels/tensor_rows.h"
#include "engine/util/env_switch.h"

namespace sy {
namespace {

struct Shape {
  int64_t B, H, Hkv, T, D, Tp;
};

Shape shape_of(const torch::Tensor& q, const torch::Tensor& k) {
  return {q.size(0), q.size(1), k.size(1),
          q.size(2), q.size(3), attention::padded_length(q.size(2))};
}

// The view of head h of sequence b; keep holds the [B, Tp] real-key rows.
attention::HeadView head_view(const torch::Tensor& q, const torch::Tensor& k,
                              const torch::Tensor& v, const torch::Tensor& keep, const Shape& s,
                              int64_t b, int64_t h, float scale) {
  const int64_t g = h / (s.H / s.Hkv);
  attention::HeadView view;
  view.q = q.data_ptr<float>() + b * q.stride(0) + h * q.stride(1);
  view.k = k.data_ptr<float>() + b * k.stride(0) + g * k.stride(1);
  view.v = v.data_ptr<float>() + b * v.stride(0) + g * v.stride(1);
  view.q_stride = q.stride(2);
  view.k_stride = k.stride(2);
  view.v_stride = v.stride(2);
  view.key_keep = keep.data_ptr<float>() + b * s.Tp;
  view.T = s.T;
  view.D = s.D;
  view.scale = scale;
  return view;
}

// out [B, T, H * D] from q, k, v and the [B, Tp] real-key rows; probs [B, H, T, Tp] too when
// it is defined (for the backward), else each head's probabilities stay in its thread's scratch.
void run_forward(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                 const torch::Tensor& keep, float scale, const torch::Tensor& probs,
                 torch::Tensor& out) {
  const Shape s = shape_of(q, k);
  float* probs_data = probs.defined() ? probs.data_ptr<float>() : nullptr;
  float* out_data = out.data_ptr<float>();
  at::parallel_for(0, s.B * s.H, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> scratch(attention::scratch_floats(s.T, s.D));
    float* own_probs = scratch.data() + attention::forward_scratch_floats(s.T, s.D);
    for (int64_t bh = begin; bh < end; ++bh) {
      const int64_t b = bh / s.H, h = bh % s.H;
      const auto view = head_view(q, k, v, keep, s, b, h, scale);
      attention::forward(view, probs_data ? probs_data + bh * s.T * s.Tp : own_probs,
                         out_data + b * s.T * s.H * s.D + h * s.D, s.H * s.D, scratch.data());
    }
  });
}

struct CausalAttentionFunction : torch::autograd::Function<CausalAttentionFunction> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& q,
                               const torch::Tensor& k, const torch::Tensor& v,
                               const torch::Tensor& keep, double scale) {
    const Shape s = shape_of(q, k);
    auto probs = torch::empty({s.B, s.H, s.T, s.Tp});
    auto out = torch::empty({s.B, s.T, s.H * s.D});
    run_forward(q, k, v, keep, static_cast<float>(scale), probs, out);
    ctx->save_for_backward({q, k, v, keep, probs, out});
    ctx->saved_data["scale"] = scale;
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &q = saved[0], &k = saved[1], &v = saved[2], &keep = saved[3], &probs = saved[4],
               &out = saved[5];
    const auto scale = static_cast<float>(ctx->saved_data["scale"].toDouble());
    const Shape s = shape_of(q, k);
    const auto dout = grads[0].contiguous();
    auto dq = torch::empty({s.B, s.T, s.H, s.D});
    auto dk = torch::zeros({s.B, s.T, s.Hkv, s.D});
    auto dv = torch::zeros({s.B, s.T, s.Hkv, s.D});
    const int64_t group = s.H / s.Hkv, row = s.H * s.D;
    at::parallel_for(0, s.B * s.Hkv, 1, [&](int64_t begin, int64_t end) {
      std::vector<float> scratch(attention::scratch_floats(s.T, s.D));
      for (int64_t bg = begin; bg < end; ++bg) {
        const int64_t b = bg / s.Hkv, g = bg % s.Hkv;
        for (int64_t h = g * group; h < (g + 1) * group; ++h) {
          const auto view = head_view(q, k, v, keep, s, b, h, scale);
          const int64_t head_offset = b * s.T * row + h * s.D;
          attention::backward(
              view, probs.data_ptr<float>() + (b * s.H + h) * s.T * s.Tp,
              out.data_ptr<float>() + head_offset, row, dout.data_ptr<float>() + head_offset, row,
              dq.data_ptr<float>() + head_offset, row,
              dk.data_ptr<float>() + b * s.T * s.Hkv * s.D + g * s.D,
              dv.data_ptr<float>() + b * s.T * s.Hkv * s.D + g * s.D, s.Hkv * s.D, scratch.data());
        }
      }
    });
    return {dq.transpose(1, 2), dk.transpose(1, 2), dv.transpose(1, 2), torch::Tensor(),
            torch::Tensor()};
  }
};

EnvSwitch& fused_attention_switch() {
  static EnvSwitch fused("SY_FUSED_ATTENTION");
  return fused;
}

}  // namespace

bool fused_attention_enabled() {
  return fused_attention_switch().on();
}

void set_fused_attention_enabled(bool enabled) {
  fused_attention_switch().set(enabled);
}

bool fused_attention_operands(const torch::Tensor& q, const torch::Tensor& k,
                              const torch::Tensor& v) {
  for (const auto* t : {&q, &k, &v}) {
    if (!t->device().is_cpu() || t->scalar_type() != torch::kFloat || t->dim() != 4) return false;
  }
  return k.sizes() == v.sizes() && q.size(0) == k.size(0) && q.size(3) == k.size(3) &&
         k.size(1) > 0 && q.size(1) % k.size(1) == 0;
}

bool causal_attention_applies(const torch::Tensor& q, const torch::Tensor& k,
                              const torch::Tensor& v) {
  return fused_attention_operands(q, k, v) && q.size(3) % attention::kHeadDimMultiple == 0 &&
         q.size(2) == k.size(2);
}

torch::Tensor causal_attention(const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v, const torch::Tensor& key_mask,
                               double scale) {
  const auto qc = with_contiguous_rows(q), kc = with_contiguous_rows(k),
             vc = with_contiguous_rows(v);
  const Shape s = shape_of(qc, kc);
  auto keep = torch::zeros({s.B, s.Tp});
  keep.narrow(1, 0, s.T).copy_(key_mask.ne(0));
  const bool grad = torch::GradMode::is_enabled() &&
                    (qc.requires_grad() || kc.requires_grad() || vc.requires_grad());
  if (grad) return CausalAttentionFunction::apply(qc, kc, vc, keep, scale);
  auto out = torch::empty({s.B, s.T, s.H * s.D});
  run_forward(qc, kc, vc, keep, static_cast<float>(scale), torch::Tensor(), out);
  return out;
}

}  // namespace sy
