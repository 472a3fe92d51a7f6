// A run's duration from its stage records.
#include "storage/run_duration.h"

#include <algorithm>

namespace sy::store {

std::optional<int64_t> run_duration_ms(const RunRecord& run, int64_t now_ms) {
  if (!run.started_at_ms || run.status == RunStatus::Interrupted) return std::nullopt;
  // Where the run's process is (or was) when it stopped: now while it runs, else when it ended.
  const std::optional<int64_t> end =
      run.status == RunStatus::Running ? std::optional(now_ms) : run.finished_at_ms;
  const bool has_stages = run.last_finished_stage > 0 || run.open_stage_started_at_ms;
  if (!has_stages) {
    // Loading, evaluating the base model, or failing before the first stage: one sitting.
    if (!end) return std::nullopt;
    return std::max<int64_t>(0, *end - *run.started_at_ms);
  }
  int64_t ms = run.finished_stages_ms;
  if (run.open_stage_started_at_ms && end) {
    ms += std::max<int64_t>(0, *end - *run.open_stage_started_at_ms);
  }
  return ms;
}

}  // namespace sy::store
