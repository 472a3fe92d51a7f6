// The gradients of c = a b are dc b^T and a^T dc; each transposed operand is copied once into a
// contiguous tensor (a cheap pass) so that every product takes BLAS's fast path.
#include "engine/kernels/contiguous_bmm.h"

#include <torch/csrc/autograd/custom_function.h>
#include <torch/torch.h>

#include "engine/kernels/precision.h"

namespace sy {
namespace {

struct ContiguousBmm : torch::autograd::Function<ContiguousBmm> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& a,
                               const torch::Tensor& b) {
    auto ac = a.contiguous(), bc = b.contiguous();
    ctx->save_for_backward({ac, bc});
    return torch::bmm(ac, bc);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& a = saved[0];
    const auto& b = saved[1];
    auto grad = grads[0].contiguous();
    torch::Tensor grad_a, grad_b;
    if (ctx->needs_input_grad(0)) grad_a = torch::bmm(grad, b.transpose(1, 2).contiguous());
    if (ctx->needs_input_grad(1)) grad_b = torch::bmm(a.transpose(1, 2).contiguous(), grad);
    return {grad_a, grad_b};
  }
};

}  // namespace

torch::Tensor contiguous_bmm(const torch::Tensor& a, const torch::Tensor& b) {
  if (!torch::GradMode::is_enabled() || (!a.requires_grad() && !b.requires_grad())) {
    return torch::bmm(a.contiguous(), b.contiguous());
  }
  // Autocast does not reach inside a custom Function's saved tensors, so cast here: the saved
  // operands and the incoming gradient then share one dtype.
  if (const auto dtype = active_autocast_dtype(a.device()); dtype && a.is_floating_point()) {
    return ContiguousBmm::apply(a.to(*dtype), b.to(*dtype));
  }
  return ContiguousBmm::apply(a, b);
}

}  // namespace sy
