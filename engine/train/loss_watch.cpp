// The loss watch; see loss_watch.h for the two signs and why these thresholds.
#include "engine/train/loss_watch.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace sy {

LossWatch::LossWatch(int64_t vocab_size)
    : uniform_loss_(std::log(static_cast<double>(std::max<int64_t>(2, vocab_size)))) {}

void LossWatch::new_stage() {
  start_.reset();
  recent_.clear();
}

double LossWatch::recent_mean() const {
  if (recent_.empty()) return start_.value_or(0.0);
  return std::accumulate(recent_.begin(), recent_.end(), 0.0) / static_cast<double>(recent_.size());
}

LossWatch::Sign LossWatch::see(double loss) {
  if (!std::isfinite(loss)) return Sign::NotFinite;
  if (!start_) {
    start_ = loss;  // where this stage began; no step can have made it worse yet
    return Sign::Fine;
  }
  recent_.push_back(loss);
  if (recent_.size() > kWindow) recent_.pop_front();
  if (warned_ || recent_.size() < kWindow) return Sign::Fine;
  const double mean = recent_mean();
  if (mean > *start_ && mean > uniform_loss_) {
    warned_ = true;
    return Sign::Rising;
  }
  return Sign::Fine;
}

}  // namespace sy
