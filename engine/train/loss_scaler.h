// Dynamic loss scaling for FP16 training. FP16's smallest normal value is 6e-5, so small gradients
// underflow to zero unless the loss is multiplied up before backward; too large a factor
// overflows to inf instead. The scaler starts high, halves and skips the step whenever a gradient
// is not finite, and doubles again after a run of good steps (the scheme of Micikevicius et al.,
// 2018, with PyTorch's GradScaler defaults). LibTorch 1.13's C++ API has no GradScaler.
#pragma once

#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

namespace sy {

struct LossScalerOptions {
  double init_scale = 65536.0;
  double growth_factor = 2.0;
  double backoff_factor = 0.5;
  int64_t growth_interval = 2000;  // finite steps in a row before the scale grows
};

class LossScaler {
 public:
  // A disabled scaler (FP32, BF16) passes everything through: scale 1, no checks.
  explicit LossScaler(bool enabled, LossScalerOptions options = {});

  bool enabled() const { return enabled_; }
  double scale() const { return enabled_ ? scale_ : 1.0; }
  at::Tensor scaled(const at::Tensor& loss) const;
  // Divides the parameters' gradients by the scale. False when any is inf or NaN: the caller
  // skips the optimizer step. One host synchronisation per call, whatever the parameter count.
  bool unscale(const std::vector<at::Tensor>& parameters) const;
  // After each step: `finite` is what unscale returned.
  void update(bool finite);
  int64_t skipped() const { return skipped_; }

 private:
  bool enabled_;
  LossScalerOptions options_;
  double scale_;
  int64_t good_steps_ = 0;
  int64_t skipped_ = 0;
};

}  // namespace sy
