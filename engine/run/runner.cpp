// The experiment runner. The frozen base model is loaded once and shared: LoRA strategies add
// adapters to it, full fine-tuning strategies train their own copies, per-task experts are
// trained once for oracle and switchcit together, and answers of fixed weights are cached.
#include "engine/run/runner.h"

#include <chrono>
#include <cstdio>
#include <sstream>

#include <torch/utils.h>
#include <nlohmann/json.hpp>

#include "engine/cl/score_matrix.h"
#include "engine/cl/strategy.h"
#include "engine/data/builtin_tasks.h"
#include "engine/data/jsonl_import.h"
#include "engine/train/evaluate.h"
#include "engine/util/device.h"

namespace sy {
namespace {

std::vector<Task> make_tasks(const Experiment& e, const RunnerOptions& options) {
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

std::vector<double> score_row(ClContext& ctx,
                              const std::function<std::vector<std::string>(size_t)>& answer) {
  std::vector<double> row;
  for (size_t j = 0; j < ctx.tasks->size(); ++j) {
    const Task& task = (*ctx.tasks)[j];
    row.push_back(score_predictions(task.metric, answer(j), task.test));
  }
  return row;
}

void summarize(RunResult& run) {
  if (run.score_matrix.size() != run.tasks.size() + 1) {
    // multitask: one joint stage, so only the final average is defined.
    double sum = 0;
    for (double v : run.score_matrix.back()) sum += v;
    run.ap = sum / static_cast<double>(run.tasks.size());
    return;
  }
  const ClMetrics m = cl_metrics(run.score_matrix);
  run.ap = m.ap;
  run.forgetting = m.forgetting;
  run.bwt = m.bwt;
  run.fwt = m.fwt;
}

}  // namespace

std::vector<RunResult> run_experiment(const Experiment& experiment, const RunnerOptions& options,
                                      const RunnerEvents& events, const std::atomic<bool>* cancel) {
  const std::vector<Task> tasks = make_tasks(experiment, options);
  const std::string base_dir =
      experiment.base_model == "builtin" ? builtin_model_dir() : experiment.base_model;
  LoadedModel base = load_model(base_dir);
  const c10::Device device = pick_device(experiment.device);
  base.model->to(device);
  AdapterBank bank;
  AnswerCache answers;

  ClContext ctx;
  ctx.base_model_dir = base_dir;
  ctx.base = &base;
  ctx.tasks = &tasks;
  ctx.generation.max_new_tokens = experiment.max_new_tokens;
  ctx.generation.precision = experiment.eval_precision;
  ctx.device = device;
  ctx.bank = &bank;
  ctx.answers = &answers;
  ctx.cancel = cancel;

  std::vector<RunResult> results;
  for (uint64_t seed : experiment.seeds) {
    for (StrategySpec spec : experiment.strategies) {
      if (options.quick) {
        spec.training.steps = std::max<int64_t>(5, spec.training.steps / 15);
        spec.switch_options.epochs = std::min<int64_t>(spec.switch_options.epochs, 5);
      }
      RunResult run;
      run.strategy = spec.name;
      run.label = spec.label;
      run.seed = seed;
      run.run_id = experiment.name + "/" + spec.label + "/seed" + std::to_string(seed);
      for (const auto& t : tasks) run.tasks.push_back(t.name);
      const auto start = std::chrono::steady_clock::now();
      ctx.seed = seed;
      ctx.on_step = [&](const std::string& what, const TrainStep& s) {
        if (events.step) events.step(run, what, s);
      };

      // Row 0: the frozen base model, the same for every run (and computed once).
      run.score_matrix.push_back(score_row(ctx, [&](size_t j) {
        return answer_fixed(ctx, "base", kNoAdapter, j, all_test_indices(ctx, j));
      }));
      if (events.row) events.row(run, 0);

      try {
        auto strategy = make_strategy(spec, ctx);
        const size_t stages = strategy->stages(tasks.size());
        for (size_t stage = 0; stage < stages; ++stage) {
          strategy->learn(stage);
          run.score_matrix.push_back(score_row(ctx, [&](size_t j) { return strategy->answer(j); }));
          if (auto router = strategy->router()) {
            run.router_confusion.push_back(router->confusion);
            run.router_accuracy = router->accuracy;
          }
          if (events.row) events.row(run, stage + 1);
        }
      } catch (const Cancelled&) {
        run.status = "cancelled";
      }
      run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (run.status == "finished") summarize(run);
      if (events.finished) events.finished(run);
      results.push_back(std::move(run));
      if (results.back().status == "cancelled") return results;
    }
  }
  return results;
}

namespace {
nlohmann::json optional_json(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}
}  // namespace

nlohmann::json summary_json(const Experiment& experiment, const std::vector<RunResult>& runs) {
  nlohmann::json out = {{"experiment", experiment.name}, {"runs", nlohmann::json::array()}};
  for (const auto& r : runs) {
    nlohmann::json confusion = nullptr;
    if (r.strategy == "switchcit") confusion = r.router_confusion;
    out["runs"].push_back({{"run_id", r.run_id},
                           {"strategy", r.strategy},
                           {"label", r.label},
                           {"seed", r.seed},
                           {"status", r.status},
                           {"seconds", r.seconds},
                           {"tasks", r.tasks},
                           {"score_matrix", r.score_matrix},
                           {"summary",
                            {{"ap", optional_json(r.ap)},
                             {"forgetting", optional_json(r.forgetting)},
                             {"bwt", optional_json(r.bwt)},
                             {"fwt", optional_json(r.fwt)},
                             {"router_accuracy", optional_json(r.router_accuracy)}}},
                           {"router_confusion", confusion}});
  }
  return out;
}

namespace {
std::string percent(const std::optional<double>& v, bool signed_value = false) {
  if (!v) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, signed_value ? "%+.1f" : "%.1f", 100.0 * *v);
  return buf;
}
}  // namespace

std::string format_run(const RunResult& run) {
  std::ostringstream out;
  out << run.run_id << " (" << run.status << ", " << static_cast<int>(run.seconds) << " s)\n";
  char buf[64];
  std::snprintf(buf, sizeof buf, "  %-16s", "after stage");
  out << buf;
  for (const auto& t : run.tasks) {
    std::snprintf(buf, sizeof buf, "%12.12s", t.c_str());
    out << buf;
  }
  out << "\n";
  for (size_t i = 0; i < run.score_matrix.size(); ++i) {
    const std::string label =
        i == 0 ? "0 (base)"
               : std::to_string(i) +
                     (run.strategy == "multitask" ? " (all)" : " (" + run.tasks[i - 1] + ")");
    std::snprintf(buf, sizeof buf, "  %-16.16s", label.c_str());
    out << buf;
    for (double v : run.score_matrix[i]) {
      std::snprintf(buf, sizeof buf, "%12.1f", 100.0 * v);
      out << buf;
    }
    out << "\n";
  }
  return out.str();
}

std::string format_comparison(const std::vector<RunResult>& runs) {
  std::ostringstream out;
  char buf[160];
  std::snprintf(buf, sizeof buf, "%-22s %6s %8s %8s %8s %8s %8s %8s\n", "run", "seed", "AP", "F*",
                "BWT", "FWT", "router", "time s");
  out << buf;
  for (const auto& r : runs) {
    std::snprintf(buf, sizeof buf, "%-22.22s %6llu %8s %8s %8s %8s %8s %8.0f\n", r.label.c_str(),
                  static_cast<unsigned long long>(r.seed), percent(r.ap).c_str(),
                  percent(r.forgetting).c_str(), percent(r.bwt, true).c_str(),
                  percent(r.fwt, true).c_str(), percent(r.router_accuracy).c_str(), r.seconds);
    out << buf;
  }
  out << "(scores in %; F* = forgetting, the drop from the best score since the task was "
         "learned)\n";
  return out.str();
}

}  // namespace sy
