// The loss watch; see loss_watch.h for the two signs and why these thresholds.
#include "engine/train/loss_watch.h"

#include <algorithm>
#include <cmath>

namespace sy {

LossWatch::LossWatch(int64_t vocab_size)
    : uniform_loss_(std::log(static_cast<double>(std::max<int64_t>(2, vocab_size)))) {}

void LossWatch::new_stage() {
  start_.reset();
}

LossWatch::Sign LossWatch::see(double loss) {
  if (!std::isfinite(loss)) return Sign::NotFinite;
  if (!start_) {
    start_ = loss;  // where this stage began; no step can have made it worse yet
    return Sign::Fine;
  }
  if (!warned_ && loss > *start_ && loss > uniform_loss_) {
    warned_ = true;
    return Sign::Rising;
  }
  return Sign::Fine;
}

}  // namespace sy
