// TensorBoard's debiased EMA; see ema.h.
#include "ui/ema.h"

#include <cmath>
#include <limits>

namespace sy::ui {

double DebiasedEma::next(double x) {
  if (!std::isfinite(x)) return std::numeric_limits<double>::quiet_NaN();
  average_ = weight_ * average_ + (1 - weight_) * x;
  decay_ *= weight_;
  return average_ / (1 - decay_);
}

QVector<double> debiased_ema(const QVector<double>& values, double weight) {
  QVector<double> out;
  out.reserve(values.size());
  DebiasedEma ema(weight);
  for (double x : values) out.append(ema.next(x));
  return out;
}

}  // namespace sy::ui
