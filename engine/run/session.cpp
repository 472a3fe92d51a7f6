// The session: one experiment's shared state, and one run of a strategy over the sequence.
#include "engine/run/session.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <set>

#include "engine/cl/score_matrix.h"
#include "engine/cl/strategy_traits.h"
#include "engine/data/builtin_tasks.h"
#include "engine/data/jsonl_import.h"
#include "engine/generate/task_scoring.h"
#include "engine/model/adapter_io.h"
#include "engine/run/memory_estimate.h"
#include "engine/train/loss_watch.h"
#include "engine/util/device.h"
#include "engine/util/error.h"

namespace sy {
namespace {

void summarize(RunProgress& run) {
  if (run.score_matrix.size() != run.tasks.size() + 1) {
    // multitask: one joint stage, so only the final average is defined.
    double sum = 0;
    for (double v : run.score_matrix.back()) sum += v;
    run.summary.ap = sum / static_cast<double>(run.tasks.size());
    return;
  }
  const ClMetrics m = cl_metrics(run.score_matrix);
  run.summary.ap = m.ap;
  run.summary.forgetting = m.forgetting;
  run.summary.bwt = m.bwt;
  run.summary.fwt = m.fwt;
}

bool has_nan(const std::vector<double>& row) {
  return std::any_of(row.begin(), row.end(), [](double v) { return std::isnan(v); });
}

double confusion_accuracy(const std::vector<std::vector<int64_t>>& confusion) {
  int64_t right = 0, all = 0;
  for (size_t i = 0; i < confusion.size(); ++i) {
    for (size_t j = 0; j < confusion[i].size(); ++j) {
      all += confusion[i][j];
      if (i == j) right += confusion[i][j];
    }
  }
  return all ? static_cast<double>(right) / static_cast<double>(all) : 0.0;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

std::vector<Task> experiment_tasks(const Experiment& e, const RunnerOptions& options) {
  const int n_train =
      static_cast<int>(options.quick ? std::min<int64_t>(e.train_examples, 200) : e.train_examples);
  const int n_test =
      static_cast<int>(options.quick ? std::min<int64_t>(e.test_examples, 10) : e.test_examples);
  std::vector<Task> tasks;
  for (const auto& source : e.tasks) {
    Task t;
    if (!source.builtin.empty()) {
      t = make_builtin_task(source.builtin, e.data_seed, n_train, n_test);
    } else {
      t = task_from_jsonl(source.name, source.train_path, source.test_path, source.test_fraction,
                          e.data_seed);
      if (t.test.size() > static_cast<size_t>(n_test)) t.test.resize(static_cast<size_t>(n_test));
    }
    t.name = source.name;
    t.metric = source.metric;
    tasks.push_back(std::move(t));
  }
  return tasks;
}

StrategySpec effective_spec(StrategySpec spec, const RunnerOptions& options) {
  if (options.quick) {
    spec.training.steps = std::max<int64_t>(5, spec.training.steps / 15);
    spec.switch_options.epochs = std::min<int64_t>(spec.switch_options.epochs, 5);
  }
  return spec;
}

Session::Session(const Experiment& experiment, const RunnerOptions& options, RunObserver& observer,
                 const std::atomic<bool>* cancel)
    : experiment_(experiment),
      options_(options),
      observer_(observer),
      tasks_(experiment_tasks(experiment, options)) {
  device_ = pick_device(experiment.device);
  for (const StrategySpec& spec : experiment.strategies) {
    require_precision_on(spec.training.precision, device_,
                         experiment.path + ": the training precision of " + spec.label);
  }
  require_precision_on(experiment.eval_precision, device_,
                       experiment.path + ": \"evaluation.precision\"");
  base_dir_ = base_model_dir(experiment);
  // Refused before anything is loaded when it cannot fit (on a GPU: its memory in all).
  require_memory_fits(estimate_experiment_memory(experiment, options, tasks_),
                      available_memory(device_), experiment.path);
  base_ = load_model(base_dir_, experiment.weights_dtype);
  base_.model->to(device_);
  ctx_.base_model_dir = base_dir_;
  ctx_.base = &base_;
  ctx_.tasks = &tasks_;
  ctx_.generation.max_new_tokens = experiment.max_new_tokens;
  ctx_.generation.precision = experiment.eval_precision;
  ctx_.device = device_;
  ctx_.bank = &bank_;
  ctx_.answers = &answers_;
  ctx_.cancel = cancel;
}

WorkPlan Session::work_plan(const std::vector<StrategySpec>& specs, size_t first_stage) const {
  WorkPlan plan;
  const size_t n = tasks_.size();
  const int all = static_cast<int>(n);
  // The first run of a session answers the base model's row 0 (cached for the runs after it);
  // a resumed run has it stored.
  plan.base_evaluations = first_stage == 1 && !specs.empty() ? all : 0;
  std::set<std::string> experts;  // trained (or answered) by an earlier stage of the plan
  for (uint64_t seed : experiment_.seeds) {
    for (const StrategySpec& raw : specs) {
      const StrategySpec spec = effective(raw);
      const StrategyTraits& traits = strategy_traits(spec.name);
      const std::string training = spec.use_lora ? "lora" : "full";
      if (traits.stages == StageRule::One) {
        // One joint stage with the whole sequence's step budget.
        plan.stages.push_back({training, spec.training.steps * static_cast<int64_t>(n), all});
        continue;
      }
      for (size_t stage = first_stage - 1; stage < n; ++stage) {
        if (!trains_expert(spec, stage)) {
          plan.stages.push_back({training, spec.training.steps, all});
          continue;
        }
        // An expert is trained once, and its answers are cached: a stage that reuses it trains
        // and answers nothing new. An expert strategy answers through its new expert only the
        // new task (the others through experts or the base model, cached); the first stage of
        // seq-lora or replay answers every task through it.
        const std::string key =
            AdapterBank::key(tasks_[stage].name, seed, spec.lora, spec.training);
        const bool is_new = experts.insert(key).second;
        int evaluations = !is_new ? 0 : traits.trains_experts ? 1 : all;
        // A switch is refitted every stage and routes every test prompt seen so far: about one
        // task's evaluation, even where every answer is cached.
        if (traits.uses_switch) evaluations = std::max(evaluations, 1);
        plan.stages.push_back(
            {training, is_new && !bank_.has(key) ? spec.training.steps : 0, evaluations});
      }
    }
  }
  return plan;
}

RunProgress Session::run(const StrategySpec& raw_spec, uint64_t seed, const ResumePoint* from) {
  const StrategySpec spec = effective(raw_spec);
  RunProgress run;
  run.strategy = spec.name;
  run.label = spec.label;
  run.seed = seed;
  run.key = run_key(experiment_.name, spec.label, seed);
  run.device = device_.str();
  for (const auto& t : tasks_) {
    run.tasks.push_back(t.name);
    run.metrics.push_back(t.metric);
  }
  const auto start = std::chrono::steady_clock::now();
  ctx_.seed = seed;
  size_t stage = 0;  // the stage being trained, numbered from 1 as observers see it
  LossWatch watch(base_.model->config().vocab_size);
  std::string watched;  // the training the watch's reference loss belongs to
  ctx_.on_step = [&](const std::string& what, const TrainStep& s) {
    observer_.train_step(run, stage, what, s);
    if (watched != what || s.step == 1) {
      watch.new_stage();
      watched = what;
    }
    watch_loss(watch, run, spec, stage, what, s);
  };

  size_t first = 0;
  if (from) {
    first = from->stages_done;
    run.db_id = from->db_id;
    run.score_matrix = from->score_matrix;
    run.router_confusion = from->router_confusion;
    if (!run.router_confusion.empty()) {
      run.summary.router_accuracy = confusion_accuracy(run.router_confusion.back());
    }
  }
  try {
    auto strategy = make_strategy(spec, ctx_);
    run.stages = strategy_traits(spec.name).planned_stages(tasks_.size());
    observer_.run_started(run, spec, first + 1);
    const auto base_answers = [&](size_t j) {
      return answer_fixed(ctx_, "base", kNoAdapter, j, all_test_indices(ctx_, j));
    };
    if (run.score_matrix.empty()) {
      // Row 0: the frozen base model, the same for every run (and computed once).
      run.score_matrix.assign(1, score_row(base_answers));
      observer_.row_evaluated(run, 0);
    }
    if (first > 0) {
      strategy->restore(first, tensors_from_safetensors_bytes(from->checkpoint,
                                                              "the checkpoint of run " + run.key));
    }
    // Tasks added to a finished run (extend) have no scores yet: they get row 0 (the base, for
    // forward transfer) and row `first` (what the run knew before learning them); the rows in
    // between stay missing (NaN), as no metric reads them.
    for (auto& row : run.score_matrix) row.resize(tasks_.size(), std::nan(""));
    if (has_nan(run.score_matrix[0])) {
      run.score_matrix[0] = score_row(base_answers);
      observer_.row_evaluated(run, 0);
    }
    if (first > 0 && has_nan(run.score_matrix[first])) {
      run.score_matrix[first] = score_row([&](size_t j) { return strategy->answer(j); });
      observer_.row_evaluated(run, first);
    }
    for (size_t position = first; position < run.stages; ++position) {
      if (ctx_.cancel && ctx_.cancel->load()) throw Cancelled{};
      stage = position + 1;
      observer_.stage_started(run, stage);
      strategy->learn(position);
      run.score_matrix.push_back(score_row([&](size_t j) { return strategy->answer(j); }));
      observer_.row_evaluated(run, stage);
      if (auto router = strategy->router()) {
        run.router_confusion.push_back(router->confusion);
        run.summary.router_accuracy = router->accuracy;
        observer_.router_evaluated(run, stage);
      }
      std::vector<uint8_t> checkpoint;
      if (observer_.keeps_artifacts()) {
        if (auto adapter = strategy->stage_adapter(position)) {
          TrainedAdapter out;
          const NamedTensors tensors = adapter_tensors(base_.model, *adapter);
          for (const auto& [name, t] : tensors) out.parameters += t.numel();
          out.safetensors = safetensors_bytes(tensors, {{"format", "pt"}});
          out.config_json = adapter_config(base_.model->adapter_spec(*adapter), base_dir_,
                                           base_.model->config().family)
                                .dump();
          observer_.adapter_trained(run, position, out);
        }
        checkpoint = safetensors_bytes(strategy->state());
      }
      observer_.stage_finished(run, stage, checkpoint);
    }
    summarize(run);
  } catch (const Cancelled&) {
    run.status = store::RunStatus::Cancelled;
    run.reason = "cancelled by the user";
  } catch (const std::exception& e) {
    run.status = store::RunStatus::Failed;
    run.reason = e.what();
    run.seconds = seconds_since(start);
    observer_.run_ended(run);
    throw;
  }
  run.seconds = seconds_since(start);
  observer_.run_ended(run);
  return run;
}

void Session::watch_loss(LossWatch& watch, const RunProgress& run, const StrategySpec& spec,
                         size_t stage, const std::string& what, const TrainStep& step) {
  const LossWatch::Sign sign = watch.see(step.loss);
  if (sign == LossWatch::Sign::Fine) return;
  // The setting that most likely caused it: the learning rate this strategy trained with.
  const std::string field = spec.use_lora ? "training.lr" : "training.full_lr";
  char lr[32];
  std::snprintf(lr, sizeof lr, "%g", spec.training.lr);
  const std::string where = run.label + " (seed " + std::to_string(run.seed) + "), stage " +
                            std::to_string(stage) + " (" + what + "), step " +
                            std::to_string(step.step) + " of " + std::to_string(step.total_steps);
  RunWarning w;
  w.what = what;
  w.step = step.step;
  w.loss = step.loss;
  if (sign == LossWatch::Sign::Rising) {
    char numbers[256];
    std::snprintf(numbers, sizeof numbers,
                  "the training loss averaged %.3g over its last %zu steps, above its stage's "
                  "start (%.3g) and above %.3g, the loss of guessing uniformly over the vocabulary",
                  watch.recent_mean(), LossWatch::kWindow, watch.stage_start().value_or(step.loss),
                  watch.uniform_loss());
    w.kind = "loss_rising";
    w.message = "training is diverging in " + where + ": " + numbers + "; lower \"" + field +
                "\" (" + lr + ") in " + experiment_.path;
    observer_.warning(run, stage, w);
    return;
  }
  w.kind = "loss_not_finite";
  const std::string value = std::isnan(step.loss) ? "NaN" : "infinite";
  if (step.step == 1) {
    // Before this stage's first update: what came in was already broken, not this stage's lr.
    w.message = "training diverged in " + where + ": the loss is " + value +
                " before the stage changed any weight (the model's weights or the examples "
                "give non-finite values); check the base model \"" +
                experiment_.base_model + "\" and \"" + field + "\" (" + lr + ") in " +
                experiment_.path;
  } else {
    w.message = "training diverged in " + where + ": the loss became " + value +
                ", so the run was stopped; lower \"" + field + "\" (" + lr + ") in " +
                experiment_.path;
  }
  observer_.warning(run, stage, w);
  throw Error(w.message);
}

ExpertWeights Session::train_expert(size_t task, const StrategySpec& raw_spec, uint64_t seed,
                                    const std::function<void(const TrainStep&)>& on_step) {
  const StrategySpec spec = effective(raw_spec);
  ctx_.seed = seed;
  ctx_.on_step = [&](const std::string&, const TrainStep& s) { on_step(s); };
  const Expert e = bank_.expert(ctx_, task, spec.lora, spec.training);
  ctx_.on_step = nullptr;
  ExpertWeights out;
  out.task = task;
  out.label = spec.label;
  out.seed = seed;
  out.tensors = adapter_tensors(base_.model, e.adapter);
  return out;
}

void Session::add_expert(const StrategySpec& raw_spec, const ExpertWeights& expert) {
  if (expert.task >= tasks_.size()) {
    throw Error("an expert for task position " + std::to_string(expert.task) + " of a " +
                std::to_string(tasks_.size()) + "-task sequence");
  }
  const StrategySpec spec = effective(raw_spec);
  ctx_.seed = expert.seed;
  bank_.restore(ctx_, expert.task, spec.lora, spec.training, expert.tensors, expert.steps);
}

std::unique_ptr<Strategy> Session::restored(const StrategySpec& raw_spec, uint64_t seed,
                                            const ResumePoint& from) {
  ctx_.seed = seed;
  auto strategy = make_strategy(effective(raw_spec), ctx_);
  if (from.stages_done > 0) {
    strategy->restore(from.stages_done,
                      tensors_from_safetensors_bytes(from.checkpoint, "the run's checkpoint"));
  }
  return strategy;
}

std::vector<double> Session::score_row(
    const std::function<std::vector<std::string>(size_t)>& answer) {
  std::vector<double> row;
  for (size_t j = 0; j < tasks_.size(); ++j) {
    row.push_back(score_predictions(tasks_[j].metric, answer(j), tasks_[j].test));
  }
  return row;
}

}  // namespace sy
