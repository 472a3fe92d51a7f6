// The recorder. Training points are written every kPointBatch steps and at the end of a stage:
// one transaction per batch keeps the write lock short for readers such as the GUI.
#include "engine/run/run_recorder.h"

#include <nlohmann/json.hpp>

#include "engine/cl/strategy_traits.h"
#include "engine/kernels/precision.h"
#include "engine/run/runner.h"
#include "engine/util/error.h"
#include "engine/util/json_file.h"

namespace sy {
namespace {

constexpr size_t kPointBatch = 50;

nlohmann::json spec_json(const StrategySpec& spec) {
  const TrainOptions& t = spec.training;
  nlohmann::json j = {{"name", spec.name},
                      {"mode", spec.use_lora ? "lora" : "full"},
                      {"steps", t.steps},
                      {"batch_size", t.batch_size},
                      {"grad_accum", t.grad_accum},
                      {"lr", t.lr},
                      {"warmup", t.warmup_steps},
                      {"max_grad_norm", t.max_grad_norm},
                      {"weight_decay", t.weight_decay},
                      {"precision", precision_name(t.precision)}};
  if (spec.use_lora) {
    j["lora"] = {{"r", spec.lora.rank},
                 {"alpha", spec.lora.alpha},
                 {"dropout", spec.lora.dropout},
                 {"target_modules", spec.lora.target_modules}};
  }
  const StrategyTraits& traits = strategy_traits(spec.name);
  if (traits.has_replay) j["fraction"] = spec.replay_fraction;
  if (traits.uses_switch) {
    j["retention"] = spec.retention;
    j["min_retained"] = spec.min_retained;
    j["pooling"] = switch_pooling_name(spec.switch_options.pooling);
    j["switch_epochs"] = spec.switch_options.epochs;
  }
  return j;
}

}  // namespace

RunRecorder::RunRecorder(store::Store& store, RunOrigin origin, int64_t experiment_id)
    : store_(store), origin_(std::move(origin)), experiment_id_(experiment_id) {}

void RunRecorder::experiment_started(const Experiment& experiment, const WorkPlan&) {
  if (experiment_id_ == 0) {
    experiment_id_ = store_.create_experiment(experiment.name, origin_.experiment_json);
  }
}

void RunRecorder::run_started(RunProgress& run, const StrategySpec& spec, size_t) {
  if (run.db_id == 0) {
    store::NewRun n;
    n.experiment_id = experiment_id_;
    n.strategy = run.strategy;
    n.label = run.label;
    n.seed = run.seed;
    n.config_json = nlohmann::json{{"label", spec.label},
                                   {"quick", origin_.quick},
                                   {"experiment_file", origin_.experiment_file},
                                   {"strategy", spec_json(spec)}}
                        .dump();
    n.device = run.device;
    n.engine_version = SWITCHYARD_VERSION;
    run.db_id = store_.create_run(n);
    std::vector<store::RunTask> tasks;
    for (size_t j = 0; j < run.tasks.size(); ++j) tasks.push_back({run.tasks[j], run.metrics[j]});
    store_.set_run_tasks(run.db_id, tasks, static_cast<int>(run.stages));
  }
  points_.clear();
  store_.set_run_status(run.db_id, store::RunStatus::Running);
}

void RunRecorder::stage_started(const RunProgress& run, size_t stage) {
  store_.begin_stage(run.db_id, static_cast<int>(stage));
}

void RunRecorder::train_step(const RunProgress& run, size_t stage, const std::string&,
                             const TrainStep& step) {
  // When the step was taken (the store's clock), for plots against wall time: the points are
  // written in batches, later.
  points_.push_back(
      {static_cast<int>(stage), step.step, step.loss, step.lr, step.tokens_per_s, store_.now()});
  if (points_.size() >= kPointBatch) flush_points(run.db_id);
}

void RunRecorder::flush_points(int64_t run_id) {
  store_.append_train_points(run_id, points_);
  points_.clear();
}

void RunRecorder::warning(const RunProgress& run, size_t, const RunWarning& warning) {
  // Kept with the run for the run list and `show`: the tag marks it, the note says why. Points
  // first, so that the step the warning names is stored with it.
  store::Store::Batch batch(store_);
  flush_points(run.db_id);
  store_.add_tag(run.db_id, store::kDivergedTag);
  store_.add_note(run.db_id, "warning: " + warning.message);
  batch.commit();
}

void RunRecorder::row_evaluated(const RunProgress& run, size_t row) {
  std::vector<store::Score> scores;
  for (size_t j = 0; j < run.tasks.size(); ++j) {
    scores.push_back({static_cast<int>(j), run.metrics[j], run.score_matrix[row][j]});
  }
  store_.put_scores(run.db_id, static_cast<int>(row), scores);
}

void RunRecorder::router_evaluated(const RunProgress& run, size_t after_stage) {
  store::Confusion c;
  c.after_stage = static_cast<int>(after_stage);
  c.counts = run.router_confusion.back();
  c.labels.assign(run.tasks.begin(), run.tasks.begin() + static_cast<long>(c.counts.size()));
  store_.put_confusion(run.db_id, c);
}

void RunRecorder::adapter_trained(const RunProgress& run, size_t position,
                                  const TrainedAdapter& adapter) {
  store_.put_adapter(run.db_id, static_cast<int>(position), adapter.safetensors,
                     adapter.config_json, adapter.parameters);
}

void RunRecorder::stage_finished(const RunProgress& run, size_t stage,
                                 const std::vector<uint8_t>& checkpoint) {
  flush_points(run.db_id);
  // Empty: an imported run's earlier stages (a bundle keeps only the last checkpoint).
  if (checkpoint.empty()) {
    store_.finish_stage(run.db_id, static_cast<int>(stage));
  } else {
    store_.finish_stage(run.db_id, static_cast<int>(stage), checkpoint);
  }
}

void RunRecorder::run_ended(const RunProgress& run) {
  if (run.db_id == 0) return;  // failed before the store knew it
  flush_points(run.db_id);
  if (run.status == store::RunStatus::Finished) {
    store_.set_run_summary(run.db_id, store::run_summary_json(run.summary));
  }
  store_.set_run_status(run.db_id, run.status, run.reason);
}

StoredRunConfig parse_stored_run_config(const std::string& config_json, int64_t run_id) {
  const std::string where = "run " + std::to_string(run_id) + "'s stored configuration";
  const std::optional<nlohmann::json> parsed = try_parse_json(config_json);
  if (!parsed) throw Error(where + " is not JSON; it was not written by switchyard-engine run.");
  const nlohmann::json& j = *parsed;
  StoredRunConfig c;
  if (!j.is_object() || !j.contains("label") || !j["label"].is_string() ||
      !j.contains("experiment_file") || !j["experiment_file"].is_string()) {
    throw Error(where + " lacks \"label\" or \"experiment_file\"; it cannot be resumed.");
  }
  c.label = j["label"].get<std::string>();
  c.experiment_file = j["experiment_file"].get<std::string>();
  c.quick = j.value("quick", false);
  c.extra_tasks = j.value("extra_tasks", nlohmann::json::array());
  return c;
}

Experiment stored_run_experiment(const std::string& experiment_json,
                                 const StoredRunConfig& config) {
  std::optional<nlohmann::json> parsed = try_parse_json(experiment_json);
  if (!parsed) throw Error("the stored experiment of this run is not JSON; it cannot be continued");
  nlohmann::json& definition = *parsed;
  for (const auto& task : config.extra_tasks) definition["tasks"].push_back(task);
  return experiment_from_json(definition, config.experiment_file);
}

}  // namespace sy
