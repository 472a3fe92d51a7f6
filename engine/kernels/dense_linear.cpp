// One autograd node per layer, as LibTorch's linear is, but with oneDNN's products: the bias is
// written first and the product added onto it, so the output is written once.
#include "engine/kernels/dense_linear.h"

#include <vector>

#include <torch/csrc/autograd/custom_function.h>
#include <torch/nn/functional/linear.h>

#include "engine/kernels/cpu_gemm.h"
#include "engine/kernels/precision.h"
#include "engine/kernels/row_slices.h"

namespace sy {
namespace {

// x [N, in] contiguous.
torch::Tensor forward_rows(const torch::Tensor& x, const torch::Tensor& weight,
                           const torch::Tensor& bias) {
  if (!bias.defined()) return gemm::product(x, weight.t());
  // A fresh copy: expand(...).contiguous() of a single row would be the bias itself.
  auto y = torch::empty({x.size(0), weight.size(0)}, x.options());
  y.copy_(bias.unsqueeze(0).expand_as(y));
  gemm::add_product(y, x, weight.t());
  return y;
}

struct DenseLinear : torch::autograd::Function<DenseLinear> {
  // LibTorch 1.13's apply() takes no undefined tensor: without a bias, `bias` is any defined
  // tensor and has_bias false.
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& weight, const torch::Tensor& bias,
                               bool has_bias) {
    ctx->save_for_backward({x, weight});
    ctx->saved_data["bias"] = has_bias;
    return forward_rows(x, weight, has_bias ? bias : torch::Tensor());
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &weight = saved[1];
    const auto g = grads[0].contiguous();
    torch::Tensor grad_x, grad_weight, grad_bias;
    if (ctx->needs_input_grad(0)) grad_x = gemm::product(g, weight);
    if (ctx->needs_input_grad(1)) grad_weight = gemm::product(g.t(), x);
    if (ctx->needs_input_grad(2) && ctx->saved_data["bias"].toBool()) grad_bias = g.sum(0);
    return {grad_x, grad_weight, grad_bias, {}};
  }
};

// Half-precision weights under FP32 activations: the weight is widened for the product, a slice
// of about 64 MiB of its rows at a time, in the forward pass and again in the backward one. So
// no FP32 copy of a weight outlives its product (kept for the backward pass, the copies would add
// up to an FP32 model beside the half one), and the largest, the vocabulary projection's 1.5 GB
// for BLOOM-1.1B, never exists whole. The weight is frozen here (full fine-tunes are FP32).
constexpr int64_t kWidenedSliceBytes = int64_t(64) << 20;

// The bytes of one row of `weight` widened to `dtype`.
int64_t widened_row_bytes(const torch::Tensor& weight, torch::ScalarType dtype) {
  return weight.size(1) * static_cast<int64_t>(c10::elementSize(dtype));
}

// rows [N, in] x weight [out, in]^T (+ bias), in the rows' dtype.
torch::Tensor widened_forward(const torch::Tensor& rows, const torch::Tensor& weight,
                              const torch::Tensor& bias) {
  const auto dtype = rows.scalar_type();
  std::vector<torch::Tensor> parts;
  for_each_row_slice(
      weight.size(0), widened_row_bytes(weight, dtype), kWidenedSliceBytes,
      [&](int64_t first, int64_t n) {
        parts.push_back(dense_linear(rows, weight.narrow(0, first, n).to(dtype),
                                     bias.defined() ? bias.narrow(0, first, n).to(dtype) : bias));
      });
  return parts.size() == 1 ? parts.front() : torch::cat(parts, 1);
}

// grad [N, out] x weight [out, in]: the rows' gradient.
torch::Tensor widened_backward(const torch::Tensor& grad, const torch::Tensor& weight) {
  const auto dtype = grad.scalar_type();
  torch::Tensor sum;
  for_each_row_slice(weight.size(0), widened_row_bytes(weight, dtype), kWidenedSliceBytes,
                     [&](int64_t first, int64_t n) {
                       const auto part = dense_linear(grad.narrow(1, first, n).contiguous(),
                                                      weight.narrow(0, first, n).to(dtype).t(), {});
                       sum = sum.defined() ? sum.add_(part) : part;
                     });
  return sum;
}

struct WidenedLinear : torch::autograd::Function<WidenedLinear> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& weight, const torch::Tensor& bias,
                               bool has_bias) {
    ctx->save_for_backward({weight});
    ctx->saved_data["bias"] = has_bias;
    return widened_forward(x, weight, has_bias ? bias : torch::Tensor());
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto weight = ctx->get_saved_variables()[0];
    const auto g = grads[0].contiguous();
    torch::Tensor grad_x, grad_bias;
    if (ctx->needs_input_grad(0)) grad_x = widened_backward(g, weight);
    if (ctx->needs_input_grad(2) && ctx->saved_data["bias"].toBool()) {
      grad_bias = g.sum(0).to(weight.scalar_type());
    }
    return {grad_x, {}, grad_bias, {}};
  }
};

}  // namespace

torch::Tensor dense_linear(const torch::Tensor& x, const torch::Tensor& weight,
                           const torch::Tensor& bias) {
  if (weight.scalar_type() != x.scalar_type() && x.is_floating_point()) {
    // Half-precision weights under FP32 activations (a CPU that multiplies half precision
    // slowly, weights_dtype.h): the weight is widened for this product alone.
    const auto rows = x.reshape({-1, x.size(-1)}).contiguous();
    auto sizes = x.sizes().vec();
    sizes.back() = weight.size(0);
    if (!torch::GradMode::is_enabled() || !x.requires_grad()) {
      return widened_forward(rows, weight, bias).view(sizes);
    }
    const bool has_bias = bias.defined();
    return WidenedLinear::apply(rows, weight, has_bias ? bias : weight, has_bias).view(sizes);
  }
  const bool ours = gemm::enabled() && x.device().is_cpu() && x.scalar_type() == torch::kFloat &&
                    weight.scalar_type() == torch::kFloat &&
                    (!bias.defined() || bias.scalar_type() == torch::kFloat) &&
                    !active_autocast_dtype(x.device());
  if (!ours) return torch::nn::functional::linear(x, weight, bias);
  const auto rows = x.reshape({-1, x.size(-1)}).contiguous();
  auto sizes = x.sizes().vec();
  sizes.back() = weight.size(0);
  const bool tracked =
      torch::GradMode::is_enabled() &&
      (x.requires_grad() || weight.requires_grad() || (bias.defined() && bias.requires_grad()));
  if (!tracked) return forward_rows(rows, weight, bias).view(sizes);
  const bool has_bias = bias.defined();
  return DenseLinear::apply(rows, weight, has_bias ? bias : weight, has_bias).view(sizes);
}

}  // namespace sy
