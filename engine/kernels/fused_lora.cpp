// The tensors, autograd and threads around lora_kernels.h: rows split over threads for the
// row-wise kernels, columns for the reductions over rows.
#include "engine/kernels/fused_lora.h"

#include <limits>

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/torch.h>

#include "engine/kernels/cpu_gemm.h"
#include "engine/kernels/dropout_mask.h"
#include "engine/kernels/lora_kernels.h"
#include "engine/kernels/precision.h"
#include "engine/util/env_switch.h"

namespace sy {
namespace {

// Rows per thread chunk for the row-wise kernels.
constexpr int64_t kRowGrain = 64;

EnvSwitch& fused_lora_switch() {
  static EnvSwitch fused("SY_FUSED_LORA");
  return fused;
}

const float* floats(const torch::Tensor& t) {
  return t.data_ptr<float>();
}

// t = dropout(x) A^T: [N, r]. With a key, the mask's bits go to `record`.
torch::Tensor down(const torch::Tensor& x, const dropout::MaskKey* key, torch::Tensor* record,
                   const torch::Tensor& a) {
  const int64_t n = x.size(0), cols = x.size(1), r = a.size(0);
  auto t = torch::empty({n, r}, x.options());
  uint8_t* bits = nullptr;
  if (key && record) {
    *record = torch::empty({lora::mask_bytes(n, cols)}, torch::kUInt8);
    bits = record->data_ptr<uint8_t>();
  }
  at::parallel_for(0, n, kRowGrain, [&](int64_t first, int64_t last) {
    lora::down(floats(x), key, bits, floats(a), t.data_ptr<float>(), cols, r, first, last);
  });
  return t;
}

// bias + scale * mask * (t bt) + x w^T, [N, cols]: the low-rank part is written first and the
// frozen product is added into it (beta = 1). A product into a fresh output (beta = 0) starts
// with a pass that zeroes it, about a tenth of the product's time at these shapes. bias may be
// null; w_t is the frozen weight as x's right operand.
torch::Tensor up_plus_product(const torch::Tensor& t, const torch::Tensor& bt, lora::MaskBits mask,
                              const float* bias, double scale, const torch::Tensor& x,
                              const torch::Tensor& w_t) {
  const int64_t n = t.size(0), cols = bt.size(1), r = t.size(1);
  auto y = torch::empty({n, cols}, t.options());
  at::parallel_for(0, n, kRowGrain, [&](int64_t first, int64_t last) {
    lora::up(floats(t), floats(bt), mask, bias, y.data_ptr<float>(), cols, r,
             static_cast<float>(scale), first, last);
  });
  gemm::add_product(y, x, w_t);
  return y;
}

// scale * t^T (g * mask): [r, cols].
torch::Tensor outer(const torch::Tensor& g, lora::MaskBits mask, const torch::Tensor& t,
                    double scale) {
  const int64_t rows = g.size(0), cols = g.size(1), r = t.size(1), w = lora::kWidthMultiple;
  auto out = torch::empty({r, cols}, g.options());
  at::parallel_for(0, cols / w, 1, [&](int64_t first, int64_t last) {
    lora::outer(floats(g), mask, floats(t), out.data_ptr<float>(), cols, r, rows,
                static_cast<float>(scale), first * w, last * w);
  });
  return out;
}

struct FusedLora : torch::autograd::Function<FusedLora> {
  // x [N, in] contiguous. LibTorch 1.13's apply() takes no undefined tensor: without a bias,
  // `bias` is any defined tensor and has_bias false.
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& weight, const torch::Tensor& bias,
                               bool has_bias, const torch::Tensor& a, const torch::Tensor& b,
                               double scale, double p, int64_t seed) {
    const dropout::MaskKey key(static_cast<uint64_t>(seed), p);
    // The bias rides on the low-rank pass over y: addmm(bias, x, w^T) would first copy it into
    // every row.
    const auto ac = a.contiguous();
    torch::Tensor bits = torch::empty({0}, torch::kUInt8);
    const auto t = down(x, p > 0 ? &key : nullptr, &bits, ac);
    const auto bias_c = has_bias ? bias.contiguous() : torch::Tensor();
    auto y = up_plus_product(t, b.t().contiguous(), {}, has_bias ? floats(bias_c) : nullptr, scale,
                             x, weight.t());
    ctx->save_for_backward({x, weight, ac, b, t, bits});
    ctx->saved_data["scale"] = scale;
    ctx->saved_data["keep"] = static_cast<double>(key.keep);
    ctx->saved_data["bias"] = has_bias;
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &weight = saved[1], &a = saved[2], &b = saved[3], &t = saved[4],
               &bits = saved[5];
    const double scale = ctx->saved_data["scale"].toDouble();
    lora::MaskBits mask;
    if (bits.numel() > 0) {
      mask.bits = bits.data_ptr<uint8_t>();
      mask.keep = static_cast<float>(ctx->saved_data["keep"].toDouble());
    }
    const auto g = grads[0].contiguous();
    const auto u = down(g, nullptr, nullptr, b.t().contiguous());  // g B: [N, r]
    torch::Tensor grad_x, grad_weight, grad_bias, grad_a, grad_b;
    if (ctx->needs_input_grad(0)) {
      grad_x = up_plus_product(u, a, mask, nullptr, scale, g, weight);  // g W + scale mask g B A
    }
    if (ctx->needs_input_grad(1)) grad_weight = gemm::product(g.t(), x);
    if (ctx->needs_input_grad(2) && ctx->saved_data["bias"].toBool()) grad_bias = g.sum(0);
    // needs_input_grad counts tensor arguments only: a is the fourth, b the fifth.
    if (ctx->needs_input_grad(3)) grad_a = outer(x, mask, u, scale);
    if (ctx->needs_input_grad(4)) grad_b = outer(g, {}, t, scale).t();
    // One entry per argument of forward, in order; none for the non-tensor ones.
    return {grad_x, grad_weight, grad_bias, {}, grad_a, grad_b, {}, {}, {}};
  }
};

}  // namespace

bool fused_lora_enabled() {
  return fused_lora_switch().on();
}

void set_fused_lora_enabled(bool enabled) {
  fused_lora_switch().set(enabled);
}

bool fused_lora_applies(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& a,
                        const torch::Tensor& b) {
  for (const auto* t : {&x, &weight, &a, &b}) {
    if (!t->device().is_cpu() || t->scalar_type() != torch::kFloat) return false;
  }
  const int64_t in = weight.size(1), out = weight.size(0);
  // The dropout mask over x hashes 32-bit element indices.
  return a.size(0) >= 1 && a.size(0) <= lora::kMaxRank && in % lora::kWidthMultiple == 0 &&
         out % lora::kWidthMultiple == 0 && x.numel() < std::numeric_limits<uint32_t>::max() &&
         !active_autocast_dtype(x.device());
}

torch::Tensor fused_lora_linear(const torch::Tensor& x, const torch::Tensor& weight,
                                const torch::Tensor& bias, const torch::Tensor& a,
                                const torch::Tensor& b, double scale, double dropout) {
  const int64_t seed =
      dropout > 0 ? static_cast<int64_t>(shard_dropout_seed(draw_dropout_seed(), x)) : 0;
  const auto rows = x.reshape({-1, x.size(-1)}).contiguous();
  auto sizes = x.sizes().vec();
  sizes.back() = weight.size(0);
  const bool has_bias = bias.defined();
  return FusedLora::apply(rows, weight, has_bias ? bias : weight, has_bias, a, b, scale, dropout,
                          seed)
      .view(sizes);
}

}  // namespace sy
