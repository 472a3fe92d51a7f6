// Learning-rate schedules (LibTorch 1.13 has none): linear warmup, then constant, linear decay to
// zero, or cosine decay to zero, as Hugging Face's get_*_schedule_with_warmup define them.
#pragma once

#include <cstdint>
#include <string>

namespace sy {

enum class LrSchedule { Constant, Linear, Cosine };

LrSchedule parse_lr_schedule(const std::string& name, const std::string& source);
const char* lr_schedule_name(LrSchedule schedule);

// Learning rate for optimizer step `step` (0-based) of `total_steps`.
double learning_rate_at(LrSchedule schedule, double peak_lr, int64_t step, int64_t warmup_steps,
                        int64_t total_steps);

}  // namespace sy
