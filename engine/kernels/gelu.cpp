// The tensors, autograd and threads around gelu_kernels.h.
#include "engine/kernels/gelu.h"

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/torch.h>

#include "engine/kernels/gelu_kernels.h"
#include "engine/kernels/precision.h"

namespace sy {
namespace {

// Elements per thread chunk.
constexpr int64_t kGrain = 1 << 14;

struct Gelu : torch::autograd::Function<Gelu> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x) {
    auto y = torch::empty_like(x);
    const float* in = x.data_ptr<float>();
    float* out = y.data_ptr<float>();
    at::parallel_for(0, x.numel(), kGrain,
                     [&](int64_t first, int64_t last) { gelu::forward(in, out, first, last); });
    ctx->save_for_backward({x});
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto x = ctx->get_saved_variables()[0];
    const auto dy = grads[0].contiguous();
    auto dx = torch::empty_like(x);
    const float* in = x.data_ptr<float>();
    const float* g = dy.data_ptr<float>();
    float* out = dx.data_ptr<float>();
    at::parallel_for(0, x.numel(), kGrain,
                     [&](int64_t first, int64_t last) { gelu::backward(in, g, out, first, last); });
    return {dx};
  }
};

}  // namespace

torch::Tensor gelu_exact(const torch::Tensor& x) {
  if (!x.device().is_cpu() || x.scalar_type() != torch::kFloat || !x.is_contiguous() ||
      active_autocast_dtype(x.device())) {
    return torch::gelu(x);
  }
  return Gelu::apply(x);
}

}  // namespace sy
