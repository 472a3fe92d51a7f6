// The smoothing every line plot of the app offers: an exponential moving average debiased as
// TensorBoard draws it, ema_t = w*ema_{t-1} + (1-w)*x_t shown as ema_t / (1 - w^t), so that the
// first value is x_1 and not pulled towards 0. Widget-free.
#pragma once

#include <QVector>

namespace sy::ui {

class DebiasedEma {
 public:
  explicit DebiasedEma(double weight) : weight_(weight) {}
  // The smoothed value after `x`; a non-finite x gives NaN and leaves the average untouched.
  double next(double x);
  // Forget the history (a new stage: its loss jumps, and averaging across would draw a slope
  // that never happened).
  void restart() { average_ = 0, decay_ = 1; }

 private:
  double weight_;
  double average_ = 0;
  double decay_ = 1;  // w^t
};

QVector<double> debiased_ema(const QVector<double>& values, double weight);

}  // namespace sy::ui
