// The time left of planned work: measured rates per kind of work, projected onto what is left.
#include "engine/run/eta_estimator.h"

#include <algorithm>

namespace sy {

int64_t WorkPlan::steps() const {
  int64_t sum = 0;
  for (const PlannedStage& s : stages) sum += s.steps;
  return sum;
}

EtaEstimator::EtaEstimator(WorkPlan plan, double now)
    : plan_(std::move(plan)), planned_steps_(plan_.steps()), started_(now), last_(now) {}

void EtaEstimator::stage_started(double now) {
  if (current_ < 0 && plan_.base_evaluations > 0) {
    // Before the first stage the session evaluated the base model: a basis for evaluations
    // from the start.
    evaluations_.seconds += now - started_;
    evaluations_.count += plan_.base_evaluations;
  }
  ++current_;
  in_stage_ = static_cast<size_t>(current_) < plan_.stages.size();
  stage_started_ = now;
  stage_steps_ = 0;
  stage_step_seconds_ = 0;
  last_ = now;
}

void EtaEstimator::step(double now) {
  if (in_stage_ && stage_steps_ < plan_.stages[static_cast<size_t>(current_)].steps) {
    Rate& rate = steps_[plan_.stages[static_cast<size_t>(current_)].training];
    rate.seconds += now - last_;
    rate.count += 1;
    stage_step_seconds_ += now - last_;
    ++stage_steps_;
    ++steps_done_;
  }
  last_ = now;
}

void EtaEstimator::stage_finished(double now) {
  if (in_stage_) {
    const PlannedStage& stage = plan_.stages[static_cast<size_t>(current_)];
    const double rest = std::max(0.0, now - stage_started_ - stage_step_seconds_);
    Rate& rate = stage.evaluations > 0 ? evaluations_ : idle_stages_;
    rate.seconds += rest;
    rate.count += stage.evaluations > 0 ? stage.evaluations : 1;
    // Steps it was planned to take but did not report still count as done: the plan moves on.
    steps_done_ += std::max<int64_t>(0, stage.steps - stage_steps_);
  }
  in_stage_ = false;
  last_ = now;
}

std::optional<double> EtaEstimator::step_rate(const std::string& kind) const {
  const auto it = steps_.find(kind);
  if (it != steps_.end() && it->second.count > 0) return it->second.seconds / it->second.count;
  Rate all;
  for (const auto& [name, rate] : steps_) {
    all.seconds += rate.seconds;
    all.count += rate.count;
  }
  if (all.count > 0) return all.seconds / all.count;
  return std::nullopt;
}

std::optional<double> EtaEstimator::stage_seconds(size_t index, int64_t steps_done) const {
  const PlannedStage& stage = plan_.stages[index];
  double seconds = 0;
  const int64_t steps_left = std::max<int64_t>(0, stage.steps - steps_done);
  if (steps_left > 0) {
    const auto rate = step_rate(stage.training);
    if (!rate) return std::nullopt;
    seconds += static_cast<double>(steps_left) * *rate;
  }
  if (stage.evaluations > 0) {
    if (evaluations_.count <= 0) return std::nullopt;
    seconds += stage.evaluations * evaluations_.seconds / evaluations_.count;
  } else if (idle_stages_.count > 0) {
    seconds += idle_stages_.seconds / idle_stages_.count;
  }
  return seconds;
}

std::optional<double> EtaEstimator::eta(double now) const {
  double left = 0;
  // What is under way now: its projection less the time it has already run, never below 0.
  double current = 0;
  if (current_ < 0 && plan_.base_evaluations > 0) {
    if (evaluations_.count <= 0) return std::nullopt;
    current = plan_.base_evaluations * evaluations_.seconds / evaluations_.count;
  }
  size_t next = static_cast<size_t>(current_ + 1);
  if (in_stage_) {
    const auto seconds = stage_seconds(static_cast<size_t>(current_), stage_steps_);
    if (!seconds) return std::nullopt;
    current = *seconds;
  }
  left += std::max(0.0, current - (now - last_));
  for (size_t i = next; i < plan_.stages.size(); ++i) {
    const auto seconds = stage_seconds(i, 0);
    if (!seconds) return std::nullopt;
    left += *seconds;
  }
  return left;
}

}  // namespace sy
