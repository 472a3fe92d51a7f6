// One autograd node per layer, as LibTorch's linear is, but with oneDNN's products: the bias is
// written first and the product added onto it, so the output is written once.
#include "engine/model/dense_linear.h"

#include <torch/csrc/autograd/custom_function.h>
#include <torch/nn/functional/linear.h>

#include "engine/model/cpu_gemm.h"
#include "engine/model/precision.h"

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

}  // namespace

torch::Tensor dense_linear(const torch::Tensor& x, const torch::Tensor& weight,
                           const torch::Tensor& bias) {
  if (weight.scalar_type() != x.scalar_type() && x.is_floating_point()) {
    // Half-precision weights under FP32 activations (a CPU that multiplies half precision
    // slowly, weights_dtype.h): the weight is widened for this product alone.
    return dense_linear(x, weight.to(x.scalar_type()),
                        bias.defined() ? bias.to(x.scalar_type()) : bias);
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
