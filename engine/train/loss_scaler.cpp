// The loss scaler.
#include "engine/train/loss_scaler.h"

#include <ATen/ATen.h>

namespace sy {

LossScaler::LossScaler(bool enabled, LossScalerOptions options)
    : enabled_(enabled), options_(options), scale_(options.init_scale) {}

at::Tensor LossScaler::scaled(const at::Tensor& loss) const {
  return enabled_ ? loss * scale_ : loss;
}

bool LossScaler::unscale(const std::vector<at::Tensor>& parameters) const {
  if (!enabled_) return true;
  at::Tensor bad;
  for (const auto& p : parameters) {
    at::Tensor grad = p.grad();
    if (!grad.defined()) continue;
    grad.mul_(1.0 / scale_);
    const at::Tensor not_finite = at::logical_not(at::isfinite(grad)).any();
    bad = bad.defined() ? at::logical_or(bad, not_finite) : not_finite;
  }
  return !bad.defined() || !bad.item<bool>();
}

void LossScaler::update(bool finite) {
  if (!enabled_) return;
  if (!finite) {
    scale_ *= options_.backoff_factor;
    good_steps_ = 0;
    ++skipped_;
    return;
  }
  if (++good_steps_ >= options_.growth_interval) {
    scale_ *= options_.growth_factor;
    good_steps_ = 0;
  }
}

}  // namespace sy
