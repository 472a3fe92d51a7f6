// Learning-rate schedules; the formulas follow transformers' schedule functions step for step.
#include "engine/train/lr_schedule.h"

#include <algorithm>
#include <cmath>

#include "engine/util/error.h"

namespace sy {

LrSchedule parse_lr_schedule(const std::string& name, const std::string& source) {
  if (name == "constant") return LrSchedule::Constant;
  if (name == "linear") return LrSchedule::Linear;
  if (name == "cosine") return LrSchedule::Cosine;
  throw Error(source + ": field \"schedule\" is \"" + name +
              "\"; expected one of constant, linear, cosine.");
}

const char* lr_schedule_name(LrSchedule schedule) {
  switch (schedule) {
    case LrSchedule::Constant:
      return "constant";
    case LrSchedule::Linear:
      return "linear";
    case LrSchedule::Cosine:
      return "cosine";
  }
  return "?";
}

double learning_rate_at(LrSchedule schedule, double peak_lr, int64_t step, int64_t warmup_steps,
                        int64_t total_steps) {
  if (step < warmup_steps) {
    return peak_lr * static_cast<double>(step) /
           static_cast<double>(std::max<int64_t>(1, warmup_steps));
  }
  const double decay_steps = static_cast<double>(std::max<int64_t>(1, total_steps - warmup_steps));
  const double progress = static_cast<double>(step - warmup_steps) / decay_steps;
  switch (schedule) {
    case LrSchedule::Constant:
      return peak_lr;
    case LrSchedule::Linear:
      return peak_lr * std::max(0.0, 1.0 - progress);
    case LrSchedule::Cosine:
      return peak_lr * std::max(0.0, 0.5 * (1.0 + std::cos(M_PI * progress)));
  }
  return peak_lr;
}

}  // namespace sy
