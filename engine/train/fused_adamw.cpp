// Plain loops over raw floats that the compiler vectorises (this file is built with
// -fno-math-errno so that sqrtf does too); tensors past kGrain elements are split over threads.
#include "engine/train/fused_adamw.h"

#include <cmath>

#include <ATen/Parallel.h>
#include <ATen/ops/zeros_like.h>

#include "engine/util/error.h"

namespace sy {
namespace {

constexpr int64_t kGrain = 32768;

double squared_norm(const float* g, int64_t n) {
  return at::parallel_reduce(
      0, n, kGrain, 0.0,
      [g](int64_t first, int64_t last, double sum) {
        float chunk = 0.0f;  // a float sum per thread chunk; the chunks add up in double
        for (int64_t i = first; i < last; ++i) chunk += g[i] * g[i];
        return sum + chunk;
      },
      [](double a, double b) { return a + b; });
}

struct Step {
  float decay;       // 1 - lr * weight_decay
  float grad_scale;  // the clipping coefficient
  float beta1, beta2, one_minus_beta1, one_minus_beta2;
  float inv_sqrt_bc2;  // 1 / sqrt(1 - beta2^t)
  float eps;
  float neg_step_size;  // -lr / (1 - beta1^t)
};

void update(const Step s, float* __restrict p, const float* __restrict g, float* __restrict m,
            float* __restrict v, int64_t first, int64_t last) {
  for (int64_t i = first; i < last; ++i) {
    const float grad = g[i] * s.grad_scale;
    const float param = p[i] * s.decay;
    const float avg = m[i] * s.beta1 + grad * s.one_minus_beta1;
    const float avg_sq = v[i] * s.beta2 + s.one_minus_beta2 * grad * grad;
    m[i] = avg;
    v[i] = avg_sq;
    p[i] = param + s.neg_step_size * (avg / (std::sqrt(avg_sq) * s.inv_sqrt_bc2 + s.eps));
  }
}

}  // namespace

bool FusedAdamW::applies(const std::vector<at::Tensor>& params) {
  for (const auto& p : params) {
    if (!p.device().is_cpu() || p.scalar_type() != at::kFloat || !p.is_contiguous()) return false;
  }
  return true;
}

FusedAdamW::FusedAdamW(std::vector<at::Tensor> params, Options options)
    : params_(std::move(params)), options_(options) {
  if (!applies(params_)) throw Error("FusedAdamW takes contiguous FP32 CPU parameters only");
  for (const auto& p : params_) {
    exp_avg_.push_back(at::zeros_like(p));
    exp_avg_sq_.push_back(at::zeros_like(p));
  }
  steps_.assign(params_.size(), 0);
}

void FusedAdamW::step(double lr, double max_grad_norm) {
  std::vector<at::Tensor> grads(params_.size());
  for (size_t k = 0; k < params_.size(); ++k) {
    const auto& g = params_[k].grad();
    if (g.defined()) grads[k] = g.is_contiguous() ? g : g.contiguous();
  }
  float grad_scale = 1.0f;
  if (max_grad_norm > 0) {
    double sum = 0;
    for (const auto& g : grads) {
      if (g.defined()) sum += squared_norm(g.data_ptr<float>(), g.numel());
    }
    // clip_grad_norm_'s arithmetic: in FP32, and applied (as a factor of 1) even when not needed.
    const float norm = static_cast<float>(std::sqrt(sum));
    grad_scale = std::min(1.0f, static_cast<float>(max_grad_norm) / (norm + 1e-6f));
  }
  Step s;
  s.decay = static_cast<float>(1.0 - lr * options_.weight_decay);
  s.grad_scale = grad_scale;
  s.beta1 = static_cast<float>(options_.beta1);
  s.beta2 = static_cast<float>(options_.beta2);
  s.one_minus_beta1 = static_cast<float>(1.0 - options_.beta1);
  s.one_minus_beta2 = static_cast<float>(1.0 - options_.beta2);
  s.eps = static_cast<float>(options_.eps);
  for (size_t k = 0; k < params_.size(); ++k) {
    if (!grads[k].defined()) continue;
    const double t = static_cast<double>(++steps_[k]);
    s.inv_sqrt_bc2 = static_cast<float>(1.0 / std::sqrt(1.0 - std::pow(options_.beta2, t)));
    s.neg_step_size = static_cast<float>(-lr / (1.0 - std::pow(options_.beta1, t)));
    float* p = params_[k].data_ptr<float>();
    const float* g = grads[k].data_ptr<float>();
    float* m = exp_avg_[k].data_ptr<float>();
    float* v = exp_avg_sq_[k].data_ptr<float>();
    at::parallel_for(0, params_[k].numel(), kGrain,
                     [&](int64_t first, int64_t last) { update(s, p, g, m, v, first, last); });
  }
}

void FusedAdamW::zero_grad() {
  for (auto& p : params_) p.mutable_grad().reset();
}

}  // namespace sy
