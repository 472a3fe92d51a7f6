// The event stream. Progress (with the time left of the whole experiment, from EtaEstimator) is
// sent at most twice a second and at every stage's end, so a fast run does not flood its reader.
#include "engine/run/event_stream.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "engine/cl/strategy_traits.h"
#include "engine/run/runner.h"
#include "storage/sha256.h"

namespace sy {
namespace {

constexpr std::chrono::milliseconds kProgressEvery{500};

int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

nlohmann::json run_ref(const RunProgress& run) {
  return run.db_id ? nlohmann::json(run.db_id) : nlohmann::json(nullptr);
}

}  // namespace

EventStream::EventStream(std::ostream& out) : out_(out) {}

const std::vector<std::string>& EventStream::types() {
  static const std::vector<std::string> names = {"experiment_started", "run_started",
                                                 "stage_started",      "train_step",
                                                 "progress",           "warning",
                                                 "evaluation",         "router",
                                                 "adapter_saved",      "stage_finished",
                                                 "run_finished",       "run_cancelled",
                                                 "run_failed",         "experiment_finished"};
  return names;
}

void EventStream::emit(const std::string& type, const RunProgress* run, nlohmann::json fields) {
  nlohmann::json event = {{"type", type}, {"time_ms", unix_ms()}};
  if (run) {
    event["run"] = run_ref(*run);
    event["key"] = run->key;
  }
  event.update(fields);
  out_ << event.dump() << '\n';
  out_.flush();
}

double EventStream::seconds_now() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void EventStream::experiment_started(const Experiment& experiment, const WorkPlan& plan) {
  experiment_ = experiment.name;
  start_ = std::chrono::steady_clock::now();
  eta_ = EtaEstimator(plan, 0.0);
  const int64_t planned_steps = plan.steps();
  std::vector<std::string> labels, tasks;
  for (const auto& s : experiment.strategies) labels.push_back(s.label);
  for (const auto& t : experiment.tasks) tasks.push_back(t.name);
  emit("experiment_started", nullptr,
       {{"experiment", experiment.name},
        {"file", experiment.path},
        {"tasks", tasks},
        {"strategies", labels},
        {"seeds", experiment.seeds},
        {"planned_steps", planned_steps}});
}

void EventStream::run_started(RunProgress& run, const StrategySpec&, size_t first_stage) {
  emit("run_started", &run,
       {{"experiment", experiment_},
        {"strategy", run.strategy},
        {"label", run.label},
        {"seed", run.seed},
        {"tasks", run.tasks},
        {"metrics", run.metrics},
        {"stages", run.stages},
        {"first_stage", first_stage},
        {"device", run.device}});
}

void EventStream::stage_started(const RunProgress& run, size_t stage) {
  // A stage of all tasks (multitask) names none. A plan's expert unit is a pseudo-run
  // ("expert"), not a strategy of the table: its one stage is its one task.
  const StrategyTraits* traits = find_strategy_traits(run.strategy);
  const bool all_tasks = traits != nullptr && traits->stages == StageRule::One;
  const std::string task = all_tasks ? "" : run.tasks[stage - 1];
  eta_.stage_started(seconds_now());
  emit("stage_started", &run, {{"stage", stage}, {"task", task}});
}

void EventStream::train_step(const RunProgress& run, size_t stage, const std::string& what,
                             const TrainStep& step) {
  eta_.step(seconds_now());
  emit("train_step", &run,
       {{"stage", stage},
        {"what", what},
        {"step", step.step},
        {"steps", step.total_steps},
        {"loss", step.loss},
        {"lr", step.lr},
        {"tokens_per_s", step.tokens_per_s}});
  progress(run, stage, step, step.step == step.total_steps);
}

void EventStream::progress(const RunProgress& run, size_t stage, const TrainStep& step,
                           bool force) {
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_progress_ < kProgressEvery) return;
  last_progress_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const int64_t done = eta_.steps_done();
  const int64_t planned = std::max(eta_.steps_planned(), done);
  const double fraction = planned ? static_cast<double>(done) / static_cast<double>(planned) : 1.0;
  const std::optional<double> left = eta_.eta(elapsed);
  emit("progress", &run,
       {{"stage", stage},
        {"stage_step", step.step},
        {"stage_steps", step.total_steps},
        {"steps_done", done},
        {"steps_planned", planned},
        {"fraction", fraction},
        {"elapsed_s", elapsed},
        {"eta_s", left ? nlohmann::json(*left) : nlohmann::json(nullptr)},
        {"tokens_per_s", step.tokens_per_s}});
}

void EventStream::warning(const RunProgress& run, size_t stage, const RunWarning& warning) {
  emit("warning", &run,
       {{"stage", stage},
        {"kind", warning.kind},
        {"what", warning.what},
        {"step", warning.step},
        // NaN and Inf have no JSON form: null.
        {"loss", std::isfinite(warning.loss) ? nlohmann::json(warning.loss) : nullptr},
        {"message", warning.message}});
}

void EventStream::row_evaluated(const RunProgress& run, size_t row) {
  nlohmann::json scores = nlohmann::json::array();
  for (size_t j = 0; j < run.tasks.size(); ++j) {
    scores.push_back({{"position", j},
                      {"task", run.tasks[j]},
                      {"metric", run.metrics[j]},
                      {"value", run.score_matrix[row][j]}});
  }
  emit("evaluation", &run, {{"after_stage", row}, {"scores", scores}});
}

void EventStream::router_evaluated(const RunProgress& run, size_t after_stage) {
  const auto& counts = run.router_confusion.back();
  const std::vector<std::string> labels(run.tasks.begin(),
                                        run.tasks.begin() + static_cast<long>(counts.size()));
  emit("router", &run,
       {{"after_stage", after_stage},
        {"labels", labels},
        {"counts", counts},
        {"accuracy",
         run.summary.router_accuracy ? nlohmann::json(*run.summary.router_accuracy) : nullptr}});
}

void EventStream::adapter_trained(const RunProgress& run, size_t position,
                                  const TrainedAdapter& adapter) {
  emit("adapter_saved", &run,
       {{"position", position},
        {"task", run.tasks[position]},
        {"parameters", adapter.parameters},
        {"bytes", adapter.safetensors.size()},
        {"sha256", store::sha256_hex(adapter.safetensors.data(), adapter.safetensors.size())}});
}

void EventStream::stage_finished(const RunProgress& run, size_t stage,
                                 const std::vector<uint8_t>&) {
  eta_.stage_finished(seconds_now());
  emit("stage_finished", &run, {{"stage", stage}, {"stages", run.stages}});
}

void EventStream::run_ended(const RunProgress& run) {
  if (run.status == store::RunStatus::Finished) {
    emit("run_finished", &run,
         {{"seconds", run.seconds},
          {"summary", nlohmann::json::parse(store::run_summary_json(run.summary))}});
  } else {
    emit(run.status == store::RunStatus::Cancelled ? "run_cancelled" : "run_failed", &run,
         {{"seconds", run.seconds}, {"reason", run.reason}});
  }
}

void EventStream::experiment_ended() {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  emit("experiment_finished", nullptr, {{"experiment", experiment_}, {"seconds", elapsed}});
}

}  // namespace sy
